# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The invoice's whole life mirrored in the ERP (PRODUCT.md 2.9, erp/lifecycle.py): re-post,
delete, credit notes, documents deleted and notes cancelled or rejected in the ERP. Real
database, the ERP sandbox over loopback HTTP."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from . import test_bling
from .common import ErpSyncCommon


def remote(sandbox, provider, marker):
    """The ERP's copy of the document carrying ``marker`` (None when there is none)."""
    found = [d for d in sandbox.control("state", {})[provider]["documents"] if d["marker"] == marker]
    return found[0] if found else None


class LifecycleCases:
    """Rows of the life-cycle table that read the same for both ERPs."""

    def tearDown(self):
        # N3: whatever a test did, no document waits in processing with nothing left to do.
        stuck = self.env["tecpet.erp.document"].search(
            [("state", "=", "processing"), ("pending_action", "=", False)]
        )
        self.assertFalse(stuck, "processing with nothing pending: nothing would ever move it again")
        super().tearDown()

    def _pushed(self, lines=None):
        move = self._invoice(lines=lines)
        self._run_push()
        self.assertServiceOrderState(move, "open")
        return move

    def _live(self, marker):
        doc = remote(self.sandbox, self.provider, marker)  # a deleted Bling order is not there at all
        if doc is None:
            return False
        return doc["live"] if "live" in doc else doc["status"] != "Cancelado"

    def _repost_with(self, move, price):
        move.button_draft()
        move.invoice_line_ids[0].price_unit = price
        move.action_post()

    def test_repost_before_the_cancel_ran_ends_open_with_the_new_content(self):
        move = self._pushed()
        old = move.erp_document_ids
        self._repost_with(move, 95.0)  # the cancellation is still queued
        self._run_push()
        self.assertServiceOrderState(move, "open")
        live = move.erp_document_ids.filtered(lambda d: d.state != "canceled")
        self.assertEqual(len(live), 1, "one live document per type")
        self.assertNotEqual(live, old)
        self.assertFalse(self._live(old.marker), "the old content is cancelled in the ERP")
        self.assertTrue(self._live(live.marker))
        self.assertEqual(float(remote(self.sandbox, self.provider, live.marker)["total"]), 95.0)
        # Nothing left to reprocess, nothing lost.
        self.assertIn("Nothing to reprocess", move.action_erp_reprocess()["params"]["message"])

    def test_repost_after_the_cancel_ran(self):
        move = self._pushed()
        move.button_draft()
        self._run_push()
        self.assertServiceOrderState(move, "canceled")
        move.invoice_line_ids[0].price_unit = 70.0
        move.action_post()
        self._run_push()
        self.assertServiceOrderState(move, "open")
        self.assertEqual(len(move.erp_document_ids), 1, "the canceled document is archived")
        self.assertEqual(
            float(remote(self.sandbox, self.provider, move.erp_document_ids.marker)["total"]), 70.0
        )

    def test_delete_waits_for_the_cancellation(self):
        move = self._pushed()
        marker = move.erp_document_ids.marker
        move.button_draft()
        with self.assertRaisesRegex(UserError, "still has a document in the ERP"):
            move.unlink()
        self._run_push()
        self.assertServiceOrderState(move, "canceled")
        move.unlink()
        self.assertFalse(self._live(marker))
        never_sent = self._invoice()
        never_sent.button_draft()
        never_sent.unlink()  # nothing reached the ERP: nothing to wait for

    def test_full_credit_note_cancels_the_erp_documents(self):
        move = self._pushed()
        refund = move._reverse_moves(cancel=True)
        self.assertEqual(refund.state, "posted")
        self.assertFalse(refund.service_order_state, "credit notes stay outside the flow")
        self.assertServiceOrderState(move, "processing")
        self._run_push()
        self.assertServiceOrderState(move, "canceled")
        self.assertFalse(self._live(move.erp_document_ids.marker))

    def test_a_replacement_waits_for_the_failed_cancellation_of_the_old_document(self):
        """N2: the ERP users issued the note before Odoo read it back, so the cancel of the reset
        invoice is refused; the invoice confirmed again must not get a second live order."""
        move = self._pushed()
        old = move.erp_document_ids
        self._erp_act(old, "issue")  # not read back yet
        move.button_draft()
        self._run_push()
        self.assertEqual((old.state, old.pending_action), ("error", "cancel"))
        move.action_post()
        new = move.erp_document_ids - old
        self.assertEqual(len(new), 1)
        self._run_push()
        self.assertEqual((new.state, new.pending_action, new.external_id), ("processing", "push", False))
        self.assertFalse(self._live(new.marker), "not sent while the old one is live")
        self.assertServiceOrderState(move, "error")
        self.assertIn("waits until the ERP cancels the previous one", move.erp_error_message)
        self.assertIn(old.error_message.split("\n")[0], move.erp_error_message, "in the ERP's words")
        # The ERP's users cancel the note; Reprocess resumes the cancel, then the new one goes.
        self._erp_act(old, "cancel_note")
        move.action_erp_reprocess()
        self._run_push()
        self.assertEqual(old.state, "canceled")
        self.assertFalse(self._live(old.marker))
        self.assertEqual(new.state, "open")
        self.assertTrue(self._live(new.marker))
        self.assertServiceOrderState(move, "open")

    def test_reprocess_resumes_the_old_cancel_even_when_the_new_document_fails_validation(self):
        move = self._pushed()
        old = move.erp_document_ids
        self._erp_act(old, "issue")  # not read back yet: the cancel of the reset is refused
        move.button_draft()
        self._run_push()
        self.assertEqual((old.state, old.pending_action), ("error", "cancel"))
        move.action_post()
        new = move.erp_document_ids - old
        self._erp_act(old, "cancel_note")
        self.customer.vat = "123.456.789-00"  # and meanwhile the customer's CPF got mistyped
        move.action_erp_reprocess()
        self.assertEqual((new.state, new.error_kind), ("error", "data"))
        self.assertEqual((old.state, old.pending_action), ("processing", "cancel"), "the cancel goes on")
        self._run_push()
        self.assertEqual(old.state, "canceled")
        self.customer.vat = "529.982.247-25"
        move.action_erp_reprocess()
        self._run_push()
        self.assertServiceOrderState(move, "open")

    def test_a_credit_note_reset_brings_the_cancelled_documents_back(self):
        """N8: the wrong invoice was reversed; the accountant resets the credit note."""
        move = self._pushed()
        refund = move._reverse_moves(cancel=True)
        self._run_push()
        self.assertServiceOrderState(move, "canceled")
        refund.button_draft()
        self.assertServiceOrderState(move, "processing")
        self.assertTrue(move.message_ids.filtered(lambda m: "no longer reverses this invoice" in m.body))
        self._run_push()
        self.assertServiceOrderState(move, "open")
        live = move.erp_document_ids.filtered(lambda d: d.state == "open")
        self.assertEqual(len(live), 1)
        self.assertTrue(self._live(live.marker))

    def test_a_credit_note_cancelled_before_the_cancel_ran_withdraws_it(self):
        move = self._pushed()
        doc = move.erp_document_ids
        refund = move._reverse_moves(cancel=True)
        self.assertEqual(doc.pending_action, "cancel")
        refund.button_cancel()
        self.assertEqual((doc.pending_action, doc.recheck), (False, True), "withdrawn, read back at once")
        self._run_push()
        self._run_refresh()
        self.assertServiceOrderState(move, "open")
        self.assertEqual(move.erp_document_ids, doc, "the same ERP document, never cancelled")
        self.assertTrue(self._live(doc.marker))

    def _held_by_a_worker(self, doc):
        """``doc`` as a push worker holds it while it calls the ERP (a live lease on its token)."""
        token = "worker-mid-call"
        self.env["tecpet.erp.claim"].sudo().create(
            {"token": token, "lease_until": fields.Datetime.now() + timedelta(minutes=10)}
        )
        doc.sudo().claim_token = token

    def test_a_credit_note_undone_while_its_cancel_is_being_sent_replaces_the_document(self):
        """The cancel a worker is sending may already be done in the ERP: withdrawn, the invoice
        would stand with a cancelled order and nothing to replace it. It goes on, and a new
        document is queued behind it, sent once it is cancelled (as on re-post)."""
        move = self._pushed()
        doc = move.erp_document_ids
        refund = move._reverse_moves(cancel=True)
        self._held_by_a_worker(doc)
        refund.button_draft()
        self.assertEqual(doc.pending_action, "cancel", "the cancel in flight goes on")
        new = move.erp_document_ids - doc
        self.assertEqual((new.state, new.pending_action), ("processing", "push"))
        self.env["tecpet.erp.claim"].sudo().search([]).unlink()  # the worker is done: lease gone
        self._run_push()
        self._run_push()  # the cancel first, then the replacement it held back
        self.assertEqual(doc.state, "canceled")
        self.assertServiceOrderState(move, "open")
        self.assertFalse(self._live(doc.marker))
        self.assertTrue(self._live(new.marker))

    def test_a_reset_is_refused_while_a_worker_issues_the_note(self):
        move = self._pushed()
        doc = move.erp_document_ids
        doc.sudo().write({"state": "processing", "pending_action": "issue"})
        self._held_by_a_worker(doc)
        with self.assertRaisesRegex(UserError, "being issued in the ERP right now"):
            move.button_draft()
        self.assertEqual((move.state, doc.pending_action), ("posted", "issue"))

    def test_cancels_of_an_archived_integration_still_run(self):
        """N18: switching ERPs archives the integration; a reset invoice's cancel still runs."""
        move = self._pushed()
        action = self.integration.action_archive()
        self.assertIn(move.name, action["params"]["message"])
        self.assertIn("cancellations still run", action["params"]["message"])
        move.button_draft()
        self._run_push()
        self.assertServiceOrderState(move, "canceled")
        self.assertFalse(self._live(move.erp_document_ids.marker))
        move.unlink()  # no longer refused forever

    def test_partial_credit_note_changes_nothing_and_says_so(self):
        move = self._pushed()
        refund = move._reverse_moves()
        refund.invoice_line_ids[0].price_unit = 20.0
        refund.action_post()
        self.assertServiceOrderState(move, "open")
        self.assertTrue(move.message_ids.filtered(lambda m: "its ERP documents are not changed" in m.body))
        self.assertTrue(self._live(move.erp_document_ids.marker))

    def test_zero_total_invoice_stays_outside_the_flow(self):
        move = self._invoice(lines=[(self.service, 1, 0.0)])
        self.assertFalse(move.service_order_state)
        self.assertFalse(move.erp_document_ids)

    def test_document_deleted_in_the_erp_reads_canceled_and_the_others_go_on(self):
        gone, kept = self._pushed(), self._pushed()
        self._run_refresh()  # cursor set: what follows is found by the sweep, not by a list
        self.env["ir.config_parameter"].sudo().set_param("tecpet_erp_sync.sweep_age_hours", "0")
        self._erp_act(gone.erp_document_ids, "delete")
        self._erp_act(kept.erp_document_ids, "pay")
        self._run_refresh()
        self.assertServiceOrderState(gone, "canceled")
        self.assertTrue(gone.message_ids.filtered(lambda m: "was deleted in the ERP" in m.body))
        self.assertServiceOrderState(kept, "fulfilled")

    def test_note_cancelled_in_the_erp_unblocks_the_reset(self):
        move = self._pushed()
        doc = move.erp_document_ids
        self._erp_act(doc, "issue")  # unpaid: Bling refuses to reverse receivables already received
        self._run_refresh()
        self.assertServiceOrderState(move, "issued")
        # Not in assertRaises: its savepoint would undo the flag (tests write it in their own
        # transaction; production commits it on a cursor of its own).
        try:
            move.button_draft()
            self.fail("reset to draft must be refused while the note is issued")
        except UserError as refusal:
            self.assertIn("Cancel the note in the ERP first", str(refusal))
        self.assertTrue(doc.recheck, "the refusal asks for the note to be checked again")
        self._erp_act(doc, "cancel_note")
        self._run_refresh()
        self.assertServiceOrderState(move, "open")
        move.button_draft()
        self._run_push()
        self.assertServiceOrderState(move, "canceled")

    def test_fully_reversed_invoice_with_an_issued_note_says_what_to_do(self):
        move = self._pushed()
        self._erp_act(move.erp_document_ids, "pay", "ready", "issue")
        self._run_refresh()
        self.assertServiceOrderState(move, "issued")
        move._reverse_moves(cancel=True)
        self.assertServiceOrderState(move, "error")
        self.assertIn("cancel the fiscal note in the ERP", move.erp_document_ids.error_message)
        self.assertTrue(self._live(move.erp_document_ids.marker), "nothing cancelled silently")
        # Reprocess before the note is cancelled: the ERP refuses, and says what to do.
        move.action_erp_reprocess()
        self._run_push()
        message = move.erp_document_ids.error_message
        self.assertIn("first", message)
        self.assertNotIn("Fix the customer", message, "the customer is not what is wrong")
        self.assertTrue(self._live(move.erp_document_ids.marker))

    def test_notes_are_requested_whatever_path_made_the_document_ready(self):
        move = self._pushed()
        doc = move.erp_document_ids
        self._erp_act(doc, "pay", "ready")  # open → awaiting issue in one read
        self.integration.issue_fiscal_notes = True
        self._run_refresh()
        self.assertEqual(doc.pending_action, "issue")
        self._run_push()
        self.assertServiceOrderState(move, "issued")

    def test_switching_the_option_on_requests_notes_of_ready_documents(self):
        move = self._pushed()
        doc = move.erp_document_ids
        self._erp_act(doc, "pay")
        self._run_refresh()
        self.assertServiceOrderState(move, "fulfilled")
        # asked for: documents already paid are off by default (tests/test_vhsys_nfse_settings.py)
        self.integration.write({"issue_fiscal_notes": True, "issue_notes_for_past": True})
        self.assertEqual(doc.pending_action, "issue")
        self._run_push()
        self.assertServiceOrderState(move, "issued")

    def test_an_unreadable_document_is_marked_and_the_others_read(self):
        bad, good = self._pushed(), self._pushed()
        path = f"{'/ordens-servico' if self.provider == 'vhsys' else '/pedidos/vendas'}/"
        self.sandbox.faults.add(
            fault="garbage",
            provider=self.provider,
            method="GET",
            path=f"^{path}{bad.erp_document_ids.external_id}$",
            count=50,
        )
        self._erp_act(good.erp_document_ids, "pay")
        self._erp_act(bad.erp_document_ids, "pay")
        with mute_logger("odoo.addons.tecpet_erp_sync.erp.common"):  # the expected warning
            self._run_refresh()
        self.assertServiceOrderState(good, "fulfilled")
        self.assertServiceOrderState(bad, "open")
        self.assertTrue(bad.erp_document_ids.read_error)


