# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""When to send (issue 22 point 4): per integration, on posting (the default) or on payment.

With "on payment", a posted invoice stays outside the ERP flow ("—") while unpaid, and enters it
when Odoo says it is paid: ``payment_state`` *paid* or *in payment* (registered, the bank match
still to come; Odoo Community goes straight to *paid*). The entry happens in Odoo's own hook for
that moment (``_invoice_paid_hook``, run when a payment is reconciled with the invoice), as a
posting would do it: documents queued, the push job woken, no network call in the user's
transaction.
"""

from odoo import fields, models

from ..erp import lifecycle

PAID_STATES = ("paid", "in_payment")


class TecpetErpIntegration(models.Model):
    _inherit = "tecpet.erp.integration"

    send_trigger = fields.Selection(
        [("post", "When the invoice is posted"), ("payment", "When the invoice is paid")],
        string="Send to the ERP",
        default="post",
        required=True,
        tracking=True,
        help="When the invoice is paid: a posted invoice stays outside the ERP until a payment "
        "covers it (paid, or in payment), then goes as a posting would send it.",
    )


class AccountMove(models.Model):
    _inherit = "account.move"

    def _erp_waits_for_payment(self, integration):
        """The integration sends on payment and this invoice is not paid yet."""
        self.ensure_one()
        return integration.send_trigger == "payment" and self.payment_state not in PAID_STATES

    def _invoice_paid_hook(self):
        result = super()._invoice_paid_hook()
        self._erp_enter_on_payment()
        return result

    def _erp_enter_on_payment(self):
        """Paid invoices of integrations that send on payment enter the flow, as at posting."""
        by_company = self._erp_integrations_by_company()
        waiting = self.filtered(
            lambda m: m.move_type == "out_invoice"
            and by_company.get(m.company_id.id, self.env["tecpet.erp.integration"]).send_trigger == "payment"
        )
        waiting._erp_queue_documents(lifecycle.on_paid)
