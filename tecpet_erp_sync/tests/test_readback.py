# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The read-back under load (issue 20 points 3 and 6, issue 21 N13, N21, N25): run statistics in
rows of their own, a time budget with a commit per chunk, a sweep that reads only what no list
shows within a daily budget, explicit re-checks first, and parameters that cannot break a cron.
Against the VHSYS sandbox over HTTP."""

import datetime as dt
import re
from datetime import timedelta
from unittest.mock import patch

from odoo import fields, sql_db
from odoo.modules.migration import load_script
from odoo.tests import HttpCase, tagged
from odoo.tools import file_path, mute_logger

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from ..erp.common import BRT
from ..models import tecpet_erp_document_refresh as refresh_job
from ..models.erp_params import number_param
from . import test_bling
from .common import ErpSyncCommon
from .test_production import count_integration_updates

REFRESH_CRON = "tecpet_erp_sync.ir_cron_refresh_status"
PARAMS = "tecpet_erp_sync."


class ReadBackCommon(ErpSyncCommon):
    def setUp(self):
        super().setUp()
        # What the ERP holds was last changed an hour ago: the lists since a cursor taken now
        # show only what a test changes after ``_now_in_the_erp()``.
        self.sandbox.control("clock", {"provider": "vhsys", "offset_seconds": -3600})

    def _now_in_the_erp(self):
        self.sandbox.control("clock", {"provider": "vhsys", "offset_seconds": 0})

    def _nothing_listed(self):
        """The next run's lists start after everything the ERP changed (a cursor ahead of it)."""
        self.integration.refresh_cursor = (dt.datetime.now(BRT) + timedelta(hours=2)).isoformat()

    def _pushed(self, count=1, **kwargs):
        moves = self.env["account.move"].browse()
        for _index in range(count):
            moves |= self._invoice(**kwargs)
        self._run_push()
        return moves

    def _reads(self, docs, since=0):
        """GET requests of each document (VHSYS: ``/ordens-servico/{id}``) after log index ``since``."""
        paths = [r["path"] for r in self.sandbox.requests_log("vhsys")[since:] if r["method"] == "GET"]
        return {doc.id: sum(1 for p in paths if p.endswith(f"/{doc.external_id}")) for doc in docs}

    def _set_param(self, name, value):
        self.env["ir.config_parameter"].sudo().set_param(PARAMS + name, value)

    def _aged(self, docs, hours):
        docs.write({"last_sync_at": fields.Datetime.now() - timedelta(hours=hours)})

    def _settled(self, moves):
        """Their documents read once (the first read sets the cursor)."""
        self._run_refresh()
        self.assertTrue(self.integration.refresh_cursor)
        return moves.erp_document_ids.sorted("id")

    def _run(self, kind):
        return self.integration.run_ids.filtered(lambda run: run.kind == kind)


