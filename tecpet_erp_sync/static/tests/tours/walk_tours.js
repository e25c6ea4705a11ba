/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// Issue 22 point 7 in the browser: a pt_BR billing clerk without an e-mail address reads a job's
// English error in Portuguese, then excludes and includes the invoice; an administrator previews
// and sends older invoices from the Invoices list; document lists read their column titles in
// full. The Python side (test_erp_ux_tours.py) prepares the data and opens each tour.
import {registry} from "@web/core/registry";

function openCogMenuItem(label) {
    return [
        {
            content: "Open the form's action menu",
            trigger: ".o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: `Run ${label}`,
            trigger: `.o-dropdown--menu .o-dropdown-item:contains('${label}')`,
            run: "click",
        },
    ];
}

export function noTruncatedTitles(scope) {
    return {
        content: `Every column title reads in full (${scope})`,
        trigger: `${scope} th`,
        run() {
            const cut = [...document.querySelectorAll(`${scope} thead th .text-truncate`)]
                .filter((title) => title.scrollWidth > title.clientWidth + 1)
                .map((title) => title.textContent.trim());
            if (cut.length) {
                throw new Error(`Truncated column titles in ${scope}: ${cut.join(", ")}`);
            }
        },
    };
}

registry.category("web_tour.tours").add("tecpet_erp_sync_clerk_pt_br", {
    steps: () => [
        {
            content: "The job wrote the error in English; the clerk reads it in Portuguese",
            trigger:
                ".alert-danger:contains('CPF 123.456.789-00 inválido'):contains('Corrija o cliente e reprocesse a fatura.')",
        },
        {
            content: "No English left in the banner, the field named as the clerk's form calls it",
            trigger:
                ".alert-danger:not(:contains('Fix the customer')):not(:contains('Identification Number'))",
        },
        ...openCogMenuItem("Retirar do fluxo do ERP"),
        {
            content: "The dialog says how to bring the invoice back",
            trigger: ".modal p:contains('Devolver ao fluxo do ERP')",
        },
        {
            content: "Give the reason",
            trigger: ".modal div[name='reason'] textarea",
            run: "edit Faturada à mão no ERP",
        },
        {
            content: "Exclude",
            trigger: ".modal button[name='action_exclude']",
            run: "click",
        },
        {
            content: "Excluded, although the clerk has no e-mail address",
            trigger: ".o_notification:contains('1 fatura(s) retirada(s) do fluxo do ERP.')",
        },
        {
            content: "The banner says how to bring it back, not that it is never sent",
            trigger: ".alert-info:contains('Devolver ao fluxo do ERP'):not(:contains('nunca'))",
        },
        {
            content: "The reason is in the chatter",
            trigger: ".o-mail-Message:contains('Faturada à mão no ERP')",
        },
        ...openCogMenuItem("Devolver ao fluxo do ERP"),
        {
            content: "Included again and queued",
            trigger: ".o_notification:contains('1 fatura(s) de volta ao fluxo do ERP e na fila.')",
        },
        {
            content: "The form reloaded: no error banner any more",
            trigger: ".o_form_view:not(:has(.alert-danger))",
        },
    ],
});

registry.category("web_tour.tours").add("tecpet_erp_sync_send_older", {
    steps: () => [
        {
            content: "The older invoices are outside the flow",
            trigger: "tr.o_data_row:contains('Maria da Silva') .o_service_order_none",
        },
        {
            content: "Open Reporting",
            trigger: ".o_main_navbar .o_menu_sections button:contains('Reporting')",
            run: "click",
        },
        {
            content: "Send Older Invoices to ERP",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Send Older Invoices to ERP')",
            run: "click",
        },
        {
            content: "From the start of their year",
            trigger: ".modal div[name='date_from'] input",
            run: "edit 01/01/2025",
        },
        {
            content: "Leave the date field",
            trigger: ".modal div[name='invoice_count']",
            run: "click",
        },
        {
            content: "The preview lists the ready invoice",
            trigger: ".modal .o_erp_send_preview tr:contains('Maria da Silva'):contains('Ready')",
        },
        {
            content: "and the one the checks refuse, with the reason",
            trigger:
                ".modal .o_erp_send_preview tr:contains('João Sem Documento'):contains('123.456.789-00')",
        },
        {
            content: "Send them",
            trigger: ".modal button[name='action_send']",
            run: "click",
        },
        {
            content: "Sent, and told which will go to Error",
            trigger: ".o_notification:contains('2 invoice(s) queued'):contains('1 of them fail the checks')",
        },
        {
            content: "The list behind the dialog shows them in the flow at once",
            trigger:
                "body:not(:has(.modal)) tr.o_data_row:contains('Maria da Silva') .badge:contains('Processing')",
        },
    ],
});

registry.category("web_tour.tours").add("tecpet_erp_sync_list_columns", {
    steps: () => [
        {
            content: "The list with its records",
            trigger: ".o_list_view .o_data_row",
        },
        noTruncatedTitles(".o_list_view"),
        {
            content: "Badges read in full, an error reads in lines (not a word per line)",
            trigger: ".o_list_view .o_data_row",
            run() {
                const cut = [...document.querySelectorAll(".o_list_view td .badge")]
                    .filter((badge) => badge.scrollWidth > badge.clientWidth + 1)
                    .map((badge) => badge.textContent.trim());
                const narrow = [...document.querySelectorAll(".o_list_view td[name='error_text']")].filter(
                    (cell) => cell.textContent.trim() && cell.clientWidth < 250
                );
                if (cut.length || narrow.length) {
                    throw new Error(
                        `Cut badges: ${cut.join(", ")}; ${narrow.length} error cell(s) too narrow`
                    );
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("tecpet_erp_sync_erp_tab_columns", {
    steps: () => [
        {
            content: "Open the ERP tab",
            trigger: "a.nav-link:contains('ERP')",
            run: "click",
        },
        {
            content: "The document with its long error",
            trigger: "div[name='erp_document_ids'] .o_data_row:contains('123.456.789-00')",
        },
        noTruncatedTitles("div[name='erp_document_ids']"),
    ],
});

registry.category("web_tour.tours").add("tecpet_erp_sync_overview_never_ran", {
    steps: () => [
        {
            content: "The new integration's card",
            trigger: ".o_kanban_record .o_erp_health_states",
        },
        {
            content: "No run yet: it says never, and nothing is processing",
            trigger:
                ".o_kanban_record:contains('Last send run: never'):contains('Last read-back run: never'):not(:contains('Oldest processing since'))",
        },
    ],
});
