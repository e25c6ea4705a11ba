# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import dataclasses
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..erp import lifecycle, mapping
from ..erp.contract import DocType
from ..erp.errors import InvoiceError
from ..erp.formatting import customer_from_raw
from ..erp.states import aggregate_invoice_state
from ..erp.validation import shown_name
from .account_move_ux import BACKFILL
from .erp_texts import Texts
from .tecpet_erp_document import DOCUMENT_STATES


class AccountMove(models.Model):
    _inherit = "account.move"

    erp_document_ids = fields.One2many(
        "tecpet.erp.document", "move_id", string="ERP Documents", domain=[("active", "=", True)], copy=False
    )
    service_order_state = fields.Selection(
        DOCUMENT_STATES,
        string="Service Order",
        compute="_compute_service_order_state",
        store=True,
        index=True,
        copy=False,
        help="Where the invoice stands in the ERP. Empty when the invoice is outside the ERP flow.",
        group_expand="_group_expand_service_order_state",
    )
    erp_error_message = fields.Text(string="ERP Error", compute="_compute_erp_error_message")

    @api.depends("erp_document_ids.state", "erp_document_ids.active")
    def _compute_service_order_state(self):
        for move in self:
            move.service_order_state = aggregate_invoice_state(move.erp_document_ids.mapped("state")) or False

    @api.depends("erp_document_ids.error_text", "erp_document_ids.pending_action")
    @api.depends_context("lang")
    def _compute_erp_error_message(self):
        for move in self:
            # The OS and the PV of one customer usually fail alike: say it once (in the reader's language).
            messages = dict.fromkeys(m for m in move.erp_document_ids.mapped("error_text") if m)
            held = move._erp_held_message()
            move.erp_error_message = "\n".join([*messages, *([held] if held else [])])

    # ------------------------------------------------------------------------------------------
    # Entering the flow: no network call here, the push job does the sending.
    # ------------------------------------------------------------------------------------------
    def _erp_integrations_by_company(self):
        """The active integration of each company of these invoices, found with one query."""
        integrations = (
            self.env["tecpet.erp.integration"]
            .sudo()
            .search([("company_id", "in", self.company_id.ids), ("active", "=", True)])
        )
        return {integration.company_id.id: integration for integration in integrations}

    def _erp_integration(self, by_company):
        """The active integration this invoice goes to, or an empty recordset."""
        self.ensure_one()
        integration = by_company.get(self.company_id.id, self.env["tecpet.erp.integration"])
        if self.move_type != "out_invoice" or self.state != "posted":
            return self.env["tecpet.erp.integration"]
        if self.currency_id.is_zero(self.amount_total):
            return self.env["tecpet.erp.integration"]  # free or warranty work: nothing to bill in the ERP
        if integration.journal_ids and self.journal_id not in integration.journal_ids:
            return self.env["tecpet.erp.integration"]
        return integration if self._erp_sending_allowed(integration) else self.env["tecpet.erp.integration"]

    def _erp_document_types(self):
        """Service lines (and lines without product) make an OS, goods lines a PV, delivery lines the
        PV's freight; a kind worth nothing once its discounts are taken makes no document of its
        own; core l10n_br's NFS-e or NFC-e document type keeps every line on one (erp/mapping.py)."""
        self.ensure_one()
        lines = self._erp_invoice_lines()
        return [doc_type.value for doc_type in mapping.document_types(lines, self._erp_document_type_code())]

    def _erp_create_documents(self):
        """Queue the ERP documents of freshly posted invoices and wake the push job.

        On a re-posting, each document still attached decides by ``lifecycle.on_post`` whether it
        still stands for the invoice; a new document is queued for every type that has none.
        """
        return self._erp_queue_documents(lifecycle.on_post)

    def _erp_queue_documents(self, transition):
        """Apply ``transition`` (``lifecycle.on_post`` or ``on_reversal_undone``) to the invoices'
        documents and queue a new one for every type left without one; return the invoices queued."""
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        if not invoices:
            return invoices  # vendor bills, entries, refunds: no query at all
        vals_list = []
        by_company = invoices._erp_integrations_by_company()
        in_flow = invoices.sudo().with_context(active_test=False).erp_document_ids.move_id
        live_claims = set(self.env["tecpet.erp.document"]._erp_live_claims()) if in_flow else set()
        queued = self.browse()
        for move in invoices:
            # Already in the flow: it stays there whatever the start date (Send to ERP brought it in).
            policy = move.with_context(**{BACKFILL: True}) if move in in_flow else move
            integration = policy._erp_integration(by_company)
            if not integration:
                continue
            queued |= move
            standing = set()
            for doc in move.sudo().erp_document_ids:
                change = transition(doc._erp_view(live_claims))
                doc._erp_apply(change)
                if not change.replaced:
                    standing.add(doc.doc_type)
            vals_list += [
                {"move_id": move.id, "integration_id": integration.id, "doc_type": doc_type}
                for doc_type in move._erp_document_types()
                if doc_type not in standing
            ]
        if vals_list:
            self.env["tecpet.erp.document"].sudo().create(vals_list)
            self.env.ref("tecpet_erp_sync.ir_cron_push_documents")._trigger()
        return queued

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._erp_create_documents()
        posted._erp_apply_reversals()
        return posted

    def _erp_request_cancellation(self):
        """Reset to draft / cancel: refuse when a note is issued, else queue the ERP cancellation."""
        # As sudo: the user may change entries without reading ERP documents (a purchase user's bill).
        docs = self.sudo().erp_document_ids
        live_claims = set(docs._erp_live_claims()) if docs else set()
        changes = {doc: lifecycle.on_reset(doc._erp_view(live_claims)) for doc in docs}
        refused = docs.filtered(lambda d: isinstance(changes[d], lifecycle.Refusal))
        if refused:
            refused.filtered(lambda d: changes[d].recheck)._erp_recheck_now()
            raise UserError(
                self.env._(  # pylint: disable=translation-not-lazy
                    changes[refused[0]].message, invoices=", ".join(refused.move_id.mapped("name"))
                )
            )
        for doc, change in changes.items():
            doc._erp_apply(change)

    def button_draft(self):
        self._erp_request_cancellation()
        self._erp_undo_reversals()
        return super().button_draft()

    def button_cancel(self):
        self._erp_request_cancellation()
        self._erp_undo_reversals()
        return super().button_cancel()

    @api.ondelete(at_uninstall=False)
    def _erp_unlink_except_live_documents(self):
        """Deleting an invoice would leave its ERP order live with nothing in Odoo pointing to it."""
        docs = self.sudo().with_context(active_test=False).erp_document_ids
        live = docs.filtered(lambda d: not lifecycle.can_delete(d._erp_view()))
        if live:
            raise UserError(
                self.env._(  # pylint: disable=translation-not-lazy
                    lifecycle.DELETE_REFUSAL, invoices=", ".join(live.move_id.mapped("name"))
                )
            )

    # ------------------------------------------------------------------------------------------
    # What the ERP receives: plain data built here, decided in erp/mapping.py.
    # ------------------------------------------------------------------------------------------
    def _erp_invoice_lines(self):
        self.ensure_one()
        carriers = (
            self.env["delivery.carrier"].sudo().search([("product_id", "!=", False)])
            if "delivery.carrier" in self.env
            else []
        )
        carrier_products = carriers.product_id if carriers else self.env["product.product"]
        return [
            plain
            for line in self.invoice_line_ids.filtered(lambda ln: ln.display_type == "product")
            for plain in line._erp_plain_lines(carrier_products)
        ]

    def _erp_check_before_send(self, doc, lines=None, raw_customer=None):
        """Why the document cannot be sent, as one translated message that names each field and
        ends with the fix; empty when it can be sent. No call is made.

        ``lines``, ``raw_customer``: the invoice's ``_erp_invoice_lines()`` and its customer's
        ``_erp_raw_customer()`` when the caller already has them.
        """
        self.ensure_one()
        lines = self._erp_invoice_lines() if lines is None else lines
        texts = Texts(self.env)  # stored in the document's error, shown in its reader's language
        checked = mapping.check_invoice(
            self.currency_id.name, lines, Decimal(str(self.amount_total)), self._erp_document_type_code()
        )
        invoice_problems = [texts._(p.message, **p.params) for p in checked]
        customer_problems = []
        if not self.partner_id:
            invoice_problems.append(texts._("The invoice has no customer."))
        else:
            provider = doc.integration_id.provider
            customer_problems = self.partner_id._erp_validation_problems(provider, raw_customer)
        if customer_problems:
            customer = self.partner_id.commercial_partner_id
            # The name may be the problem (too long, invisible characters): quote it shortened.
            name = shown_name(customer.display_name or "") or f"#{customer.id}"
            customer_problems.insert(0, texts._("Customer %(name)s:", name=name))
        if invoice_problems:
            # Reprocess sends the posted invoice as it is: only a corrected invoice can go.
            fix = texts._("Reset the invoice to draft, correct it and confirm it again.")
        elif customer_problems:
            fix = texts._("Fix the customer and Reprocess the invoice.")
        else:
            return ""
        return texts.join("\n", [*invoice_problems, *customer_problems, fix])

    def _erp_order_request(self, doc, lines=None, raw_customer=None):
        self.ensure_one()
        lines = self._erp_invoice_lines() if lines is None else lines
        integration = doc.integration_id
        amount_total = Decimal(str(self.amount_total))
        code = self._erp_document_type_code()
        order = mapping.build_order(
            doc_type=DocType(doc.doc_type),
            marker=doc.marker,
            reference=self.name,
            customer=customer_from_raw(raw_customer or self.partner_id._erp_raw_customer()),
            lines=lines,
            receivables=self._erp_receivables(integration),
            issue_date=self.invoice_date or fields.Date.context_today(self),
            payment_method=integration.default_payment_method or "",
            notes=self.env._("Odoo invoice %(name)s", name=self.name),
            amount_total=amount_total,
            document_type_code=code,
            default_service_code=integration.default_service_code or "",
        )
        live = {
            DocType(d.doc_type) for d in self.erp_document_ids if lifecycle.stands_for_invoice(d._erp_view())
        } | {order.doc_type}
        # The ERP would not be worth the invoice: refuse before any call.
        problems = mapping.check_documents(lines, amount_total, live, code) + mapping.check_order(order)
        if problems:
            # Rendered now and again in each reader's language (the document keeps the source).
            texts = Texts(self.env)
            raise InvoiceError(
                "%(problems)s", problems=texts.join("\n", [texts._(p.message, **p.params) for p in problems])
            )
        binding = self.env["tecpet.erp.partner.binding"]._erp_binding_of(self.partner_id, doc.integration_id)
        # Nothing of this document reached the ERP before it was created: searches start there.
        return dataclasses.replace(order, customer_binding=binding, created_at=doc.create_date)
