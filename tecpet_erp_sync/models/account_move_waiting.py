# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""What holds an invoice's ERP documents back: a push worker sending them right now (Reprocess
waits for it, PRODUCT 2.12), or the cancellation of a previous document (the new one waits)."""

from odoo import fields, models

from ..erp import lifecycle


class AccountMove(models.Model):
    _inherit = "account.move"

    erp_busy = fields.Boolean(
        string="Being Sent to the ERP",
        compute="_compute_erp_busy",
        help="A push worker is working on this invoice's ERP documents right now: Reprocess waits "
        "until it is done.",
    )

    def _compute_erp_busy(self):
        busy = self.sudo().erp_document_ids._erp_claimed().move_id
        for move in self:
            move.erp_busy = move in busy

    def _erp_held_message(self):
        """Why a new document of this invoice is not sent yet: the previous one's cancellation is
        queued or failed (``lifecycle.holds_replacement``), in the ERP's words when it failed."""
        self.ensure_one()
        docs = self.sudo().erp_document_ids
        waiting = docs.filtered(lambda d: d.pending_action == lifecycle.HELD_PENDING.value)
        holding = docs.filtered(
            lambda d: lifecycle.holds_replacement(d._erp_view()) and d.doc_type in waiting.mapped("doc_type")
        )
        if not holding:
            return ""
        failed = holding.filtered(lambda d: d.state == "error")
        if failed:
            return self.env._(
                "The new ERP document of this invoice waits until the ERP cancels the previous one, "
                "which failed: %(reason)s Reprocess the invoice to try the cancellation again once "
                "that is fixed.",
                reason=failed[0].error_text or "",
            )
        return self.env._(
            "The new ERP document of this invoice is sent once the ERP has cancelled the previous one."
        )
