# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What production changes about the jobs (issue 11): tokens in a row of their own, the Connect
callback run twice, neutralized copies, errors that fail one document instead of the company,
the daily quota, the cron's time limit and the jobs' language. Against the sandbox over HTTP.

The served tier (tools/served_test.py) proves the same with a real multi-process server."""

import datetime as dt
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.modules.neutralize import get_installed_modules, get_neutralization_queries, neutralize_database
from odoo.tests import new_test_user, tagged
from odoo.tools import config

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from ..erp.http import seconds_until_quota_reset
from .common import ErpSyncCommon

PUSH_CRON = "tecpet_erp_sync.ir_cron_push_documents"


def _issue_tokens(env_owner, client_id="sandbox-client"):
    issued = env_owner.sandbox.control("issue_tokens", {"provider": "bling", "client_id": client_id})
    return {
        "bling_access_token": issued["access_token"],
        "bling_refresh_token": issued["refresh_token"],
        "bling_token_expires_at": fields.Datetime.now() + dt.timedelta(hours=6),
    }


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
        self.integration.issue_fiscal_notes = True
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        self._erp_act(doc, "pay")
        self._run_refresh()
        self.assertEqual(doc.pending_action, "issue")
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
        cls.env["res.lang"]._activate_lang("pt_BR")
        cls.env["ir.module.module"]._load_module_terms(["tecpet_erp_sync"], ["pt_BR"], overwrite=True)
        cls.env.registry.clear_cache()
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
