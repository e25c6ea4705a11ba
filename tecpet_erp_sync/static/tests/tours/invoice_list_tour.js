/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import {registry} from "@web/core/registry";

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
    ],
});
