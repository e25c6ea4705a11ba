# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Each sandbox fault seen through the Odoo job: the right state, and never a duplicate."""

from odoo.tests import tagged

from .common import ErpSyncCommon

FAULTS = [
    ("timeout_after_write", r"^/ordens-servico$"),
    ("timeout_after_write", r"/servicos$"),
    ("timeout_after_write", r"/parcelas$"),
    ("timeout_before_write", r"^/ordens-servico$"),
    ("server_error", r"^/ordens-servico$"),
    ("server_error_after_write", r"^/ordens-servico$"),
    ("html_error", r"^/ordens-servico$"),
    ("outage", r"^/ordens-servico$"),
    ("rate_limit", r"^/ordens-servico$"),
]


@tagged("post_install", "-at_install")
class TestFaultsThroughTheJob(ErpSyncCommon):
    def _live(self, marker):
        docs = self.sandbox.control("state", {})["vhsys"]["documents"]
        return [d for d in docs if d["marker"] == marker and d.get("live", True)]

    def _retry_now(self, doc):
        doc.sudo().next_attempt_at = False

    def test_each_fault_ends_with_exactly_one_document(self):
        for fault, path in FAULTS:
            with self.subTest(fault=fault, path=path):
                self._reset_sandbox()
                spec = {"fault": fault, "provider": "vhsys", "path": path, "delay": 0.3}
                self.sandbox.control("faults", spec)
                move = self._invoice(lines=[(self.service, 1, 80.0), (self.service, 2, 30.0)])
                doc = move.erp_document_ids
                self._run_push()
                # The fault left the invoice in flight, never in error, and queued for a retry.
                self.assertServiceOrderState(move, "processing")
                self.assertTrue(doc.error_message or fault == "rate_limit")
                self._retry_now(doc)
                self._run_push()
                self.assertServiceOrderState(move, "open")
                self.assertEqual(len(self._live(doc.marker)), 1, f"{fault}: one live document per marker")
                self.assertEqual(len(move.message_ids.filtered(lambda m: "failed" in (m.body or ""))), 0)

    def test_transient_errors_give_up_after_max_attempts_with_one_message(self):
        self.sandbox.control("faults", {"fault": "server_error", "provider": "vhsys", "count": -1})
        move = self._invoice()
        doc = move.erp_document_ids
        for _attempt in range(8):
            self._retry_now(doc)
            self._run_push()
        self.assertServiceOrderState(move, "error")
        self.assertEqual(doc.error_kind, "connection")
        self.assertIn("contact support", doc.error_message)
        self.assertEqual(len(move.message_ids.filtered(lambda m: "failed" in (m.body or ""))), 1)
        self.sandbox.faults.clear()
        move.action_erp_reprocess()
        self._run_push()
        self.assertServiceOrderState(move, "open")
        self.assertEqual(len(self._live(doc.marker)), 1)

    def test_auth_failure_stops_calls_and_test_connection_requeues(self):
        self.sandbox.control("faults", {"fault": "revoked_token", "provider": "vhsys"})
        first, second = self._invoice(), self._invoice()
        self._run_push()
        self.assertTrue(self.integration.auth_failed)
        calls = len(self.sandbox.requests_log())
        self._run_push()
        self.assertEqual(len(self.sandbox.requests_log()), calls, "no call while the integration is rejected")
        self.sandbox.control("restore_credentials", {"provider": "vhsys"})
        self.integration.action_test_connection()
        self.assertFalse(self.integration.auth_failed)
        self.assertTrue(self.integration.last_check_ok)
        self._run_push()
        self.assertServiceOrderState(first, "open")
        self.assertServiceOrderState(second, "open")

    def test_the_first_refusal_stops_the_rest_of_the_batch(self):
        """Once the ERP refuses the credentials, the documents left in the batch are not sent: each
        would be refused too, put in error and post the same message (found by bench/soak.py)."""
        self.sandbox.control("faults", {"fault": "revoked_token", "provider": "vhsys"})
        moves = self._invoice() + self._invoice() + self._invoice()
        self._run_push()
        refused = [r for r in self.sandbox.requests_log("vhsys") if r["status"] == 403]
        self.assertEqual(len(refused), 1, "one refused call, then no more")
        self.assertEqual(moves.mapped("service_order_state").count("error"), 1)
        self.assertEqual(moves.mapped("service_order_state").count("processing"), 2)
        told = self.integration.message_ids.filtered(lambda m: "rejected the credentials" in (m.body or ""))
        self.assertEqual(len(told), 1)

    def test_a_crash_after_the_erp_created_the_document_is_adopted_not_resent(self):
        """The claim (maybe_sent) is committed before the call: a worker killed during the call
        leaves a document that the next run finds by its marker instead of creating again."""
        move = self._invoice()
        doc = move.erp_document_ids
        spec = {"fault": "timeout_after_write", "provider": "vhsys", "path": "/parcelas$", "delay": 0.3}
        self.sandbox.control("faults", spec)
        self._run_push()
        self.assertTrue(doc.maybe_sent)
        self._retry_now(doc)
        self._run_push()
        self.assertServiceOrderState(move, "open")
        [remote] = self._live(doc.marker)
        self.assertEqual(str(remote["id"]), doc.external_id)
