/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import {registry} from "@web/core/registry";
import {noTruncatedTitles} from "@tecpet_erp_sync/../tests/tours/walk_tours";
import {screenshotStep} from "@tecpet_erp_sync/../tests/tours/screenshot";

const column = "td[name='service_order_state']";

registry.category("web_tour.tours").add("tecpet_erp_sync_invoice_list", {
    url: "/odoo/action-account.action_move_out_invoice_type",
    steps: () => [
        {
            content: "The Invoices list has a Service Order column",
            trigger: "th[data-name='service_order_state']:contains('Service Order')",
        },
        {
            content: "An invoice outside the ERP flow shows a dash, without colour",
            trigger: `${column} .o_service_order_none:contains('—')`,
        },
        {
            content: "An open invoice shows a neutral grey badge",
            trigger: `${column} .badge.text-bg-300:contains('Open')`,
        },
        {
            content: "Processing is blue",
            trigger: `${column} .badge.text-bg-info:contains('Processing')`,
        },
        {
            content: "Fulfilled is green",
            trigger: `${column} .badge.text-bg-success:contains('Fulfilled')`,
        },
        {
            content: "Awaiting Issue is orange",
            trigger: `${column} .badge.text-bg-warning:contains('Awaiting Issue')`,
        },
        {
            content: "Issued is green",
            trigger: `${column} .badge.text-bg-success:contains('Issued')`,
        },
        {
            content: "Canceled is muted",
            trigger: `${column} .badge.opacity-50:contains('Canceled')`,
        },
        {
            content: "A failed invoice shows a red Error badge",
            trigger: `${column} .badge.text-bg-danger:contains('Error')`,
        },
        noTruncatedTitles(".o_list_view"),
        screenshotStep("invoices_list"),
        {
            content: "Select the failed invoice",
            trigger: `tr.o_data_row:has(${column} .badge.text-bg-danger) .o_list_record_selector input`,
            run: "click",
        },
        {
            content: "Open the Action menu",
            trigger: ".o_control_panel .o_cp_action_menus button:contains('Actions')",
            run: "click",
        },
        {
            content: "Run Reprocess",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Reprocess')",
            run: "click",
        },
        {
            content: "Reprocess reports the invoice that still fails validation, by name",
            trigger: ".o_notification:contains('still fail validation')",
        },
        {
            content: "Open the search options",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Group by the Service Order column",
            trigger: ".o_group_by_menu .o_menu_item:contains('Service Order')",
            run: "click",
        },
        {
            content:
                "Groups in the order of the flow; invoices outside it are the last group, '—', not 'None'",
            trigger: ".o_list_view .o_group_name:contains('—')",
            run() {
                const names = [...document.querySelectorAll(".o_list_view .o_group_name")].map((cell) =>
                    cell.textContent.replace(/\(\d+\)/, "").trim()
                );
                const expected = [
                    "Processing",
                    "Open",
                    "Fulfilled",
                    "Awaiting Issue",
                    "Issued",
                    "Canceled",
                    "Error",
                    "—",
                ];
                if (names.join("|") !== expected.join("|")) {
                    throw new Error(`Groups ${names.join(", ")}; expected ${expected.join(", ")}`);
                }
            },
        },
    ],
});
