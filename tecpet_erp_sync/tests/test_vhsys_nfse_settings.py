# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""VHSYS's NFS-e settings on the integration (homologation until an administrator switches, a
test note never shown as Issued), the question asked when "Issue fiscal notes" is switched on with
documents already paid (defect-review-2 N15), and a mistyped token refused by Test connection."""

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from ..erp import lifecycle
from ..erp.contract import DocState
from .common import ErpSyncCommon


@tagged("post_install", "-at_install")
class TestVhsysNfseSettings(ErpSyncCommon):
    def _paid_service(self):
        move, doc = self._paid()
        self.assertServiceOrderState(move, "fulfilled")
        return move, doc

    def _notes(self):
        return self.sandbox.control("state", {})["vhsys"]["service_notes"]

    def test_a_new_integration_issues_in_homologation_with_the_settings_it_shows(self):
        new = self.env["tecpet.erp.integration"].new({"name": "VHSYS", "provider": "vhsys"})
        # Ready to issue at once, in the test environment: series 1, taxed in the city.
        self.assertEqual(
            (new.vhsys_nfse_environment, new.vhsys_nfse_series, new.vhsys_nfse_nature),
            ("homologation", "1", "1"),
        )
        self.integration.write({"vhsys_nfse_place": "1", "vhsys_nfse_place_city": "Campinas"})
        settings = self.integration._client_settings()
        self.assertEqual(
            {k: v for k, v in settings.items() if k.startswith("vhsys_nfse_")},
            {
                "vhsys_nfse_environment": "production",
                "vhsys_nfse_series": "1",
                "vhsys_nfse_nature": "1",
                "vhsys_nfse_regime": "",
                "vhsys_nfse_place": "1",
                "vhsys_nfse_place_city": "Campinas",
                "vhsys_nfse_seller": "Vendedor Sandbox",
                "vhsys_nfse_seller_id": "",
            },
        )
        nfse = self.integration._erp_client().options.nfse
        self.assertEqual((nfse.ambiente, nfse.place, nfse.place_city), (1, "1", "Campinas"))
        arch = self.env["tecpet.erp.integration"].get_views([(False, "form")])["views"]["form"]["arch"]
        for name in ("vhsys_nfse_environment", "vhsys_nfse_seller", "issue_notes_for_past"):
            self.assertIn(f'name="{name}"', arch)

    def test_a_note_issued_in_homologation_is_never_shown_as_issued(self):
        self.integration.vhsys_nfse_environment = "homologation"
        move, doc = self._paid_service()
        doc._erp_apply(lifecycle.Change(pending=lifecycle.Pending.ISSUE))
        self._run_push()
        self.assertEqual(doc.state, "error")
        self.assertIn("homologation", doc.error_message)
        [note] = self._notes()
        self.assertEqual((note["ambiente"], note["nota_emitida"]), (2, 1))
        self._run_refresh()  # read back: still no fiscal note
        self.assertNotEqual(move.service_order_state, "issued")
        self.integration.vhsys_nfse_environment = "production"
        # what Reprocess does for a note that failed: requested again (issue 21, N3)
        doc._erp_apply(lifecycle.Change(state=DocState.FULFILLED, pending=lifecycle.Pending.ISSUE))
        self._run_push()
        self.assertServiceOrderState(move, "issued")
        self.assertEqual([n["ambiente"] for n in self._notes()], [2, 1])
        self.assertEqual(doc.note_number, self._notes()[1]["NumeroNFS"])

    def test_switching_notes_on_leaves_documents_already_paid_alone_unless_asked(self):
        move, doc = self._paid_service()
        self.assertEqual(self.integration.past_note_document_count, 1)
        form = Form(self.integration)
        form.issue_fiscal_notes = True  # the form shows how many and asks (off by default)
        form.save()
        self.assertFalse(doc.pending_action)
        self._erp_act(doc, "ready")
        self._run_refresh()  # paid and done: still not requested on its own
        self.assertEqual((doc.state, doc.pending_action), ("awaiting_issue", False))
        self.assertEqual(self._notes(), [])
        self.assertEqual(self.integration.past_note_document_count, 0)
        later = self._invoice()  # a document paid after the switch gets its note
        self._run_push()
        self._erp_act(later.erp_document_ids, "pay")
        self._run_refresh()
        self.assertEqual(later.erp_document_ids.pending_action, "issue")

    def test_switching_notes_on_for_documents_already_paid_when_asked(self):
        move, doc = self._paid_service()
        self.integration.write({"issue_fiscal_notes": True, "issue_notes_for_past": True})
        self.assertEqual(doc.pending_action, "issue")
        self.assertFalse(self.integration.issue_notes_for_past, "asked once, not for next time")
        self._run_push()
        self.assertServiceOrderState(move, "issued")

    def test_the_switch_warns_with_the_count(self):
        self._paid_service()
        self._paid_service()
        result = self.integration.new({"issue_fiscal_notes": True}, origin=self.integration)
        warning = result._onchange_issue_fiscal_notes()["warning"]
        self.assertIn("2 documents are already paid", warning["message"])

    def test_the_seller_id_is_vhsys_number(self):
        with self.assertRaises(ValidationError):
            self.integration.vhsys_nfse_seller_id = "Vendedor Sandbox"

    def test_a_mistyped_access_token_fails_test_connection(self):
        self.integration.action_test_connection()
        self.assertTrue(self.integration.last_check_ok)
        self.integration.vhsys_access_token = "test-access-mistyped"
        self.integration.action_test_connection()
        self.assertFalse(self.integration.last_check_ok)
        self.assertIn("credentials", self.integration.last_check_message)