@tagged("post_install", "-at_install")
class TestRunStatistics(ReadBackCommon):
    def test_a_push_run_never_writes_the_integration_row(self):
        """Push callbacks end every few seconds per worker: their statistics on the integration
        row made the read-back (which writes its cursor there) fail to serialize (N4)."""
        updates = count_integration_updates(self.env)
        self._invoice()
        self.env["tecpet.erp.document"]._cron_push_documents()
        self.env["tecpet.erp.integration"]._erp_record_push_run()  # an idle run too
        self.assertEqual(updates(), 0, "the push never writes the integration row")
        push = self._run("push")
        self.assertTrue(push.last_at)
        self.assertEqual(push.requests_today, len(self.sandbox.requests_log()))
        self.assertEqual(self.integration.requests_today, push.requests_today)
        self.assertFalse(self._run("refresh"), "the read-back's row is another one")

    def test_run_statistics_are_committed_on_a_cursor_of_their_own(self):
        """Not one statement of the job's transaction touches the statistics: they are written,
        and committed, on a cursor of their own (a test cursor here, a connection in production)."""
        self._pushed()
        self._run_refresh()
        own = []  # statements of the cursors registry.cursor() gives (test cursors in this test)
        original = sql_db.TestCursor.execute

        def execute(cr, query, *args, **kwargs):
            own.append(str(query))
            return original(cr, query, *args, **kwargs)

        with patch.object(sql_db.TestCursor, "execute", execute):
            self.env["tecpet.erp.integration"]._erp_record_push_run()
            self.integration._erp_record_run("refresh", "")
        self.assertNotIsInstance(self.env.cr, sql_db.TestCursor, "the job's own cursor is another one")
        written = [q for q in own if re.search(r"INSERT INTO tecpet_erp_integration_run", q)]
        self.assertEqual(len(written), 2, "one note per run, on a cursor of its own")
        self.assertTrue(any("pg_advisory_lock" in q for q in own), "under the integration's lock")
        self.assertEqual(sorted(self.integration.run_ids.mapped("kind")), ["push", "refresh"])

    def test_a_successful_check_clears_the_stale_problems(self):
        """The overview kept a red "refuses the credentials" beside a green OK after the
        credentials were fixed (issue 22.7): a check that succeeds ends the runs' problems."""
        self.sandbox.control("faults", {"fault": "revoked_token", "provider": "vhsys"})
        self._invoice()
        self.env["tecpet.erp.document"]._cron_push_documents()
        self.assertTrue(self.integration.auth_failed)
        self.assertIn("credentials", self.integration.last_push_message)
        self.assertTrue(self.integration.down_since)
        self.sandbox.control("restore_credentials", {"provider": "vhsys"})
        self.integration.action_test_connection()
        self.assertTrue(self.integration.last_check_ok)
        self.assertTrue(self.integration.last_check_at)
        self.assertFalse(self.integration.last_push_message)
        self.assertFalse(self.integration.down_since)

    def test_a_run_the_erp_answered_ends_the_outage(self):
        integration = self.integration
        integration._erp_record_run("refresh", "The ERP did not answer.")
        since = integration.down_since
        self.assertTrue(since)
        self.assertEqual(integration.search([("down_since", "!=", False)]), integration)
        integration._erp_record_run("push", None)  # a run that cannot tell changes nothing
        self.assertEqual(integration.down_since, since)
        integration._erp_record_run("push", "")  # it answered the push since
        self.assertFalse(integration.down_since)
        self.assertEqual(integration.last_refresh_message, "The ERP did not answer.")
        self.assertFalse(integration.search([("down_since", "!=", False)]))

    def test_error_counter_counts_live_documents_once(self):
        """The integrations' list shows archived ones (active_test off): the error counter
        counted archived documents too (11 beside the overview's 6) and listed them (issue 22.7)."""
        first, second = self._invoice(partner=self.bad_customer), self._invoice(partner=self.bad_customer)
        self._run_push()
        second.erp_document_ids.active = False  # replaced by a later posting
        integration = self.integration.with_context(active_test=False)
        integration.invalidate_recordset()
        self.assertEqual(integration.error_document_count, 1)
        self.assertEqual(integration.count_error_data, 1)
        action = integration.action_open_documents()
        self.assertTrue(action["context"]["active_test"])
        listed = self.env["tecpet.erp.document"].with_context(**action["context"]).search(action["domain"])
        self.assertEqual(listed, first.erp_document_ids)
        by_state = integration.with_context(erp_error_kind="data").action_open_documents_by_state()
        self.assertTrue(by_state["context"]["active_test"])

    def test_the_overview_says_it_counts_documents_and_shows_the_sweep_budget(self):
        arch = self.env["tecpet.erp.integration"].get_views([(False, "kanban")])["views"]["kanban"]["arch"]
        self.assertIn("ERP documents (an invoice with services and goods has two)", arch)
        self.assertIn('name="sweep_calls_today"', arch)
        self.assertEqual(self.integration.sweep_daily_calls, 10_000)
        # Issue 18.3: the VHSYS NFS-e environment shows on the overview while it is the test one.
        self.assertIn("vhsys_nfse_environment != 'homologation'", arch)