@tagged("post_install", "-at_install")
class TestLifecycleVhsys(LifecycleCases, ErpSyncCommon):
    provider = "vhsys"
    allow_inherited_tests_method = True  # Odoo's loader takes only a class's own tests otherwise

    def test_denied_nfe_is_an_error_with_the_reason(self):
        move = self._pushed(lines=[(self.goods, 1, 50.0)])
        self._erp_act(move.erp_document_ids, "reject_note")
        self.env["ir.config_parameter"].sudo().set_param("tecpet_erp_sync.sweep_age_hours", "0")
        self._run_refresh()
        self.assertServiceOrderState(move, "error")
        self.assertIn("denegada", move.erp_document_ids.error_message)
        # N3: Reprocess, as the README teaches: read back at once, never processing for good.
        move.action_erp_reprocess()
        doc = move.erp_document_ids
        self.assertEqual((doc.state, doc.pending_action, doc.recheck), ("error", False, True))
        self._run_refresh()
        self.assertIn("denegada", doc.error_message, "still denied: the ERP says so again")

    def test_a_credit_note_undone_without_an_integration_says_what_to_do(self):
        """N8, where nothing can be queued (the integration was archived meanwhile): a chatter
        line and an activity name the fix."""
        move = self._pushed()
        refund = move._reverse_moves(cancel=True)
        self._run_push()
        self.integration.action_archive()
        refund.button_draft()
        self.assertTrue(move.message_ids.filtered(lambda m: "cannot be sent again now" in m.body))
        activity = move.activity_ids.filtered(lambda a: a.summary == "Send the invoice to the ERP again")
        self.assertIn("Reset this invoice to draft and confirm it again", str(activity.note))

    def test_a_document_deleted_in_the_erp_does_not_stop_its_sibling_still_to_send(self):
        """Found by the soak (4 workers): the OS failed to send while its invoice's PV reached
        VHSYS; an ERP user deleted the PV, the read-back marked it canceled, and the OS's retry
        was refused as "its lines changed since it was posted" (N19's check took the canceled PV
        for a document the invoice no longer has)."""
        self.sandbox.control(
            "faults", {"fault": "server_error", "provider": "vhsys", "path": r"^/ordens-servico$"}
        )
        move = self._invoice(lines=[(self.service, 1, 80.0), (self.goods, 1, 50.0)])
        self._run_push()
        service = move.erp_document_ids.filtered(lambda d: d.doc_type == "service_order")
        goods = move.erp_document_ids - service
        self.assertEqual((service.state, goods.state), ("processing", "open"))
        self._run_refresh()  # cursor set: the deletion is found by the sweep
        self.env["ir.config_parameter"].sudo().set_param("tecpet_erp_sync.sweep_age_hours", "0")
        self._erp_act(goods, "delete")
        self._run_refresh()
        self.assertEqual(goods.state, "canceled")
        service.sudo().next_attempt_at = False  # the retry's wait is over
        self._run_push()
        self.assertEqual(service.state, "open", service.error_message)
        self.assertEqual(remote(self.sandbox, "vhsys", service.marker)["total"], "80.00")

    def test_a_repost_without_the_goods_sends_the_service_order_whatever_the_old_sales_order(self):
        """Reset, the goods line removed, confirmed again: the new OS goes once the old OS is
        cancelled, even while the old PV's cancel is refused (its NF-e issued) — that PV no longer
        stands for the invoice, so it is not counted as one of its documents (N19's check) — and
        the old documents, once cancelled, are hidden from the invoice as a re-posting hides them."""
        move = self._pushed(lines=[(self.service, 1, 80.0), (self.goods, 1, 50.0)])
        old_service = move.erp_document_ids.filtered(lambda d: d.doc_type == "service_order")
        old_goods = move.erp_document_ids - old_service
        self._erp_act(old_goods, "issue")  # not read back yet: its cancel will be refused
        move.button_draft()
        move.invoice_line_ids.filtered(lambda line: line.product_id == self.goods).unlink()
        move.action_post()
        new = move.erp_document_ids - old_service - old_goods
        self.assertEqual(new.doc_type, "service_order")
        self._run_push()
        self._run_push()  # the new OS after the old one's cancel
        self.assertEqual((old_goods.state, old_goods.pending_action), ("error", "cancel"))
        self.assertEqual(new.state, "open", new.error_message)
        self.assertEqual(remote(self.sandbox, "vhsys", new.marker)["total"], "80.00")
        self.assertEqual((old_service.state, old_service.active), ("canceled", False))
        # The ERP's users cancel the note; Reprocess resumes the cancel, which hides the old PV.
        self._erp_act(old_goods, "cancel_note")
        move.action_erp_reprocess()
        self._run_push()
        self.assertEqual((old_goods.state, old_goods.active), ("canceled", False))
        self.assertEqual(move.erp_document_ids, new)
        self.assertServiceOrderState(move, "open")

    def test_one_failing_integration_does_not_stop_the_others(self):
        other_company = self.setup_other_company()["company"]
        other = self._create_integration(other_company, "vhsys")
        move = self._pushed()
        self._erp_act(move.erp_document_ids, "pay")
        documents = self.env["tecpet.erp.document"]
        original = type(documents)._refresh_integration

        def refresh(model, integration, **kwargs):
            if integration == other:
                raise RuntimeError("a bug in one integration's read-back")
            return original(model, integration, **kwargs)

        with (
            patch.object(type(documents), "_refresh_integration", refresh),
            mute_logger("odoo.addons.tecpet_erp_sync.models.tecpet_erp_document_refresh"),
        ):
            documents._cron_refresh_status()
        self.env.invalidate_all()
        self.assertServiceOrderState(move, "fulfilled")


