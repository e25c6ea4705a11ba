# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What production changes about the jobs (issue 11): tokens in a row of their own, the Connect
callback run twice, neutralized copies, errors that fail one document instead of the company,
the daily quota, the cron's time limit and the jobs' language. Against the sandbox over HTTP.

The served tier (tools/served_test.py) proves the same with a real multi-process server."""

import datetime as dt
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.modules.migration import load_script
from odoo.modules.neutralize import get_installed_modules, get_neutralization_queries, neutralize_database
from odoo.tests import new_test_user, tagged
from odoo.tools import config, file_path

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from ..erp.http import seconds_until_quota_reset
from ..models import tecpet_erp_document_refresh as refresh_job
from .common import ErpSyncCommon, load_pt_br

PUSH_CRON = "tecpet_erp_sync.ir_cron_push_documents"
REFRESH_CRON = "tecpet_erp_sync.ir_cron_refresh_status"


def _issue_tokens(env_owner, client_id="sandbox-client"):
    issued = env_owner.sandbox.control("issue_tokens", {"provider": "bling", "client_id": client_id})
    return {
        "bling_access_token": issued["access_token"],
        "bling_refresh_token": issued["refresh_token"],
        "bling_token_expires_at": fields.Datetime.now() + dt.timedelta(hours=6),
    }


def count_integration_updates(env):
    """Count, from now on, the updates of integration rows (a trigger, in the test's transaction);
    returns the function that tells how many so far."""
    env.flush_all()
    env.cr.execute(
        """
        CREATE TABLE tecpet_test_integration_updates (id int);
        CREATE FUNCTION tecpet_test_count_update() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN INSERT INTO tecpet_test_integration_updates VALUES (NEW.id); RETURN NEW; END $$;
        CREATE TRIGGER tecpet_test_integration_update AFTER UPDATE ON tecpet_erp_integration
            FOR EACH ROW EXECUTE FUNCTION tecpet_test_count_update();
        """
    )

    def updates():
        env.flush_all()
        env.cr.execute("SELECT count(*) FROM tecpet_test_integration_updates")
        return env.cr.fetchone()[0]

    return updates


class ProductionCommon(ErpSyncCommon):
    def _diagnose(self, move):
        doc = move.erp_document_ids
        calls = [(r["method"], r["path"], r["status"]) for r in self.sandbox.requests_log()]
        return f"{doc.read(['state', 'error_message', 'attempts', 'next_attempt_at'])} calls: {calls}"


@tagged("post_install", "-at_install")
class TestNeutralize(ErpSyncCommon):
    provider = "bling"

    def test_neutralized_copy_keeps_no_active_integration_and_no_secret(self):
        self.integration.write({**_issue_tokens(self), "vhsys_webhook_password": "long-password"})
        other = self.setup_other_company()["company"]
        vhsys = self._create_integration(other, "vhsys")
        self.env.flush_all()
        ours = list(get_neutralization_queries(["tecpet_erp_sync"]))
        self.assertEqual(len(ours), 1, "data/neutralize.sql is shipped")
        self.assertIn(ours[0], list(get_neutralization_queries(get_installed_modules(self.env.cr))))

        neutralize_database(self.env.cr)  # what odoo-bin neutralize and a neutralized duplicate run
        self.env.invalidate_all()

        integrations = (self.integration | vhsys).with_context(active_test=False)
        self.assertEqual(integrations.mapped("active"), [False, False])
        self.assertEqual(integrations.mapped("neutralized"), [True, True])
        for integration in integrations:
            for name in (
                "vhsys_access_token",
                "vhsys_secret_token",
                "bling_client_secret",
                "vhsys_webhook_password",
            ):
                self.assertFalse(integration[name], name)
            self.assertFalse(integration.bling_refresh_token or integration.bling_access_token)
            self.assertFalse(integration.bling_connected)
        self.env.cr.execute("SELECT count(*) FROM tecpet_erp_bling_token")
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        # The push finds nothing to send, so nothing reaches the (production) ERP.
        self._invoice()
        self._run_push()
        self.assertEqual(self.sandbox.requests_log(), [])

    def test_the_form_says_the_copy_was_neutralized(self):
        arch = self.env["tecpet.erp.integration"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('invisible="not neutralized"', arch)
        self.assertIn("neutralized copy", arch)
        self.integration.write({"neutralized": True, "active": False})
        self.integration.active = True  # activated again on purpose: the banner goes
        self.assertFalse(self.integration.neutralized)


@tagged("post_install", "-at_install")
class TestBlingTokenRow(ProductionCommon):
    provider = "bling"

    def test_tokens_are_not_columns_of_the_integration(self):
        self.env.cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'tecpet_erp_integration' AND column_name LIKE %s",
            ["%token%"],
        )
        self.assertEqual(
            sorted(r[0] for r in self.env.cr.fetchall()), ["vhsys_access_token", "vhsys_secret_token"]
        )

    def test_an_upgrade_moves_the_old_token_columns_into_the_token_row(self):
        cr = self.env.cr
        cr.execute(
            "ALTER TABLE tecpet_erp_integration ADD COLUMN bling_access_token varchar, "
            "ADD COLUMN bling_refresh_token varchar, ADD COLUMN bling_token_expires_at timestamp"
        )
        expires = fields.Datetime.now().replace(microsecond=0) + dt.timedelta(hours=5)
        cr.execute(
            "UPDATE tecpet_erp_integration SET bling_access_token = 'old-access', "
            "bling_refresh_token = 'old-refresh', bling_token_expires_at = %s WHERE id = %s",
            [expires, self.integration.id],
        )
        path = file_path("tecpet_erp_sync/migrations/18.0.1.1.0/post-migration.py")
        script = load_script(path, "tecpet_erp_sync_post_migrate")
        script.migrate(cr, "18.0.1.0.0")
        script.migrate(cr, "18.0.1.0.0")  # run twice (a retried upgrade): nothing breaks
        self.env.invalidate_all()
        self.assertEqual(
            (self.integration.bling_access_token, self.integration.bling_refresh_token),
            ("old-access", "old-refresh"),
        )
        self.assertEqual(self.integration.bling_token_expires_at, expires)
        self.assertTrue(self.integration.bling_connected, "still connected after the upgrade")
        self.test_tokens_are_not_columns_of_the_integration()  # the clear-text columns are gone

    def test_a_token_refresh_never_writes_the_integration_row(self):
        self.integration.write(_issue_tokens(self))
        updates = count_integration_updates(self.env)
        old = self.integration.bling_access_token
        self.sandbox.control("expire_tokens", {"provider": "bling"})  # the next call answers 401
        self.integration._erp_client().test_connection()
        calls = [(r["path"], r["status"]) for r in self.sandbox.requests_log("bling")]
        self.assertEqual(
            calls[:3],
            [("/empresas/me/dados-basicos", 401), ("/oauth/token", 200), ("/empresas/me/dados-basicos", 200)],
        )
        self.assertEqual(self.sandbox.control("state", {})["bling"]["oauth"]["refreshes"], 1)
        self.integration.invalidate_recordset()
        self.assertNotEqual(self.integration.bling_access_token, old, "the new pair is in the token row")
        self.assertFalse(self.integration.auth_failed)
        self.assertEqual(updates(), 0, "a token save never touches the integration row")

    def test_credential_buttons_are_for_administrators_only(self):
        billing = new_test_user(
            self.env, login="billing-prod", groups="account.group_account_invoice", company_id=self.company.id
        )
        for button in ("action_test_connection", "action_bling_connect"):
            with self.assertRaises(AccessError):
                getattr(self.integration.with_user(billing), button)()
        self.assertEqual(self.sandbox.requests_log(), [], "refused before any ERP call")
        self.integration.invalidate_recordset()
        self.assertFalse(self.integration.sudo().bling_oauth_state)


@tagged("post_install", "-at_install")
class TestOneDocumentNotTheCompany(ProductionCommon):
    provider = "bling"

    def test_missing_bling_scope_fails_the_document_not_the_integration(self):
        self.sandbox.control(
            "register_app",
            {
                "provider": "bling",
                "client_id": "narrow",
                "client_secret": "narrow-secret",
                "scopes": "empresas,situacoes,formas,pedidos,produtos,contas,nfe,nfse",
            },
        )
        self.integration.write(
            {
                "bling_client_id": "narrow",
                "bling_client_secret": "narrow-secret",
                **_issue_tokens(self, "narrow"),
            }
        )
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        self.assertEqual((doc.state, doc.error_kind), ("error", "connection"), self._diagnose(move))
        self.assertIn("Contatos", doc.error_message)
        self.assertFalse(self.integration.auth_failed, "the credentials are fine")

    def test_daily_quota_moves_documents_after_the_reset_without_calls(self):
        self.integration.write(_issue_tokens(self))
        self.sandbox.control("faults", {"fault": "daily_quota", "provider": "bling", "count": 1})
        moves = self._invoice() + self._invoice() + self._invoice()
        with patch.object(type(self.env["ir.cron"]), "_notify_progress") as progress:
            self.env["tecpet.erp.document"]._cron_push_documents()
        self.env.invalidate_all()
        self.assertEqual(progress.call_args.kwargs["done"], 0, "rate-limited documents are not done")
        self.assertEqual(len(self.sandbox.requests_log("bling")), 1, "one 429, then no hot retry")
        docs = moves.erp_document_ids
        self.assertEqual(set(docs.mapped("state")), {"processing"})
        self.assertEqual(set(docs.mapped("attempts")), {0}, "no attempt spent")
        reset = fields.Datetime.now() + dt.timedelta(seconds=seconds_until_quota_reset() - 120)
        self.assertTrue(all(d.next_attempt_at >= reset for d in docs), "next attempt after the reset")


@tagged("post_install", "-at_install")
class TestVhsysFiscalRefusal(ErpSyncCommon):
    def test_nfse_rejection_403_fails_the_document_not_the_integration(self):
        _move, doc = self._paid_with_note_to_issue()
        self.sandbox.control(
            "nfse_reject",
            {"provider": "vhsys", "message": "Prestador não autorizado: token da prefeitura inválido"},
        )
        self._run_push()
        self.assertEqual((doc.state, doc.error_kind), ("error", "data"))
        self.assertIn("prefeitura", doc.error_message)
        self.assertFalse(self.integration.auth_failed)
        other = self._invoice()
        self._run_push()
        self.assertServiceOrderState(other, "open")


@tagged("post_install", "-at_install")
class TestCronLimits(CronMixinCase, ErpSyncCommon):
    def test_time_budget_follows_the_cron_limit(self):
        Doc = self.env["tecpet.erp.document"]
        with patch.dict(config.options, {"limit_time_real_cron": 300, "limit_time_real": 120}):
            self.assertEqual(Doc._erp_cron_time_budget(), 12.0)  # 40 % of 300 s over 10 callbacks
        with patch.dict(config.options, {"limit_time_real_cron": -1, "limit_time_real": 120}):
            self.assertEqual(Doc._erp_cron_time_budget(), 4.8)
        with patch.dict(config.options, {"limit_time_real_cron": 0, "limit_time_real": 0}):
            self.assertEqual(Doc._erp_cron_time_budget(), 240)
        with patch.dict(config.options, {"limit_time_real_cron": 100000}):
            self.assertEqual(Doc._erp_cron_time_budget(), 240)

    def test_push_hands_over_when_the_budget_is_spent(self):
        moves = self._invoice() + self._invoice()
        Doc = type(self.env["tecpet.erp.document"])
        with (
            patch.object(Doc, "_erp_cron_time_budget", return_value=0.0),
            self.capture_triggers(PUSH_CRON) as capture,
        ):
            self.env["tecpet.erp.document"]._cron_push_documents()
        self.env.invalidate_all()
        self.assertEqual(sorted(moves.mapped("service_order_state")), ["open", "processing"])
        self.assertEqual(len(capture.records), 1, "the rest is handed over with _trigger()")

    def test_push_hands_its_cron_worker_over_to_a_waiting_read_back(self):
        """Under a backlog, Odoo runs a push callback that reports more to do up to 10 times in a
        row (about 50 s) before its cron worker looks at other jobs: in the served tier payments
        waited two minutes behind three push workers. With the read-back due, a push run ends
        after its callback (Odoo: fully done) and is triggered to come back right after."""
        Doc = type(self.env["tecpet.erp.document"])
        self.env["ir.config_parameter"].sudo().set_param("tecpet_erp_sync.push_workers", "2")
        self.env["tecpet.erp.document"]._erp_sync_push_crons(2)
        second = self.env["tecpet.erp.document"]._erp_push_crons()[2]
        progress = []
        for waiting, worker, left, woken in ((False, 2, 1, []), (True, 2, 0, [second]), (True, 1, 0, None)):
            progress.clear()
            with (
                patch.object(Doc, "_push_batch", return_value=(4, 1)),
                patch.object(type(self.env["account.move"]), "_can_commit", staticmethod(lambda: True)),
                patch.object(Doc, "_erp_refresh_waiting", return_value=waiting),
                patch.object(
                    type(self.env["ir.cron"]), "_notify_progress", lambda _, **kw: progress.append(kw)
                ),
                self.capture_triggers() as capture,
            ):
                self.env["tecpet.erp.document"]._cron_push_documents(worker=worker)
            self.assertEqual(progress, [{"done": 4, "remaining": left}], f"read-back waiting: {waiting}")
            if woken is not None:
                self.assertEqual([t.cron_id for t in capture.records], woken)
            else:  # worker 1 also wakes worker 2 for the documents left
                self.assertIn(self.env.ref(PUSH_CRON), [t.cron_id for t in capture.records])

    def test_a_first_read_completes_across_runs_and_misses_nothing(self):
        """No cursor yet (a new integration, a large account): the read-back reads the documents
        a chunk at a time, commits its progress and hands over; the last chunk sets the cursor
        taken before the first, so a payment made in the ERP meanwhile is read by the next run."""
        moves = self._invoice() + self._invoice() + self._invoice() + self._invoice() + self._invoice()
        self._run_push()
        docs = moves.erp_document_ids.sorted("id")
        self.assertEqual(set(docs.mapped("state")), {"open"})
        Doc = type(self.env["tecpet.erp.document"])
        runs = []
        with (
            patch.object(refresh_job, "READ_CHUNK", 2),
            patch.object(Doc, "_erp_cron_time_budget", return_value=0.0),
            self.capture_triggers(REFRESH_CRON) as capture,
        ):
            while not self.integration.refresh_cursor and len(runs) < 5:
                seen = len(self.sandbox.requests_log("vhsys"))
                self.env["tecpet.erp.document"]._cron_refresh_status()
                self.env.invalidate_all()
                paths = [r["path"] for r in self.sandbox.requests_log("vhsys")[seen:] if r["method"] == "GET"]
                runs.append(sorted({p.split("/")[2] for p in paths if p.startswith("/ordens-servico/")}))
                if len(runs) == 1:
                    self.assertEqual(self.integration.first_read_done_id, docs[1].id, "progress kept")
                    self._erp_act(docs[0], "pay")  # after its chunk was read
        self.assertEqual(runs, [sorted(docs[i : i + 2].mapped("external_id")) for i in (0, 2, 4)])
        self.assertEqual(len(capture.records), 2, "each unfinished run handed over with _trigger()")
        self.assertFalse(self.integration.first_read_done_id)
        self._run_refresh()  # incremental, from the cursor taken before the first chunk
        self.assertEqual(docs[0].state, "fulfilled", "the payment made during the first read is seen")

    def test_push_workers_are_crons_of_odoos_scheduler(self):
        """N push workers (a system parameter) are N cron records: worker 1 makes the others
        exist, wakes as many as there are documents for, and retires them when N goes down."""
        Doc = self.env["tecpet.erp.document"]
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("tecpet_erp_sync.push_workers", "3")
        moves = self._invoice() + self._invoice() + self._invoice()
        with patch.object(type(Doc), "_push_batch", return_value=(0, 0)), self.capture_triggers() as capture:
            Doc._cron_push_documents()
        extras = Doc._erp_push_crons()
        self.assertEqual(sorted(extras), [2, 3])
        self.assertTrue(all(cron.active for cron in extras.values()))
        self.assertEqual(extras[3].code, "model._cron_push_documents(worker=3)")
        self.assertEqual(
            {t.cron_id for t in capture.records}, set(extras.values()), "both woken: 3 documents are due"
        )
        # Each worker pushes: worker 3 alone sends every due document (nothing else holds them).
        extras[3].method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(set(moves.mapped("service_order_state")), {"open"})
        params.set_param("tecpet_erp_sync.push_workers", "1")
        Doc._cron_push_documents()
        self.assertFalse(any(cron.active for cron in Doc._erp_push_crons().values()), "retired")
        move = self._invoice()
        Doc._cron_push_documents(worker=2)  # triggered before N went down: does nothing
        self.assertEqual(move.service_order_state, "processing")

    def test_an_invoices_documents_are_claimed_together(self):
        """The OS and the PV of one invoice go to one worker: finished by two at once, the later
        commit would be refused and its document redone (with a search by its marker)."""
        mixed = self._invoice(lines=[(self.service, 1, 80.0), (self.goods, 1, 150.0)])
        single = self._invoice()
        claimed = self.env["tecpet.erp.document"]._claim_next(with_commit=False)
        self.assertEqual(set(claimed), set(mixed.erp_document_ids))
        self.assertEqual(len(claimed), 2)
        self.assertEqual(
            list(self.env["tecpet.erp.document"]._claim_next(False)), list(single.erp_document_ids)
        )


@tagged("post_install", "-at_install")
class TestJobLanguage(ErpSyncCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_pt_br(cls.env)
        cls.company.partner_id.lang = "pt_BR"

    def test_job_messages_are_in_the_companys_language(self):
        move = self._invoice(partner=self.bad_customer)
        cron_env = self.env(context={})  # the cron's env: no lang
        self.assertFalse(cron_env.lang)
        cron_env["tecpet.erp.document"]._cron_push_documents()
        self.env.invalidate_all()
        doc = move.erp_document_ids
        self.assertEqual(doc.state, "error")
        self.assertIn("Corrija o cliente e reprocesse a fatura.", doc.error_message)
        chatter = move.message_ids.filtered(lambda m: "Falha no ERP" in (m.body or ""))
        self.assertTrue(chatter, "the chatter post is Portuguese too")

    def test_transport_errors_are_in_the_companys_language(self):
        """An ERP that answers HTTP 500 to everything: the retry's reason, the final error and
        the invoice's chatter read in Portuguese (the client's English template translated)."""
        self.sandbox.control("faults", {"fault": "server_error", "provider": "vhsys", "count": -1})
        move = self._invoice()
        doc = move.erp_document_ids
        cron_env = self.env(context={})  # the cron's env: no lang
        cron_env["tecpet.erp.document"]._cron_push_documents()
        self.env.invalidate_all()
        self.assertEqual(doc.state, "processing")
        self.assertIn("O ERP respondeu HTTP 500", doc.error_message)
        self.assertNotIn("The ERP", doc.error_message)
        for _attempt in range(7):
            doc.sudo().next_attempt_at = False
            cron_env["tecpet.erp.document"]._cron_push_documents()
            self.env.invalidate_all()
        self.assertEqual(doc.state, "error")
        self.assertIn(
            "Não foi possível acessar o ERP após 8 tentativas (O ERP respondeu HTTP 500", doc.error_message
        )
        [posted] = move.message_ids.filtered(lambda m: "Falha no ERP" in (m.body or ""))
        self.assertIn("O ERP respondeu HTTP 500", posted.body)
        self.assertNotIn("The ERP", posted.body)