@tagged("post_install", "-at_install")
class TestReadBackBudget(CronMixinCase, ReadBackCommon):
    def test_no_time_left_commits_the_first_chunk_and_hands_over(self):
        """With its time budget spent from the start, a run still reads the changes listed since
        the cursor and one chunk of the sweep, each committed with its progress, then hands over."""
        moves = self._pushed(5)
        docs = self._settled(moves)
        self._set_param("sweep_age_hours", "0")
        self._now_in_the_erp()
        self._erp_act(docs[4], "pay")  # listed by the receivables: read by the incremental part
        cursor = (dt.datetime.now(BRT) - timedelta(minutes=30)).isoformat()
        self.integration.refresh_cursor = cursor
        commits = []
        since = len(self.sandbox.requests_log("vhsys"))

        def commit():
            self.env.flush_all()
            commits.append((self.integration.refresh_cursor, self._reads(docs, since), docs.mapped("state")))

        Doc = type(self.env["tecpet.erp.document"])
        with (
            patch.object(refresh_job, "READ_CHUNK", 2),
            patch.object(Doc, "_erp_cron_time_budget", return_value=0.0),
            patch.object(type(self.env["account.move"]), "_can_commit", return_value=True),
            patch.object(self.env.cr, "commit", side_effect=commit),
            self.capture_triggers(REFRESH_CRON) as capture,
        ):
            self.env["tecpet.erp.document"]._cron_refresh_status()
        self.env.invalidate_all()
        self.assertEqual(len(capture.records), 1, "the rest handed over with _trigger()")
        self.assertGreaterEqual(len(commits), 2)
        moved, listed, states = commits[0]
        self.assertNotEqual(moved, cursor, "the cursor is committed with the listed changes")
        self.assertEqual(list(listed.values()), [0] * 5, "read from the lists alone")
        self.assertEqual(states, ["open"] * 4 + ["fulfilled"])
        self.assertEqual(list(commits[1][1].values()), [1, 1, 0, 0, 0], "then one chunk of the sweep")
        self.assertEqual(commits[1][0], moved)
        self.assertEqual(self._reads(docs, since), commits[-1][1], "nothing read after it")
        self.assertServiceOrderState(moves[4], "fulfilled")
        self.assertGreaterEqual(self._run("refresh").sweep_calls, 2, "the chunk's calls counted at once")

    def test_the_least_recently_read_integration_goes_first(self):
        other_company = self.setup_other_company()["company"]
        other = self._create_integration(other_company, "vhsys")
        self._pushed()
        order = []
        Doc = type(self.env["tecpet.erp.document"])
        original = Doc._refresh_integration

        def refresh(model, integration, **kwargs):
            order.append(integration)
            return original(model, integration, **kwargs)

        with (
            patch.object(Doc, "_refresh_integration", refresh),
            patch.object(Doc, "_erp_cron_time_budget", return_value=0.0),  # one integration a run
        ):
            for _run in range(3):
                self.env["tecpet.erp.document"]._cron_refresh_status()
        self.assertEqual(set(order[:2]), {self.integration, other}, "the second run reads the other one")
        self.assertEqual(order[2], order[0], "then the first again")


