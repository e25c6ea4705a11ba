# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import fields, models


class TecpetErpExcludeWizard(models.TransientModel):
    """Take invoices out of the ERP flow until included again, with a reason kept in their chatter."""

    _name = "tecpet.erp.exclude.wizard"
    _description = "Exclude invoices from the ERP"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    reason = fields.Text(
        required=True, help="Why these invoices must not go to the ERP (kept in the chatter)."
    )

    def action_exclude(self):
        """Exclude what has not reached the ERP; say which invoices already did and what to do."""
        self.ensure_one()
        moves = self.move_ids.filtered(lambda m: m.move_type == "out_invoice" and not m.erp_excluded)
        docs = moves.erp_document_ids.sudo()
        # A document the ERP has, or may have, is cancelled through the invoice, not forgotten.
        in_erp = docs.filtered(lambda d: (d.external_id or d.maybe_sent) and d.state != "canceled").move_id
        excluded = moves - in_erp
        excluded.erp_document_ids.sudo().write({"active": False})
        excluded.write({"erp_excluded": True})
        # A note in the chatter, which needs no sender e-mail address (a clerk may have none).
        body = Markup("%s<br/>%s") % (
            self.env._("Excluded from the ERP: not sent until someone includes it again."),
            self.reason,
        )
        excluded._message_log_batch(dict.fromkeys(excluded.ids, body))
        parts = [self.env._("%(count)s invoice(s) excluded from the ERP.", count=len(excluded))]
        if in_erp:
            parts.append(
                self.env._(
                    "%(count)s already in the ERP, not excluded: %(names)s. "
                    "Cancel them (or reset them to draft) to cancel their ERP documents.",
                    count=len(in_erp),
                    names=", ".join(in_erp.mapped("name")),
                )
            )
        return moves._erp_notify(self.env._("Exclude from ERP"), " ".join(parts), warning=bool(in_erp))
