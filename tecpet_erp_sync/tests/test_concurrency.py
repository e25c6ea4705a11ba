# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two push job runs at the same time, in two processes committing per document as in
production, never send the same document twice."""

import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from unittest.mock import patch

import psycopg2
from tecpet_erp_sandbox.server import SandboxServer

import odoo
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.sql_db import db_connect
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger

from ..erp import claim as claim_rules
from ..erp.vhsys.refresh import VhsysReader
from ..models.tecpet_erp_document_claim import renew_lease
from .common import VALID_CPF, customer_values

INVOICES = 12


class CommittedInvoices:
    """Not a TransactionCase: the runs must see each other's commits, so the data is really
    committed (in the throw-away test database) and archived at the end."""

    def setUp(self):
        super().setUp()
        self.sandbox = SandboxServer.start()
        self.addCleanup(self.sandbox.stop)
        self.sandbox.latency = 0.05  # keep both runs in flight together (~5 s each alone)
        self.db = get_db_name()
        with self._env() as env:
            env["ir.config_parameter"].set_param("tecpet_erp_sync.consistency_wait", "0")
            company = env.ref("base.main_company")
            self.integration_id = (
                env["tecpet.erp.integration"]
                .create(
                    {
                        "name": "concurrency",
                        "provider": "vhsys",
                        "company_id": company.id,
                        "api_url": self.sandbox.vhsys_url,
                        "vhsys_access_token": "a",
                        "vhsys_secret_token": "b",
                    }
                )
                .id
            )
            partner = env["res.partner"].create(customer_values(env, "Cliente Concorrente", VALID_CPF))
            product = env["product.product"].create({"name": "Serviço", "type": "service"})
            moves = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "company_id": company.id,
                        "currency_id": env.ref("base.BRL").id,
                        "partner_id": partner.id,
                        "invoice_date": fields.Date.today(),
                        "invoice_line_ids": [
                            Command.create({"product_id": product.id, "price_unit": 10.0 + i, "tax_ids": []})
                        ],
                    }
                    for i in range(INVOICES)
                ]
            )
            env.ref("base.BRL").active = True
            moves.action_post()
            self.doc_ids = moves.erp_document_ids.ids
        self.addCleanup(self._archive)

    def _env(self):
        test = self

        class _Scope:
            def __enter__(self):
                self.cr = db_connect(test.db).cursor()
                return api.Environment(self.cr, SUPERUSER_ID, {})

            def __exit__(self, exc_type, *args):
                if exc_type is None:
                    self.cr.commit()  # pylint: disable=invalid-commit
                self.cr.close()

        return _Scope()

    def _archive(self):
        with self._env() as env:
            env["tecpet.erp.document"].browse(self.doc_ids).write({"pending_action": False, "active": False})
            env["tecpet.erp.integration"].browse(self.integration_id).active = False

    def _job_process(self, script):
        """`odoo-bin shell` on this database running ``script`` (one push job run, committing)."""
        odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")
        cfg = odoo.tools.config
        command = [sys.executable, odoo_bin, "shell", "-d", self.db, "--no-http", "--log-level=warn",
                   f"--addons-path={cfg['addons_path']}"]  # fmt: skip
        # Unset options (pytest-odoo without a config file) leave libpq's PG* variables in charge.
        command += [f"--{key}={cfg[key]}" for key in ("db_host", "db_port", "db_user") if cfg[key]]
        return subprocess.Popen(command, stdin=script, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@tagged("post_install", "-at_install")
class TestConcurrentJobRuns(CommittedInvoices, BaseCase):
    def test_two_runs_in_two_processes(self):
        with tempfile.NamedTemporaryFile("w", suffix=".py") as script:
            script.write(
                "jobs = env['tecpet.erp.document']\n"
                f"print('RESULT', jobs._push_batch(batch_size={INVOICES}, with_commit=True))\n"
                "env.cr.commit()\n"
            )
            script.flush()
            inputs = [open(script.name) for _ in range(2)]  # noqa: SIM115 - closed below
            processes = [self._job_process(stdin) for stdin in inputs]  # both start before either finishes
            outputs = [process.communicate(timeout=120)[0].decode() for process in processes]
            for stdin in inputs:
                stdin.close()
        self.assertEqual([p.returncode for p in processes], [0, 0], outputs)
        results = [line for out in outputs for line in out.splitlines() if line.startswith("RESULT")]
        self.assertEqual(len(results), 2, outputs)
        done = [int(line.split("(")[1].split(",")[0]) for line in results]
        self.assertEqual(sum(done), INVOICES, f"each document handled by exactly one run: {results}")

        with self._env() as env:
            docs = env["tecpet.erp.document"].browse(self.doc_ids)
            states = {(d.state, d.error_message or "", d.attempts) for d in docs}
            self.assertEqual({state for state, *_rest in states}, {"open"}, (states, outputs))
            markers = set(docs.mapped("marker"))
        remote = [
            d for d in self.sandbox.control("state", {})["vhsys"]["documents"] if d["marker"] in markers
        ]
        self.assertEqual(len(remote), INVOICES, "exactly one ERP document per invoice")
        creates = [
            r
            for r in self.sandbox.requests_log("vhsys")
            if r["method"] == "POST" and r["path"] == "/ordens-servico"
        ]
        self.assertEqual(len(creates), INVOICES, "no document was sent twice")

    def test_the_selection_skips_what_another_worker_is_claiming(self):
        """Two workers select at once: while the first holds its row (claim not committed yet),
        the second takes the next due document instead of waiting for it or skipping its turn."""
        crs = [db_connect(self.db).cursor() for _ in range(2)]
        for cr in crs:
            self.addCleanup(cr.close)
        first, second = (api.Environment(cr, SUPERUSER_ID, {})["tecpet.erp.document"] for cr in crs)
        taken = first._claim_next(with_commit=False)
        other = second._claim_next(with_commit=False)
        self.assertTrue(taken and other, "both workers got a document")
        [taken], [other] = taken, other
        self.assertNotEqual(taken, other)
        self.assertEqual({taken.id, other.id} - set(self.doc_ids), set())
        for cr in crs:
            cr.rollback()

    def test_two_workers_finishing_one_invoice_leave_it_consistent(self):
        """The OS and the PV of one invoice finished by two workers at once: each transaction sees
        the other document still processing, so each keeps the invoice processing and neither
        writes it; without a conflict the invoice stayed processing for good (found by
        bench/soak.py). The later commit is refused and its document given back, then redone."""
        with self._env() as env:
            setup_invoice = env["tecpet.erp.document"].browse(self.doc_ids[0]).move_id
            service = setup_invoice.invoice_line_ids.product_id
            goods = env["product.product"].create({"name": "Ração", "type": "consu", "erp_ncm": "23091000"})
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "currency_id": env.ref("base.BRL").id,
                    "partner_id": setup_invoice.partner_id.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create({"product_id": p.id, "price_unit": 10.0, "tax_ids": []})
                        for p in (service, goods)
                    ],
                }
            )
            move.action_post()
            move_id = move.id
            by_type = {d.doc_type: d.id for d in move.erp_document_ids}
            os_id, pv_id = by_type["service_order"], by_type["sales_order"]
        self.doc_ids += [os_id, pv_id]
        crs = [db_connect(self.db).cursor() for _ in range(2)]
        for cr in crs:
            self.addCleanup(cr.close)
        first, second = (api.Environment(cr, SUPERUSER_ID, {})["tecpet.erp.document"] for cr in crs)
        # Both transactions read before either writes: each sees both documents processing.
        self.assertEqual({first.browse(os_id).state, second.browse(pv_id).state}, {"processing"})
        first.browse(os_id)._erp_set_done("open", external_id="1")
        self.assertTrue(first.browse(os_id)._commit_or_give_back())
        second.browse(pv_id)._erp_set_done("open", external_id="2")
        # Refused (the first commit rewrote the invoice after this snapshot), then written again in
        # a transaction that sees the first commit: nothing asked for anything else meanwhile.
        self.assertTrue(second.browse(pv_id)._commit_or_give_back(), "written again at once")
        with self._env() as env:
            pv = env["tecpet.erp.document"].browse(pv_id)
            self.assertEqual((pv.state, pv.external_id), ("open", "2"))
            self.assertEqual(env["account.move"].browse(move_id).service_order_state, "open")


@tagged("post_install", "-at_install")
class TestClaimOwner(CommittedInvoices, BaseCase):
    """One owner per claimed document (PRODUCT 2.12, issue 20.1): a worker (A) claims and calls
    the ERP; meanwhile a user acts on the invoice and another worker (B) selects. Each party has
    its own cursor and commits, as in production."""

    def _cursors(self, count):
        crs = [db_connect(self.db).cursor() for _ in range(count)]
        for cr in crs:
            self.addCleanup(cr.close)
        return [api.Environment(cr, SUPERUSER_ID, {}) for cr in crs]

    def _claim_one(self, env):
        [(doc, claim)] = env["tecpet.erp.document"]._claim_next(with_commit=True).items()
        return doc, claim

    def _live(self, marker):
        return [
            d
            for d in self.sandbox.control("state", {})["vhsys"]["documents"]
            if d["marker"] == marker and d["live"]
        ]

    def test_a_reset_during_the_push_keeps_the_claim_and_the_erp_id(self):
        """The exact race of issue 20.1: the user resets the invoice while A is sending it. B must
        not take the document; A's outcome gives way to the reset, with the ERP id it learned, and
        the cancel that follows cancels that very order: nothing live behind a draft invoice."""
        a, user, b = self._cursors(3)
        doc, claim = self._claim_one(a)
        doc._run_pending_action(maybe_sent=claim.maybe_sent)  # A's snapshot; the order is created
        learned = doc.external_id
        self.assertTrue(learned)
        move = user["tecpet.erp.document"].browse(doc.id).move_id
        move.button_draft()
        user.cr.commit()
        self.assertEqual(user["tecpet.erp.document"].browse(doc.id).claim_token, claim.token, "lease kept")
        taken = b["tecpet.erp.document"]._claim_next(with_commit=True)
        self.assertNotIn(doc.id, [d.id for d in taken], "B does not take a document A holds")
        self.assertFalse(doc._erp_finish_claim(claim, with_commit=True), "A's outcome gives way")
        with self._env() as env:
            mine = env["tecpet.erp.document"].browse(doc.id)
            self.assertEqual(
                (mine.state, mine.pending_action, mine.external_id, mine.claim_token),
                ("processing", "cancel", learned, False),
            )
            self.assertFalse(mine.next_attempt_at, "the id is known: cancelled at once, no search")
            env["tecpet.erp.document"]._push_batch(batch_size=50, with_commit=True)
        with self._env() as env:
            mine = env["tecpet.erp.document"].browse(doc.id)
            self.assertEqual(mine.state, "canceled")
            self.assertEqual(mine.move_id.state, "draft")
            marker = mine.marker
        self.assertEqual(self._live(marker), [], "no live order behind the draft invoice")

    def test_reprocess_is_refused_while_a_worker_holds_the_invoice(self):
        a, user = self._cursors(2)
        doc, claim = self._claim_one(a)
        before = user["tecpet.erp.document"].browse(doc.id).read(["next_attempt_at", "attempts", "state"])
        move = user["account.move"].browse(doc.move_id.id)
        self.assertTrue(move.erp_busy, "the Reprocess buttons are hidden")
        action = move.action_erp_reprocess()
        self.assertIn("being sent to the ERP right now", action["params"]["message"])
        self.assertEqual(action["params"]["type"], "warning")
        user.cr.commit()
        after = user["tecpet.erp.document"].browse(doc.id)
        self.assertEqual(after.read(["next_attempt_at", "attempts", "state"]), before, "nothing touched")
        self.assertEqual(after.claim_token, claim.token)
        a.cr.rollback()

    def test_a_claim_taken_over_after_its_lease_is_not_committed_by_the_old_owner(self):
        a, b = self._cursors(2)
        doc, claim = self._claim_one(a)
        self.assertEqual(renew_lease(Registry(self.db), claim.token), 1, "the lease is renewed")
        with self._env() as env:
            lease = env["tecpet.erp.claim"].search([("token", "=", claim.token)])
            self.assertGreater(lease.lease_until, fields.Datetime.now())
            lease.lease_until = fields.Datetime.now()  # A is gone for too long: its lease expires
        taken = b["tecpet.erp.document"]._claim_next(with_commit=True)
        self.assertIn(doc.id, [d.id for d in taken], "B takes the document over")
        theirs = next(c for d, c in taken.items() if d.id == doc.id)
        doc._erp_set_done("open", external_id="999")
        with mute_logger("odoo.addons.tecpet_erp_sync.models.tecpet_erp_document_commit"):
            self.assertFalse(doc._erp_finish_claim(claim, with_commit=True), "A no longer owns it")
        with self._env() as env:
            mine = env["tecpet.erp.document"].browse(doc.id)
            self.assertEqual((mine.claim_token, mine.external_id), (theirs.token, False), "B's claim stands")

    def test_the_lease_is_renewed_while_the_owner_calls_the_erp(self):
        (a,) = self._cursors(1)
        doc, claim = self._claim_one(a)
        with self._env() as env:
            lease = env["tecpet.erp.claim"].search([("token", "=", claim.token)])
            lease.lease_until = fields.Datetime.now() + timedelta(seconds=5)  # about to expire
        with patch.object(claim_rules, "RENEW_EVERY", 0.05), doc._erp_keep_lease(claim, with_commit=True):
            time.sleep(0.5)  # a long ERP call
        with self._env() as env:
            lease = env["tecpet.erp.claim"].search([("token", "=", claim.token)])
            self.assertGreater(lease.lease_until, fields.Datetime.now() + timedelta(minutes=9), "renewed")
        a.cr.rollback()

    def test_a_commit_refused_by_a_change_of_the_invoice_keeps_the_outcome(self):
        """N9 (b): the invoice is changed (a payment, a note) right after posting, while A sends it:
        A's commit is refused; the order it created is not thrown away and redone."""
        a, user = self._cursors(2)
        doc, claim = self._claim_one(a)
        doc._run_pending_action(maybe_sent=claim.maybe_sent)
        learned = doc.external_id
        user["account.move"].browse(doc.move_id.id).ref = "paid at the counter"
        user.cr.commit()
        self.assertTrue(doc._erp_finish_claim(claim, with_commit=True), "written again in a new transaction")
        with self._env() as env:
            mine = env["tecpet.erp.document"].browse(doc.id)
            self.assertEqual((mine.state, mine.external_id, mine.pending_action), ("open", learned, False))
            creates = [
                r
                for r in self.sandbox.requests_log("vhsys")
                if r["method"] == "POST" and r["path"] == "/ordens-servico"
            ]
            self.assertEqual(len(creates), 1, "created once")

    def test_a_cancel_replayed_after_a_re_posting_hides_the_replaced_document(self):
        """A cancels the order of a reset invoice; the user confirms the invoice again before A
        commits (its snapshot still sees a draft). A's outcome is written again in a new
        transaction, which sees the re-posting: the old document is hidden from the invoice, as
        a cancel finished after a re-posting is, and it is not counted among the invoice's
        documents when the new one is sent."""
        with self._env() as env:
            env["tecpet.erp.document"]._push_batch(batch_size=50, with_commit=True)
        with self._env() as env:
            env["tecpet.erp.document"].browse(self.doc_ids[0]).move_id.button_draft()
        a, user = self._cursors(2)
        doc, claim = self._claim_one(a)
        self.assertEqual((doc.id, claim.pending), (self.doc_ids[0], "cancel"))
        doc._run_pending_action(maybe_sent=claim.maybe_sent)  # cancelled while A sees a draft
        user["account.move"].browse(doc.move_id.id).action_post()
        user.cr.commit()
        self.assertTrue(doc._erp_finish_claim(claim, with_commit=True), "written again")
        with self._env() as env:
            old = env["tecpet.erp.document"].with_context(active_test=False).browse(doc.id)
            self.assertEqual((old.state, old.active), ("canceled", False), "replaced: hidden")
            self.assertEqual(old.move_id.erp_document_ids.mapped("state"), ["processing"], "the new one")
            self.doc_ids += old.move_id.erp_document_ids.ids

    def _worker_commits_while_user_began(self, user, prepare=None):
        """A worker sends and commits one invoice after ``user``'s transaction began (``prepare``
        runs before, once the worker holds it); the invoice, as the user's transaction sees it."""
        (a,) = self._cursors(1)
        doc, claim = self._claim_one(a)
        if prepare:
            with self._env() as env:
                prepare(env["account.move"].browse(doc.move_id.id))
        move = user["account.move"].browse(doc.move_id.id)
        self.assertEqual(move.service_order_state, "processing")  # the user's snapshot
        doc._run_pending_action(maybe_sent=claim.maybe_sent)
        self.assertTrue(doc._erp_finish_claim(claim, with_commit=True))
        return move

    def _quietly_refused(self, action):
        """Issue 20.3: no "could not serialize" in the server log. The action meets the worker's
        commit at its first statement, quietly (Odoo runs the request again), never in a flush."""
        with (
            self.assertNoLogs("odoo.sql_db", level="ERROR"),
            self.assertRaises(psycopg2.errors.SerializationFailure),
        ):
            action()

    def test_a_reset_after_a_workers_commit_is_refused_quietly_and_done_again(self):
        (user,) = self._cursors(1)
        move = self._worker_commits_while_user_began(user)
        self._quietly_refused(move.button_draft)
        user.cr.rollback()
        user["account.move"].browse(move.id).button_draft()  # Odoo's retry: a new transaction
        user.cr.commit()
        doc = user["account.move"].browse(move.id).erp_document_ids
        self.assertEqual((doc.state, doc.pending_action), ("processing", "cancel"))

    def test_a_credit_note_posted_after_a_workers_commit_is_refused_quietly(self):
        (user,) = self._cursors(1)
        refunds = []
        move = self._worker_commits_while_user_began(
            user, prepare=lambda invoice: refunds.append(invoice._reverse_moves(cancel=False).id)
        )
        self._quietly_refused(user["account.move"].browse(refunds[0]).action_post)
        user.cr.rollback()
        user["account.move"].browse(refunds[0]).action_post()  # Odoo's retry
        user.cr.commit()
        doc = user["account.move"].browse(move.id).erp_document_ids
        self.assertEqual((doc.state, doc.pending_action), ("processing", "cancel"))

    def test_a_read_back_that_meets_a_users_change_is_postponed_quietly(self):
        """The read-back reads VHSYS for seconds; a user resets an invoice it is reading meanwhile.
        Its run is postponed (the next one reads again) without a "could not serialize" in the
        log: it locks what it writes first, quietly, instead of meeting the change in a flush."""
        with self._env() as env:
            env["tecpet.erp.document"]._push_batch(batch_size=50, with_commit=True)
            integration = env["tecpet.erp.integration"].browse(self.integration_id)
            env["tecpet.erp.document"]._refresh_integration(integration, with_commit=True)  # its cursor
            doc = env["tecpet.erp.document"].browse(self.doc_ids[0])
            paid, cursor = (doc.doc_type, doc.external_id, doc.move_id.id), integration.refresh_cursor
        self.sandbox.control("pay", {"provider": "vhsys", "doc_type": paid[0], "id": paid[1]})
        read = VhsysReader.fetch_changes

        def read_while_a_user_resets(reader, refs, since):
            changes = read(reader, refs, since)
            with self._env() as env:
                env["account.move"].browse(paid[2]).button_draft()
            return changes

        (refresher,) = self._cursors(1)
        docs = refresher["tecpet.erp.document"]
        with (
            patch.object(VhsysReader, "fetch_changes", read_while_a_user_resets),
            self.assertNoLogs("odoo.sql_db", level="ERROR"),
        ):
            docs._erp_refresh_committing(
                docs, docs.env["tecpet.erp.integration"].browse(self.integration_id), None
            )
        with self._env() as env:
            doc = env["tecpet.erp.document"].browse(self.doc_ids[0])
            self.assertEqual((doc.state, doc.pending_action), ("processing", "cancel"), "the user's reset")
            self.assertEqual(doc.integration_id.refresh_cursor, cursor, "postponed: read again next run")