@tagged("post_install", "-at_install")
class TestSweep(ReadBackCommon):
    def test_only_documents_that_can_change_silently_are_read_every_few_hours(self):
        """Open documents are listed when paid, done or cancelled: read again after a week (a
        deletion). Paid service orders wait for an NFS-e no list shows: every 6 hours."""
        moves = self._pushed(3)
        opened, paid, failed = moves.erp_document_ids.sorted("id")
        self._erp_act(paid, "pay")
        self._settled(moves)
        self.assertEqual(paid.state, "fulfilled")
        failed.write({"state": "error"})  # a rejected note, sent again in the ERP meanwhile
        docs = opened | paid | failed
        self._aged(docs, 7)
        since = len(self.sandbox.requests_log("vhsys"))
        self._run_refresh()
        self.assertEqual(self._reads(docs, since), {opened.id: 0, paid.id: 1, failed.id: 1})
        self.assertEqual(failed.state, "open", "read back: the ERP has it open")
        self._aged(opened | paid, 24 * 7 + 1)
        self._aged(failed, 24 * 7 - 1)
        since = len(self.sandbox.requests_log("vhsys"))
        self._run_refresh()
        self.assertEqual(self._reads(docs, since), {opened.id: 1, paid.id: 1, failed.id: 0}, "a week")

    def test_the_daily_budget_stops_the_sweep_but_not_the_rechecks(self):
        moves = self._pushed(4)
        docs = self._settled(moves)
        self._set_param("sweep_age_hours", "0")
        # A VHSYS document is read back with one call once the lists are made: two calls a day
        # let the re-check and one more document through, not all four.
        self._set_param("sweep_daily_calls", "2")
        docs[3].recheck = True
        since = len(self.sandbox.requests_log("vhsys"))
        self._run_refresh()
        first = self._reads(docs, since)
        spent = self.integration.sweep_calls_today
        self.assertTrue(0 < spent < len(self.sandbox.requests_log("vhsys")[since:]), "sweep calls counted")
        self.assertEqual(first[docs[3].id], 1, "the re-check goes first")
        self.assertEqual(sorted(first.values())[-2:], [1, 1], "then what the budget allows")
        self.assertEqual(sorted(first.values())[0], 0, "and no more")
        self.assertLessEqual(spent, 2, "within the budget (each read is sized by the last ones)")
        docs[2].recheck = True
        since = len(self.sandbox.requests_log("vhsys"))
        self._run_refresh()
        self.assertEqual(
            self._reads(docs, since), {docs[0].id: 0, docs[1].id: 0, docs[2].id: 1, docs[3].id: 0}
        )
        self.assertGreater(self.integration.sweep_calls_today, spent, "counted, beyond the budget")

    def test_an_explicit_recheck_reads_an_issued_document_whatever_its_age(self):
        """N13: a note cancelled in the ERP more than note_final_days after issue left the reset
        refused forever: the re-check the refusal asks for is now read."""
        move = self._pushed()
        doc = move.erp_document_ids
        self._erp_act(doc, "pay", "issue")
        self._run_refresh()
        self.assertEqual(doc.state, "issued")
        doc.issued_at = fields.Datetime.now() - timedelta(days=60)
        self.assertFalse(doc.search(doc._read_back_domain(self.integration)), "final: no longer read")
        self._erp_act(doc, "cancel_note")
        with self.assertRaises(Exception):  # noqa: B017 - the refusal, whatever its class
            move.button_draft()
        doc.recheck = True  # what the refusal asked for (its own transaction rolled back here)
        self._run_refresh()
        self.assertNotEqual(doc.state, "issued")
        self.assertFalse(doc.recheck)

    def test_an_unreadable_document_is_read_again_at_the_next_run(self):
        """N21: the docs promised a retry at the next run; the code waited for the sweep (6 h)."""
        moves = self._pushed(2)
        bad, good = self._settled(moves)
        self._now_in_the_erp()
        self._erp_act(bad, "pay")
        self._nothing_listed()  # the sweep, not a list, reads it
        self._set_param("sweep_age_hours", "0")
        self.sandbox.faults.add(
            fault="garbage",
            provider="vhsys",
            method="GET",
            path=f"^/ordens-servico/{bad.external_id}$",
            count=1,
        )
        with mute_logger("odoo.addons.tecpet_erp_sync.erp.common"):
            self._run_refresh()
        self.assertTrue(bad.read_error)
        self.assertEqual((bad.state, good.state), ("open", "open"))
        self.assertTrue(bad.recheck, "read again at the next run")
        self._set_param("sweep_age_hours", "6")  # not due by its age
        self._nothing_listed()
        since = len(self.sandbox.requests_log("vhsys"))
        self._run_refresh()
        self.assertEqual(self._reads(bad | good, since), {bad.id: 1, good.id: 0})
        self.assertEqual(bad.state, "fulfilled")
        self.assertFalse(bad.read_error)


