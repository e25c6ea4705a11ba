# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The history of a document's tries (issue 22 point 3), through the push job and the sandbox:
what the ERP answered and how we read it, scrubbed of secrets and personal data, the last N kept,
for invoicing managers only."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import VALID_CPF, ErpSyncCommon

ACCESS_TOKEN = "vhsys-tk-4f9a2c71d0e8"
CPF_DIGITS = "".join(c for c in VALID_CPF if c.isdigit())


@tagged("post_install", "-at_install")
class TestAttemptHistory(ErpSyncCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.integration.vhsys_access_token = ACCESS_TOKEN
        cls.manager = new_test_user(
            cls.env, login="erp_manager", groups="account.group_account_manager", company_id=cls.company.id
        )
        cls.billing = new_test_user(
            cls.env, login="erp_billing", groups="account.group_account_invoice", company_id=cls.company.id
        )

    def _history(self, doc):
        return doc.with_user(self.manager).attempt_ids

    def assertNothingPersonal(self, attempt):
        text = " ".join(str(attempt[f] or "") for f in ("calls", "erp_message", "message"))
        for secret in (ACCESS_TOKEN, VALID_CPF, CPF_DIGITS, self.customer.email):
            self.assertNotIn(secret, text)

    def test_a_refusal_then_a_success(self):
        # A CEP of the right shape that the Correios base does not have: only the ERP can tell.
        self.customer.zip = "00012-345"
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        refused = self._history(doc)
        self.assertEqual(len(refused), 1)
        self.assertEqual((refused.operation, refused.outcome), ("push", "refused"))
        self.assertIn("CEP", refused.erp_message, "the ERP's own words")
        self.assertIn("POST ", refused.calls)
        self.assertTrue(refused.http_status)
        self.assertTrue(refused.create_date)
        self.assertEqual(refused.message, doc.error_message)
        self.assertNothingPersonal(refused)

        self.customer.zip = "01310-100"
        move.action_erp_reprocess()
        self._run_push()
        history = self._history(doc)
        self.assertEqual(history.mapped("outcome"), ["done", "refused"], "newest first")
        self.assertFalse(history[0].erp_message)
        self.assertNothingPersonal(history[0])

    def test_the_erps_message_is_kept_scrubbed(self):
        _move, doc = self._paid()
        self.integration.write({"issue_fiscal_notes": True, "issue_notes_for_past": True})  # paid already
        self.assertEqual(doc.pending_action, "issue")
        said = f"Tomador {VALID_CPF} ({self.customer.email}, (11) 98765-4321) recusado; ref. {ACCESS_TOKEN}"
        self.sandbox.control("nfse_reject", {"provider": "vhsys", "message": said})
        self._run_push()
        attempt = self._history(doc)[0]
        self.assertEqual((attempt.operation, attempt.outcome), ("issue", "refused"))
        self.assertIn("Tomador ***.***.***-** (***@***, (**) ****-****) recusado", attempt.erp_message)
        self.assertNothingPersonal(attempt)
        self.assertNotIn("98765-4321", attempt.erp_message + (attempt.message or ""))

    def test_the_last_n_are_kept(self):
        self.env["ir.config_parameter"].sudo().set_param("tecpet_erp_sync.attempt_history_size", "2")
        self.sandbox.control("faults", {"fault": "server_error", "provider": "vhsys", "count": -1})
        move = self._invoice()
        doc = move.erp_document_ids
        for _try in range(3):
            doc.sudo().next_attempt_at = False
            self._run_push()
        history = self._history(doc)
        self.assertEqual(history.mapped("outcome"), ["retry", "retry"])
        self.assertEqual(history.mapped("http_status"), [500, 500])
        self.assertEqual(doc.attempts, 3, "three tries, two kept")

    def test_only_invoicing_managers_see_it(self):
        move = self._invoice(partner=self.bad_customer)  # stopped by our checks: no call
        self._run_push()
        doc = move.erp_document_ids
        self.assertEqual(self._history(doc).outcome, "checks")
        self.assertFalse(self._history(doc).calls)
        with self.assertRaises(AccessError):
            self._history(doc).with_user(self.billing).read(["erp_message"])
        self.assertNotIn("attempt_ids", doc.with_user(self.billing).fields_get())
        arch = doc.with_user(self.billing).get_view(view_type="form")["arch"]
        self.assertNotIn("attempt_ids", arch)
        self.assertIn("attempt_ids", doc.with_user(self.manager).get_view(view_type="form")["arch"])