@tagged("post_install", "-at_install")
class TestReadBackWaiting(BaseCase):
    """What a push callback asks before it hands its cron worker over: is the read-back due and
    not running? Asked of the committed state, as another cron worker's push would."""

    def test_the_read_back_waits_when_due_and_not_running(self):
        db = get_db_name()

        def env_of(cr):
            return api.Environment(cr, SUPERUSER_ID, {})

        with db_connect(db).cursor() as cr:
            cron = env_of(cr).ref("tecpet_erp_sync.ir_cron_refresh_status")
            saved = cron.nextcall
            cron.nextcall = fields.Datetime.now() + timedelta(hours=1)
            cron.flush_recordset()

        def restore():
            with db_connect(db).cursor() as cr:
                env_of(cr).ref("tecpet_erp_sync.ir_cron_refresh_status").nextcall = saved
                cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [cron.id])

        self.addCleanup(restore)
        with db_connect(db).cursor() as cr:
            docs = env_of(cr)["tecpet.erp.document"]
            self.assertFalse(docs._erp_refresh_waiting(), "not due")
            env_of(cr).ref("tecpet_erp_sync.ir_cron_refresh_status")._trigger()  # a webhook
        with db_connect(db).cursor() as cr, db_connect(db).cursor() as running:
            docs = env_of(cr)["tecpet.erp.document"]
            self.assertTrue(docs._erp_refresh_waiting(), "triggered: due")
            running.execute("SELECT id FROM ir_cron WHERE id = %s FOR NO KEY UPDATE", [cron.id])
            self.assertFalse(docs._erp_refresh_waiting(), "a cron worker runs it")
            running.rollback()
