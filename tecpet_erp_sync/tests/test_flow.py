# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The invoice flow end to end: Odoo on a real database, the ERP over loopback HTTP (sandbox)."""

from unittest.mock import patch

import requests

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from .common import ErpSyncCommon


def live_docs(sandbox, provider="vhsys"):
    return [d for d in sandbox.control("state", {})[provider]["documents"] if d.get("status") != "trash"]


@tagged("post_install", "-at_install")
class TestInvoiceFlow(CronMixinCase, ErpSyncCommon):
    def test_posting_queues_without_any_http_call(self):
        """Posting is instant: documents in processing, no request leaves Odoo, the job is triggered."""
        no_http = patch.object(requests.Session, "send", side_effect=AssertionError("HTTP on post"))
        with no_http, self.capture_triggers("tecpet_erp_sync.ir_cron_push_documents") as capture:
            move = self._invoice()
        self.assertServiceOrderState(move, "processing")
        self.assertEqual(move.erp_document_ids.mapped("doc_type"), ["service_order"])
        self.assertTrue(capture.records, "posting must wake the push job")
        self.assertEqual(self.sandbox.requests_log(), [])

    def test_service_invoice_goes_processing_open_fulfilled_awaiting_issued(self):
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        self.assertServiceOrderState(move, "open")
        self.assertTrue(doc.external_id)
        self.assertEqual(len([d for d in live_docs(self.sandbox) if d["marker"] == doc.marker]), 1)

        self._erp_act(doc, "pay")
        self._run_refresh()
        self.assertServiceOrderState(move, "fulfilled")

        self._erp_act(doc, "ready")
        self._run_refresh()
        self.assertServiceOrderState(move, "awaiting_issue")

        self._erp_act(doc, "issue")
        self._run_refresh()
        self.assertServiceOrderState(move, "issued")

    def test_goods_and_mixed_invoices(self):
        goods = self._invoice(lines=[(self.goods, 2, 150.0)])
        mixed = self._invoice(
            partner=self.company_customer, lines=[(self.service, 1, 80.0), (self.goods, 1, 150.0)]
        )
        self.assertEqual(goods.erp_document_ids.mapped("doc_type"), ["sales_order"])
        self.assertEqual(sorted(mixed.erp_document_ids.mapped("doc_type")), ["sales_order", "service_order"])
        self._run_push()
        self.assertServiceOrderState(goods, "open")
        self.assertServiceOrderState(mixed, "open")
        state = self.sandbox.control("state", {})["vhsys"]
        pv = [d for d in state["documents"] if d["doc_type"] == "sales_order"]
        self.assertEqual(len(pv), 2)
        # Each sales order posted exactly one stock exit for its goods.
        exits = [m for m in state["stock_moves"] if str(m.get("tipo_estoque", "")).lower().startswith("sa")]
        self.assertEqual(len(exits), 2)

    def test_invalid_customer_errors_without_any_call_then_fix_and_reprocess(self):
        move = self._invoice(partner=self.bad_customer)
        self._run_push()
        self.assertServiceOrderState(move, "error")
        doc = move.erp_document_ids
        self.assertEqual(doc.error_kind, "data")
        self.assertIn("123.456.789-00", doc.error_message)
        self.assertTrue(doc.error_message.endswith("Fix the customer and Reprocess the invoice."))
        self.assertEqual(self.sandbox.requests_log(), [], "an invalid customer must not reach the ERP")
        self.assertEqual(len(move.message_ids.filtered(lambda m: "failed" in (m.body or ""))), 1)

        # Nothing changed: Reprocess still fails validation and says so, still without any call.
        action = move.action_erp_reprocess()
        self.assertIn("still fail validation", action["params"]["message"])
        self.assertServiceOrderState(move, "error")

        self.bad_customer.vat = "390.533.447-05"
        action = move.action_erp_reprocess()
        self.assertIn("1 invoice(s) queued", action["params"]["message"])
        self.assertServiceOrderState(move, "processing")
        self._run_push()
        self.assertServiceOrderState(move, "open")
        self.assertEqual(len([d for d in live_docs(self.sandbox) if d["marker"] == doc.marker]), 1)

    def test_invalid_invoice_asks_to_correct_the_invoice_not_to_reprocess(self):
        # A discount on goods of an invoice without goods (its total stays positive): the deduction
        # has no line to lower, and Reprocess would send the same invoice again.
        move = self._invoice(lines=[(self.service, 2, 80.0), (self.goods, -1, 10.0)])
        self._run_push()
        doc = move.erp_document_ids
        self.assertEqual((doc.state, doc.error_kind), ("error", "data"))
        self.assertIn("takes 10.00 off goods", doc.error_message)
        self.assertTrue(
            doc.error_message.endswith("Reset the invoice to draft, correct it and confirm it again.")
        )
        self.assertEqual(self.sandbox.requests_log(), [])

    def test_excluded_journal_and_non_customer_moves_stay_outside(self):
        other_journal = self.company_data["default_journal_sale"].copy({"name": "Other sales", "code": "OTH"})
        self.integration.journal_ids = other_journal
        move = self._invoice()
        self.assertFalse(move.service_order_state)
        self.integration.journal_ids = False
        refund = move._reverse_moves()
        refund.action_post()
        self.assertFalse(refund.service_order_state)

    def test_company_without_integration_stays_outside(self):
        self.integration.active = False
        move = self._invoice()
        self.assertFalse(move.service_order_state)
        self.assertFalse(move.erp_document_ids)

    def test_reset_to_draft_pushes_the_cancellation(self):
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        move.button_draft()
        self.assertServiceOrderState(move, "processing")
        self.assertEqual(doc.pending_action, "cancel")
        self._run_push()
        self.assertServiceOrderState(move, "canceled")
        remote = [d for d in live_docs(self.sandbox) if d["marker"] == doc.marker]
        self.assertEqual(remote[0]["status"], "Cancelado")

    def test_cancel_before_sending_needs_no_call(self):
        move = self._invoice()
        move.button_draft()
        self.assertServiceOrderState(move, "canceled")
        self._run_push()
        self.assertEqual(self.sandbox.requests_log(), [])

    def test_issued_note_is_never_cancelled_silently(self):
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        for action in ("pay", "ready", "issue"):
            self.sandbox.control(
                action, {"provider": "vhsys", "doc_type": doc.doc_type, "id": doc.external_id}
            )
        self._run_refresh()
        self.assertServiceOrderState(move, "issued")
        with self.assertRaisesRegex(UserError, "Cancel the note in the ERP"):
            move.button_draft()

    def test_document_cancelled_in_the_erp_is_read_back(self):
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        self._erp_act(doc, "cancel")
        self._run_refresh()
        self.assertServiceOrderState(move, "canceled")

    def test_note_the_erp_api_cannot_issue_is_left_to_erp_users(self):
        # VHSYS's API cannot issue a sales order's NF-e: no retries, no error, a word on the
        # invoice, and the note issued in VHSYS is read back.
        move, doc = self._paid_with_note_to_issue(lines=[(self.goods, 1, 50.0)])
        self._run_push()
        self.assertEqual((doc.state, doc.pending_action, doc.error_kind), ("fulfilled", False, False))
        self.assertTrue(move.message_ids.filtered(lambda m: "Gerar NF-e" in (m.body or "")))
        self._erp_act(doc, "issue")
        self._run_refresh()
        self.assertServiceOrderState(move, "issued")

    def test_issue_notes_option_asks_the_erp_to_issue(self):
        move, doc = self._paid_with_note_to_issue()
        self._run_push()
        self.assertServiceOrderState(move, "issued")
        self.assertTrue(doc.note_number)
