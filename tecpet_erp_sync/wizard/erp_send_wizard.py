# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.account_move_ux import BACKFILL


class TecpetErpSendWizard(models.TransientModel):
    """Bring older posted invoices into the ERP flow: a date range, a count, then the queue.

    The push job works through them at the provider's pace and reports its progress.
    """

    _name = "tecpet.erp.send.wizard"
    _description = "Send older invoices to the ERP"

    integration_id = fields.Many2one(
        "tecpet.erp.integration",
        required=True,
        domain="[('company_id', 'in', allowed_company_ids)]",
        default=lambda self: self.env["tecpet.erp.integration"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
    )
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    invoice_count = fields.Integer(string="Invoices to send", compute="_compute_invoice_count")
    skipped_count = fields.Integer(
        string="Left out by the policy",
        compute="_compute_invoice_count",
        help="Invoices of the range that stay outside: excluded, opted-out customer, journal not sent.",
    )

    @api.depends("integration_id", "date_from", "date_to")
    def _compute_invoice_count(self):
        for wizard in self:
            candidates = wizard._candidates()
            wizard.invoice_count = len(wizard._sendable(candidates))
            wizard.skipped_count = len(candidates) - wizard.invoice_count

    def _candidates(self):
        """Posted customer invoices of the range, company and integration, outside the flow."""
        self.ensure_one()
        if not (self.integration_id and self.date_from and self.date_to):
            return self.env["account.move"]
        return self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("company_id", "=", self.integration_id.company_id.id),
                ("invoice_date", ">=", self.date_from),
                ("invoice_date", "<=", self.date_to),
                ("service_order_state", "=", False),
            ]
        )

    def _sendable(self, moves):
        """Those the sending policy lets go, the start date aside: the same check as at posting."""
        moves = moves.with_context(**{BACKFILL: True})
        by_company = moves._erp_integrations_by_company()
        return moves.filtered(lambda m: m._erp_integration(by_company) == self.integration_id)

    def action_send(self):
        self.ensure_one()
        if not self.integration_id.active:
            raise UserError(
                self.env._("The integration %(name)s is archived.", name=self.integration_id.name)
            )
        if self.date_from > self.date_to:
            raise UserError(self.env._("The start of the range (From) is after its end (To)."))
        moves = self._sendable(self._candidates())
        moves._erp_create_documents()
        message = self.env._(
            "%(count)s invoice(s) queued for the ERP; the send job works through them.",
            count=len(moves),
        )
        return moves._erp_notify(self.env._("Send to ERP"), message, warning=not moves)
