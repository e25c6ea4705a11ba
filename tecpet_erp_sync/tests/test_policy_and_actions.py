# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sending policy (start date, opted-out customer, excluded invoice), Send to ERP, and the bulk
actions on a selection (Refresh ERP status, Reprocess, Exclude from ERP), against the sandbox."""

from datetime import timedelta

from odoo import fields
from odoo.tests import Form, tagged

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from .common import ErpSyncCommon


@tagged("post_install", "-at_install")
class TestSendingPolicy(CronMixinCase, ErpSyncCommon):
    def _old_invoice(self, days, **kwargs):
        move = self._invoice(post=False, **kwargs)
        move.invoice_date = fields.Date.today() - timedelta(days=days)
        move.action_post()
        return move

    def test_new_integration_starts_today_so_older_invoices_stay_outside(self):
        self.assertEqual(self.integration.start_date, fields.Date.context_today(self.integration))
        old = self._old_invoice(30)
        new = self._invoice()
        self.assertFalse(old.service_order_state)
        self.assertFalse(old.erp_document_ids)
        self.assertServiceOrderState(new, "processing")

    def test_no_start_date_sends_every_date(self):
        self.integration.start_date = False
        self.assertServiceOrderState(self._old_invoice(400), "processing")

    def test_opted_out_customer_and_its_contacts_stay_outside(self):
        self.company_customer.erp_opt_out = True
        contact = self.env["res.partner"].create(
            {"name": "Contas a pagar", "parent_id": self.company_customer.id, "type": "invoice"}
        )
        self.assertTrue(contact.erp_opt_out, "the opt-out follows the company to its contacts")
        self.assertFalse(self._invoice(partner=self.company_customer).service_order_state)
        self.assertFalse(self._invoice(partner=contact).service_order_state)
        self.assertServiceOrderState(self._invoice(), "processing")

    def test_policy_reads_no_query_per_invoice(self):
        small = [self._invoice(post=False) for _ in range(2)]
        large = [self._invoice(post=False) for _ in range(8)]
        counts = []
        # The first batch warms the registry caches (views, xml ids): measured again at the end.
        for batch in (small, large, small):
            moves = self.env["account.move"].union(*batch)
            if moves[0].state == "draft":
                moves.action_post()  # documents created; what follows only decides again
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            by_company = moves._erp_integrations_by_company()
            decided = [m._erp_integration(by_company) for m in moves]
            counts.append(self.cr.sql_log_count - before)
            self.assertTrue(all(decided))
        self.assertEqual(counts[1], counts[2], "the policy must cost the same for 2 and 8 invoices")

    def test_send_wizard_counts_then_queues_exactly_its_range(self):
        inside = [self._old_invoice(days) for days in (10, 20)]
        before_range = self._old_invoice(60)
        excluded = self._old_invoice(15)
        self._exclude(excluded, "Issued by hand")
        opted_out = self._old_invoice(12, partner=self.company_customer)
        self.company_customer.erp_opt_out = True
        already = self._invoice()  # in the flow already: not counted twice

        wizard = Form(self.env["tecpet.erp.send.wizard"])
        self.assertEqual(wizard.integration_id, self.integration)
        wizard.date_from = fields.Date.today() - timedelta(days=30)
        wizard.date_to = fields.Date.today()
        self.assertEqual(wizard.invoice_count, 2)
        self.assertEqual(wizard.skipped_count, 2)  # the excluded one and the opted-out customer
        self.assertEqual(self.env["tecpet.erp.document"].search_count([("move_id", "in", inside[0].ids)]), 0)
        with self.capture_triggers("tecpet_erp_sync.ir_cron_push_documents") as capture:
            action = wizard.save().action_send()
        self.assertIn("2 invoice(s) queued", action["params"]["message"])
        self.assertTrue(capture.records)
        for move in inside:
            self.assertServiceOrderState(move, "processing")
        for move in (before_range, excluded, opted_out):
            self.assertFalse(move.service_order_state)
        self.assertEqual(len(already.erp_document_ids), 1)
        self._run_push()
        for move in inside:
            self.assertServiceOrderState(move, "open")

    def test_an_invoice_in_the_flow_stays_in_it_when_posted_again(self):
        """N7: an old invoice brought in with Send to ERP, reset and confirmed again, is sent again
        whatever the start date (it was not left posted with only a canceled document)."""
        old = self._old_invoice(30)
        wizard = Form(self.env["tecpet.erp.send.wizard"])
        wizard.date_from = fields.Date.today() - timedelta(days=40)
        wizard.save().action_send()
        self._run_push()
        self.assertServiceOrderState(old, "open")
        old.button_draft()
        self._run_push()
        self.assertServiceOrderState(old, "canceled")
        old.action_post()
        self._run_push()
        self.assertServiceOrderState(old, "open")
        self.assertEqual(len(old.erp_document_ids), 1, "the canceled one archived, a new one live")

    def _exclude(self, moves, reason):
        action = moves.action_erp_open_exclude_wizard()
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create({"reason": reason})
        return wizard.action_exclude()

    def test_exclude_takes_an_invoice_out_for_good_with_the_reason_in_the_chatter(self):
        waiting = self._invoice(partner=self.bad_customer)
        self._run_push()
        self.assertServiceOrderState(waiting, "error")
        sent = self._invoice()
        self._run_push()
        self.assertServiceOrderState(sent, "open")

        action = self._exclude(waiting | sent, "Invoiced in the ERP by hand")
        message = action["params"]["message"]
        self.assertIn("1 invoice(s) excluded", message)
        self.assertIn(f"1 already in the ERP, not excluded: {sent.name}", message)
        self.assertTrue(waiting.erp_excluded)
        self.assertFalse(waiting.service_order_state)
        self.assertTrue(
            waiting.message_ids.filtered(lambda m: "Invoiced in the ERP by hand" in (m.body or ""))
        )
        self.assertFalse(sent.erp_excluded)
        self.assertServiceOrderState(sent, "open")

        # Never sent: not by Reprocess, not by a reset and a new posting.
        waiting.action_erp_reprocess()
        waiting.button_draft()
        waiting.action_post()
        self._run_push()
        self.assertFalse(waiting.service_order_state)
        markers = {d["marker"] for d in self.sandbox.control("state", {})["vhsys"]["documents"]}
        self.assertFalse(
            set(waiting.with_context(active_test=False).erp_document_ids.mapped("marker")) & markers
        )

    def test_include_again_brings_an_excluded_invoice_back(self):
        recent = self._invoice()
        old = self._old_invoice(30)
        self.integration.start_date = False
        self._exclude(recent | old, "By mistake")
        self.integration.start_date = fields.Date.today() - timedelta(days=7)
        self.assertFalse(recent.service_order_state)

        with self.capture_triggers("tecpet_erp_sync.ir_cron_push_documents") as capture:
            action = (recent | old | self._invoice()).action_erp_include()
        message = action["params"]["message"]
        self.assertIn("1 invoice(s) back in the ERP flow and queued", message)
        self.assertIn("1 no longer excluded but not queued (", message)
        self.assertIn(old.name, message)
        self.assertIn("1 were not excluded", message)
        self.assertTrue(capture.records, "the push job must be woken")
        self.assertFalse((recent | old).filtered("erp_excluded"))
        said = recent.message_ids.filtered(lambda m: "Included in the ERP flow again" in (m.body or ""))
        self.assertTrue(said)
        self._run_push()
        self.assertServiceOrderState(recent, "open")
        # Older than the start date: outside until Send to ERP brings it in, which it now can.
        self.assertFalse(old.service_order_state)
        wizard = Form(self.env["tecpet.erp.send.wizard"])
        wizard.date_from = fields.Date.today() - timedelta(days=40)
        self.assertEqual(wizard.invoice_count, 1)

    def test_include_again_is_offered_on_the_invoices(self):
        action = self.env.ref("tecpet_erp_sync.action_server_include")
        self.assertEqual(action.binding_model_id.model, "account.move")
        self.assertIn(self.env.ref("account.group_account_invoice"), action.groups_id)


@tagged("post_install", "-at_install")
class TestBulkActions(CronMixinCase, ErpSyncCommon):
    def test_reprocess_leaves_invoices_outside_the_flow_outside(self):
        self.integration.active = False
        old = self._invoice(partner=self.bad_customer)
        self.integration.active = True
        action = old.action_erp_reprocess()
        self.assertFalse(old.service_order_state)
        self.assertFalse(old.erp_document_ids)
        self.assertIn("outside the ERP flow", action["params"]["message"])
        self.assertIn("Send to ERP", action["params"]["message"])

    def test_reprocess_of_a_document_stuck_in_processing_reads_it_back(self):
        """N3: a document in the ERP with nothing to send (left so by an older version) is read
        back at once instead of waiting in processing for good."""
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        doc.sudo().write({"state": "processing", "pending_action": False})
        self._erp_act(doc, "pay")
        with self.capture_triggers("tecpet_erp_sync.ir_cron_refresh_status") as capture:
            move.action_erp_reprocess()
        self.assertTrue(capture.records, "read back at once")
        self.assertEqual((doc.state, doc.pending_action, doc.recheck), ("open", False, True))
        self._run_refresh()
        self.assertServiceOrderState(move, "fulfilled")

    def test_reprocess_answer_reloads_the_view(self):
        move = self._invoice(partner=self.bad_customer)
        self._run_push()
        action = move.action_erp_reprocess()
        self.assertEqual(action["params"]["next"], {"type": "ir.actions.act_window_close"})

    def test_refresh_status_reads_the_selected_documents_back_now(self):
        chosen, other = self._invoice(), self._invoice()
        pending = self._invoice()
        self.integration.active = False
        outside = self._invoice()
        self.integration.active = True
        self._run_push()
        pending.erp_document_ids.sudo().pending_action = "cancel"  # still something to send
        for move in (chosen, other):
            self._erp_act(move.erp_document_ids, "pay")

        with self.capture_triggers("tecpet_erp_sync.ir_cron_refresh_status") as capture:
            action = (chosen | pending | outside).action_erp_refresh_status()
        message = action["params"]["message"]
        self.assertIn("1 invoice(s) will be read back from the ERP now", message)
        self.assertIn(f"1 not yet in the ERP or still being sent: {pending.name}", message)
        self.assertIn("1 outside the ERP flow", message)
        self.assertTrue(capture.records, "the refresh job must be woken")
        self.assertTrue(chosen.erp_document_ids.recheck)

        self._run_refresh()
        self.assertServiceOrderState(chosen, "fulfilled")
        self.assertFalse(chosen.erp_document_ids.recheck)
        self.assertTrue(self.integration.last_refresh_at)

    def test_refresh_cron_reads_the_requested_ones_first(self):
        move = self._invoice()
        self._run_push()
        self._erp_act(move.erp_document_ids, "pay", "ready")
        move.action_erp_refresh_status()
        self.env["tecpet.erp.document"]._cron_refresh_status()
        self.env.invalidate_all()
        self.assertServiceOrderState(move, "awaiting_issue")
        self.assertFalse(move.erp_document_ids.recheck, "the request was served")

    def test_billing_user_runs_the_bulk_actions(self):
        user = self.env["res.users"].create(
            {
                "name": "Billing",
                "login": "billing_bulk",
                "groups_id": [(6, 0, [self.env.ref("account.group_account_invoice").id])],
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
            }
        )
        move = self._invoice()
        self._run_push()
        as_user = move.with_user(user)
        self.assertIn("will be read back", as_user.action_erp_refresh_status()["params"]["message"])
        self.assertTrue(move.erp_document_ids.recheck)
