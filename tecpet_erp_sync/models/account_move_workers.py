# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""Users acting on invoices while push workers send them: an action locks what it will change
before changing it, so that a worker's commit it runs into is met by a statement that expects it.

Odoo runs each request in a REPEATABLE READ transaction: a row that a push worker (or the
read-back) committed after the request began cannot be updated by it. Met in the ORM's flush, in
the middle of the action's writes, PostgreSQL's refusal is logged as a bad query ("could not
serialize access") before Odoo runs the request again. Met here, at the action's first statement
on these rows, it is quiet and Odoo runs the request again all the same; once these rows are
locked, a worker's commit waits for the action and then gives its document back (``erp/claim.py``).
The locks are taken in the order the worker's commit takes them: documents, then the invoice.
"""

from odoo import api, models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _erp_lock_for_action(self):
        """Lock the ERP documents of these invoices (and of the invoices these credit notes
        reverse), then those invoices, until the end of the transaction."""
        invoices = (
            self.filtered(lambda m: m.move_type == "out_invoice")
            | self.filtered(lambda m: m.move_type == "out_refund").reversed_entry_id
        )
        if not invoices.ids:
            return
        docs = (
            self.env["tecpet.erp.document"]
            .sudo()
            .with_context(active_test=False)
            .search([("move_id", "in", invoices.ids)])
        )
        docs._erp_lock_quietly(docs.move_id)

    def _post(self, soft=True):
        self._erp_lock_for_action()
        return super()._post(soft=soft)

    def _reverse_moves(self, default_values_list=None, cancel=False):
        self._erp_lock_for_action()  # a credit note (Reverse) writes the invoice it reverses
        return super()._reverse_moves(default_values_list=default_values_list, cancel=cancel)

    def button_draft(self):
        self._erp_lock_for_action()
        return super().button_draft()

    def button_cancel(self):
        self._erp_lock_for_action()
        return super().button_cancel()

    def action_erp_reprocess(self):
        self._erp_lock_for_action()
        return super().action_erp_reprocess()

    @api.ondelete(at_uninstall=False)
    def _erp_lock_before_unlink(self):
        self._erp_lock_for_action()
