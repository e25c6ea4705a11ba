/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// Issue 13 in the browser: an Error invoice fixed and reprocessed, the note block of an issued
// invoice, and the sync-health overview. The Python side (test_erp_ux_tours.py) prepares the data
// and opens each tour on its record.
import {registry} from "@web/core/registry";
import {noTruncatedTitles} from "@tecpet_erp_sync/../tests/tours/walk_tours";
import {screenshotStep} from "@tecpet_erp_sync/../tests/tours/screenshot";

registry.category("web_tour.tours").add("tecpet_erp_sync_error_fix_reprocess", {
    steps: () => [
        {
            content: "The red banner says what is wrong, naming the field and its value",
            trigger: ".alert-danger:contains('did not reach the ERP'):contains('CPF 123.456.789-00')",
        },
        {
            content: "The banner ends with the fix",
            trigger: ".alert-danger:contains('Fix the customer and Reprocess the invoice.')",
        },
        {
            content: "Open the customer",
            trigger: ".o_field_widget[name='partner_id'] a.o_form_uri",
            run: "click",
        },
        {
            content: "Correct the CPF",
            trigger: ".o_field_widget[name='vat'] input",
            run: "edit 390.533.447-05",
        },
        {
            content: "Save the customer",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Back to the invoice",
            trigger: ".o_breadcrumb li.breadcrumb-item:last-of-type a",
            run: "click",
        },
        {
            content: "Reprocess from the banner",
            trigger: ".alert-danger button[name='action_erp_reprocess']",
            run: "click",
        },
        {
            content: "Reprocess says the invoice is queued",
            trigger: ".o_notification:contains('1 invoice(s) queued for the ERP')",
        },
        {
            content: "The form updated by itself: no banner any more",
            trigger: ".o_form_view:not(:has(.alert-danger:contains('did not reach the ERP')))",
        },
        {
            content: "The ERP tab shows the document processing",
            trigger: "a.nav-link:contains('ERP')",
            run: "click",
        },
        {
            content: "Processing, blue",
            trigger: "div[name='erp_document_ids'] .badge.text-bg-info:contains('Processing')",
        },
        {
            content: "Not in the ERP yet: no Open in ERP link (it would lead nowhere)",
            trigger: "div[name='erp_document_ids'] .o_data_row",
            run() {
                if (document.querySelector("div[name='erp_document_ids'] td[name='external_url'] a")) {
                    throw new Error("A document without an ERP record shows an Open in ERP link");
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("tecpet_erp_sync_invoice_open", {
    steps: () => [
        {
            content: "Open the ERP tab",
            trigger: "a.nav-link:contains('ERP')",
            run: "click",
        },
        {
            content: "The job sent it: the document is Open in the ERP",
            trigger: "div[name='erp_document_ids'] .badge:contains('Open')",
        },
        {
            content: "with a working link to the ERP record",
            trigger: "div[name='erp_document_ids'] a[href*='#vhsys-service_order-']:contains('Open in ERP')",
        },
        {
            content: "Open the document",
            trigger: "div[name='erp_document_ids'] .o_data_row td[name='doc_type']",
            run: "click",
        },
        {
            content: "Its tries, for an invoicing manager: the send with the ERP's HTTP status",
            trigger:
                ".modal div[name='attempt_ids'] .o_data_row:contains('Done') td[name='http_status']:contains('200')",
        },
        {
            content: "The try the checks stopped made no call: no HTTP status, not a 0",
            trigger:
                ".modal div[name='attempt_ids'] .o_data_row:contains('Stopped by the checks') td[name='http_status']:not(:contains('0'))",
        },
        noTruncatedTitles(".modal div[name='attempt_ids']"),
        {
            content: "An Open document shows no empty error, tries or next-attempt rows",
            trigger:
                ".modal .o_form_view:not(:has(div[name='error_text'])):not(:has(div[name='attempts'])):not(:has(div[name='next_attempt_at']))",
        },
    ],
});

const note = "div[name='erp_note_block']";

registry.category("web_tour.tours").add("tecpet_erp_sync_note_block", {
    steps: () => [
        {
            content: "An issued invoice shows its fiscal note",
            trigger: `${note}:contains('Fiscal note')`,
        },
        {
            content: "number and series",
            trigger: `${note} td[name='note_number']:contains('000123')`,
        },
        {
            content: "access key",
            trigger: `${note} td[name='note_key']:contains('35261211222333000181550010000001231000001234')`,
        },
        {
            content: "issue date",
            trigger: `${note} td[name='note_issued_on']:contains('12/01/2026')`,
        },
        {
            content: "the PDF link",
            trigger: `${note} a[href='https://www.bling.com.br/doc.view.php?id=abc']:contains('PDF')`,
        },
        {
            content: "and the ERP record",
            trigger: `${note} a[href*='#vhsys-sales_order-']:contains('Open in ERP')`,
        },
        {
            content: "No XML link where the ERP gives none (no dead link)",
            trigger: `${note} td[name='note_issued_on']:contains('12/01/2026')`,
            run() {
                if (document.querySelector(`${note} td[name='note_xml_url'] a`)) {
                    throw new Error("The XML cell shows a link without an address");
                }
            },
        },
        screenshotStep("invoice_fiscal_note"),
        {
            content: "Issued is a bold green badge on the ERP tab",
            trigger: "a.nav-link:contains('ERP')",
            run: "click",
        },
        {
            content: "bold",
            trigger: "div[name='erp_document_ids'] .badge.text-bg-success.fw-bolder:contains('Issued')",
        },
        noTruncatedTitles("div[name='erp_document_ids']"),
    ],
});

registry.category("web_tour.tours").add("tecpet_erp_sync_overview", {
    steps: () => [
        {
            content: "One card per integration, its health in a badge",
            trigger: ".o_kanban_record:contains('VHSYS (matriz)') .badge:contains('OK')",
        },
        {
            content: "The counts per state",
            trigger: ".o_kanban_record:contains('VHSYS (matriz)') tr:contains('Open') a:contains('2')",
        },
        {
            content: "Errors by kind, the last send run and the requests of the day",
            trigger: ".o_kanban_record:contains('Requests today'):contains('Last send run')",
        },
        screenshotStep("sync_overview"),
        {
            content: "Open the data errors",
            trigger: ".o_kanban_record:contains('VHSYS (matriz)') a:contains('data')",
            run: "click",
        },
        {
            content: "They are listed with their message",
            trigger: ".o_list_view .o_data_row:contains('123.456.789-00')",
        },
    ],
});