@tagged("post_install", "-at_install")
class TestLifecycleBling(LifecycleCases, ErpSyncCommon, HttpCase):
    provider = "bling"
    allow_inherited_tests_method = True

    def setUp(self):
        super().setUp()
        self.integration.default_service_code = "0501"  # Bling's NFS-e needs the municipal code
        test_bling.TestBling._connect(self)

    def test_rejected_nfe_is_an_error_then_the_fixed_note_is_read_back(self):
        move = self._pushed(lines=[(self.goods, 1, 50.0)])
        doc = move.erp_document_ids
        self.sandbox.control("reject_note", {"provider": "bling", "id": doc.external_id})
        self.env["ir.config_parameter"].sudo().set_param("tecpet_erp_sync.sweep_age_hours", "0")
        self._run_refresh()
        self.assertServiceOrderState(move, "error")
        self.assertIn("Rejeitada", doc.error_message)
        # N3: Reprocess with "issue fiscal notes" on asks for the note again: never processing idle.
        self.integration.issue_fiscal_notes = True
        move.action_erp_reprocess()
        self.assertEqual((doc.state, doc.pending_action), ("processing", "issue"))
        self.integration.issue_fiscal_notes = False
        doc.sudo().write({"state": "error", "pending_action": False})  # as before the Reprocess
        self._erp_act(doc, "issue")  # corrected and transmitted again in Bling
        self._run_refresh()
        self.assertServiceOrderState(move, "issued")
        self.assertFalse(doc.error_message)