@tagged("post_install", "-at_install")
class TestParamsAndMigration(ReadBackCommon):
    def test_a_parameter_that_is_not_a_number_falls_back_with_a_warning(self):
        """N25: a typo in a system parameter made every cron run fail with a traceback."""
        cases = {
            "sweep_limit": ("many", 100),
            "sweep_age_hours": ("6h", 6.0),
            "note_final_days": ("30 days", 30),
            "sweep_daily_calls": ("nan", 10_000),
        }
        for name, (typo, _default) in cases.items():
            self._set_param(name, typo)
        self._pushed()
        with self.assertLogs("odoo.addons.tecpet_erp_sync.models.erp_params", "WARNING") as logs:
            self.env["tecpet.erp.document"]._cron_refresh_status()
            for name, (_typo, default) in cases.items():
                kind = float if isinstance(default, float) else int
                self.assertEqual(number_param(self.env, PARAMS + name, default, kind=kind), default)
        self.assertTrue(self.integration.refresh_cursor, "the run went through")
        self.assertTrue(any("sweep_limit" in line and "not a number" in line for line in logs.output))
        self._set_param("consistency_wait", "a moment")
        with self.assertLogs("odoo.addons.tecpet_erp_sync.models.erp_params", "WARNING"):
            move = self._pushed()
        self.assertServiceOrderState(move, "open")  # not an internal error on every document
        self._set_param("sweep_limit", "-5")
        with self.assertLogs("odoo.addons.tecpet_erp_sync.models.erp_params", "WARNING"):
            self.assertEqual(number_param(self.env, PARAMS + "sweep_limit", 100, minimum=1), 1)
        self._set_param("sweep_limit", " 250 ")
        self.assertEqual(number_param(self.env, PARAMS + "sweep_limit", 100, minimum=1), 250)

    def test_a_huge_system_parameter_is_bounded(self):
        """N25, found by the bad-input campaign (bench/bad_settings.py): milliseconds typed as the
        consistency wait (650) held the push for 11 minutes per order, 1e30 failed every send, and a
        30-digit history size failed the push with a traceback."""
        self._set_param("consistency_wait", "650")
        with self.assertLogs("odoo.addons.tecpet_erp_sync.models.erp_params", "WARNING") as logs:
            self.assertEqual(self.integration._client_settings()["consistency_wait"], 5.0)
        self._set_param("consistency_wait", "0")  # the sandbox needs no wait
        self._set_param("attempt_history_size", "9" * 30)
        with self.assertLogs("odoo.addons.tecpet_erp_sync.models.erp_params", "WARNING") as more:
            move = self._pushed()
        self.assertServiceOrderState(move, "open")
        self.assertTrue(move.erp_document_ids.attempt_ids, "the history kept")
        self.assertTrue(all(any("out of range" in line for line in log.output) for log in (logs, more)))

    def test_the_upgrade_backfills_issue_dates_and_moves_the_run_statistics(self):
        """N13: databases upgraded from 18.0.1.0.0 had issued documents without ``issued_at``,
        never read again. The run statistics leave the integration row for rows of their own."""
        move = self._pushed()
        doc = move.erp_document_ids
        self._erp_act(doc, "pay", "issue")
        self._run_refresh()
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("UPDATE tecpet_erp_document SET issued_at = NULL WHERE id = %s", [doc.id])
        cr.execute("DELETE FROM tecpet_erp_integration_run")
        cr.execute(
            "ALTER TABLE tecpet_erp_integration ADD COLUMN last_push_at timestamp, "
            "ADD COLUMN last_push_message varchar, ADD COLUMN last_refresh_at timestamp, "
            "ADD COLUMN last_refresh_message varchar, ADD COLUMN down_since timestamp, "
            "ADD COLUMN requests_day date, ADD COLUMN requests_today int"
        )
        cr.execute(
            "UPDATE tecpet_erp_integration SET last_push_at = now() AT TIME ZONE 'UTC', "
            "last_push_message = 'old problem', requests_day = CURRENT_DATE, requests_today = 7 "
            "WHERE id = %s",
            [self.integration.id],
        )
        refresh_cron = self.env.ref("tecpet_erp_sync.ir_cron_refresh_status")
        cr.execute("UPDATE ir_cron SET priority = 5 WHERE id = %s", [refresh_cron.id])  # as 18.0.1.1.0 had it
        script = load_script(
            file_path("tecpet_erp_sync/migrations/18.0.1.2.0/post-migration.py"), "tecpet_erp_sync_1_2_0"
        )
        script.migrate(cr, "18.0.1.1.0")
        script.migrate(cr, "18.0.1.1.0")  # a retried upgrade breaks nothing
        self.env.invalidate_all()
        self.assertEqual(doc.issued_at, doc.write_date)
        self.assertTrue(doc.search(doc._read_back_domain(self.integration)), "read back again")
        self.assertEqual(self.integration.last_push_message, "old problem")
        self.assertEqual(self._run("push").requests_today, 7)
        cr.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'tecpet_erp_integration' AND column_name = 'last_push_at'"
        )
        self.assertEqual(cr.fetchone()[0], 0, "the old columns are gone")
        self.assertEqual(refresh_cron.priority, 4, "the read-back goes ahead of the push workers")


