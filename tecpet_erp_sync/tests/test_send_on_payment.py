# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""When to send (issue 22 point 4): an integration that sends on payment keeps a posted unpaid
invoice out of the ERP ("—"); registering its payment (the payment wizard) brings it in, with no
network call in the user's transaction."""

from odoo import fields
from odoo.tests import tagged

from .common import ErpSyncCommon


@tagged("post_install", "-at_install")
class TestSendOnPayment(ErpSyncCommon):
    def setUp(self):
        super().setUp()
        self.integration.send_trigger = "payment"

    def _pay(self, move, amount=None):
        values = {"payment_date": fields.Date.today()}
        if amount is not None:
            values["amount"] = amount
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create(values)._create_payments()

    def _push_cron_triggered(self):
        cron = self.env.ref("tecpet_erp_sync.ir_cron_push_documents")
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

    def test_default_is_on_posting(self):
        integration = self.env["tecpet.erp.integration"].new({"name": "x"})
        self.assertEqual(integration.send_trigger, "post")

    def test_unpaid_stays_out_and_the_payment_brings_it_in(self):
        move = self._invoice()
        self.assertFalse(move.erp_document_ids)
        self.assertFalse(move.service_order_state, "outside the flow: —")
        self._run_push()
        self.assertFalse(move.erp_document_ids)
        self.assertEqual(self.sandbox.requests_log(), [], "nothing sent")

        triggers = self._push_cron_triggered()
        self._pay(move)
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertServiceOrderState(move, "processing")
        self.assertEqual(move.erp_document_ids.pending_action, "push")
        self.assertGreater(self._push_cron_triggered(), triggers, "the push job is woken")
        self.assertEqual(self.sandbox.requests_log(), [], "no call in the user's transaction")

        self._run_push()
        self.assertServiceOrderState(move, "open")

    def test_a_partial_payment_is_not_paid(self):
        move = self._invoice()
        self._pay(move, amount=move.amount_total / 2)
        self.assertEqual(move.payment_state, "partial")
        self.assertFalse(move.erp_document_ids)
        self._pay(move)
        self.assertTrue(move.erp_document_ids)

    def test_posting_integrations_ignore_payments(self):
        self.integration.send_trigger = "post"
        move = self._invoice()
        self._run_push()
        self.assertServiceOrderState(move, "open")
        docs = move.erp_document_ids
        self._pay(move)
        self.assertEqual(move.with_context(active_test=False).erp_document_ids, docs, "nothing new")
        self.assertServiceOrderState(move, "open")

    def test_reset_and_paid_again_replaces_the_cancelled_document(self):
        """As "posted again": a payment brings the corrected invoice in beside the cancelled order."""
        move = self._invoice()
        self._pay(move)
        self._run_push()
        old = move.erp_document_ids
        move.button_draft()  # unreconciles the payment; the ERP order is cancelled
        self._run_push()
        self.assertEqual(old.state, "canceled")
        move.action_post()
        self.assertEqual(move.erp_document_ids, old, "unpaid again: it waits")
        self._pay(move)
        new = move.erp_document_ids - old
        self.assertEqual(len(new), 1)
        self.assertFalse(old.active, "the cancelled one is archived, as on a re-posting")
        self._run_push()
        self.assertServiceOrderState(move, "open")
