# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""Credit notes and the ERP: a full reversal cancels the invoice's ERP documents, a partial one is
only reported; a full credit note reset, cancelled or deleted brings them back."""

from odoo import api, models

from ..erp import lifecycle


class AccountMove(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------------------------------------
    # Credit notes: a full reversal cancels the ERP documents, a partial one is only reported.
    # ------------------------------------------------------------------------------------------
    def _erp_apply_reversals(self):
        refunds = self.filtered(lambda m: m.move_type == "out_refund" and m.reversed_entry_id)
        for original in refunds.reversed_entry_id:
            docs = original.sudo().erp_document_ids
            if not docs:
                continue
            if original._erp_fully_reversed():
                for doc in docs:
                    doc._erp_apply(lifecycle.on_full_reversal(doc._erp_view()))
            else:
                credited = sum((refunds & original.reversal_move_ids).mapped("amount_total"))
                original.message_post(
                    body=self.env._(
                        "A credit note of %(amount)s was posted for this invoice: its ERP documents "
                        "are not changed. Adjust them in the ERP if needed.",
                        amount=original.currency_id.format(credited),
                    )
                )

    def _erp_fully_reversed(self):
        """Whether posted credit notes reverse the whole invoice (its ERP documents are cancelled)."""
        self.ensure_one()
        reversed_total = sum(
            self.reversal_move_ids.filtered(lambda r: r.state == "posted").mapped("amount_total")
        )
        return self.currency_id.compare_amounts(reversed_total, self.amount_total) >= 0

    def _erp_stands(self):
        """Whether the invoice is posted and not reversed: its ERP documents stand for it."""
        self.ensure_one()
        return self.state == "posted" and not self._erp_fully_reversed()

    def _erp_undo_reversals(self):
        """These credit notes leave the posted state (reset, cancel, delete): an invoice that one
        of them fully reversed, and that the others no longer do, stands again. Its documents come
        back (``lifecycle.on_reversal_undone``); where that is impossible (no active integration,
        excluded) a chatter line and an activity name the fix."""
        leaving = self.filtered(lambda m: m.move_type == "out_refund" and m.state == "posted")
        for original in leaving.reversed_entry_id.filtered(lambda o: o.state == "posted"):
            if not original.sudo().erp_document_ids:
                continue
            posted = original.reversal_move_ids.filtered(lambda r: r.state == "posted")
            currency = original.currency_id
            if currency.compare_amounts(sum(posted.mapped("amount_total")), original.amount_total) < 0:
                continue  # it was not fully reversed: its documents were not cancelled
            if (
                currency.compare_amounts(
                    sum((posted - leaving).mapped("amount_total")), original.amount_total
                )
                >= 0
            ):
                continue  # still fully reversed by another credit note
            names = ", ".join((leaving & original.reversal_move_ids).mapped("name"))
            if original._erp_queue_documents(lifecycle.on_reversal_undone):
                original.message_post(
                    body=self.env._(
                        "The credit note %(refunds)s no longer reverses this invoice: its ERP documents "
                        "are sent to the ERP again.",
                        refunds=names,
                    )
                )
                continue
            fix = self.env._(
                "The credit note %(refunds)s no longer reverses this invoice, but its ERP documents were "
                "cancelled and cannot be sent again now (no active ERP integration, or the invoice is "
                "excluded). Reset this invoice to draft and confirm it again once it can go to the ERP.",
                refunds=names,
            )
            original.message_post(body=fix)
            original.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Send the invoice to the ERP again"),
                note=fix,
                user_id=original.invoice_user_id.id or self.env.uid,
            )

    @api.ondelete(at_uninstall=False)
    def _erp_unlink_posted_credit_notes(self):
        self._erp_undo_reversals()