@tagged("post_install", "-at_install")
class TestBlingConnectCheck(ErpSyncCommon, HttpCase):
    provider = "bling"

    def test_connect_sets_the_check_date_and_clears_the_refusal(self):
        """After Connect to Bling the check's date stayed empty beside a ticked "Last Check
        Succeeded", and the runs kept saying the credentials were refused (issue 22.7)."""
        self.integration._erp_record_run("push", "The ERP refused the credentials (HTTP 401).")
        self.assertTrue(self.integration.down_since)
        response, _callback = test_bling.TestBling._connect(self)
        self.assertEqual(response.status_code, 303)
        self.integration.invalidate_recordset()
        self.assertTrue(self.integration.last_check_ok)
        self.assertTrue(self.integration.last_check_at, "set together with the result")
        self.assertFalse(self.integration.last_push_message)
        self.assertFalse(self.integration.down_since)


@tagged("post_install", "-at_install")
class TestBlingReadBackUnderABacklog(ErpSyncCommon):
    """Behind a Bling push backlog every new order is "changed" and each costs reads at 3
    requests a second: the incremental step reads a chunk, the payments first, and leaves the
    others to the sweep as re-checks (read in committed chunks within the cron's time)."""

    provider = "bling"

    def setUp(self):
        super().setUp()
        self._connect_bling()

    def test_payments_are_read_first_and_the_rest_become_rechecks(self):
        moves = self.env["account.move"].browse()
        for _index in range(4):
            moves |= self._invoice()
        self.integration.refresh_cursor = (dt.datetime.now(dt.timezone.utc) - timedelta(hours=1)).isoformat()
        self._run_push()  # four orders created since the cursor: all listed as changed
        paid = moves[-1].erp_document_ids
        self._erp_act(paid, "pay")
        with (
            patch.object(refresh_job, "READ_CHUNK", 1),
            patch.object(type(self.env["tecpet.erp.document"]), "_erp_sweep", return_value=(0, False)),
        ):
            self.env["tecpet.erp.document"]._refresh_integration(self.integration)
        self.assertServiceOrderState(moves[-1], "fulfilled")
        others = (moves - moves[-1]).erp_document_ids
        self.assertEqual(others.mapped("recheck"), [True] * 3, "listed, not read: re-checks for the sweep")
        self._run_refresh()  # the sweep reads them
        self.assertEqual(others.mapped("recheck"), [False] * 3)
