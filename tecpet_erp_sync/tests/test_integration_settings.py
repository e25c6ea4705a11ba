# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settings that cannot point old documents at another ERP account (issue 21 N11), and the Bling
token fields written one at a time (issue 21), over the form and over RPC."""

import datetime as dt

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..erp.contract import ConnectionInfo
from .common import ErpSyncCommon


@tagged("post_install", "-at_install")
class TestSettingsBoundToTheDocuments(ErpSyncCommon):
    def test_provider_and_url_change_freely_before_any_document(self):
        self.assertFalse(self.integration.has_erp_documents)
        self.integration.api_url = self.sandbox.vhsys_url + "/"
        self.integration.write({"provider": "bling", "api_url": self.sandbox.bling_url})
        self.assertEqual(self.integration.provider, "bling")

    def test_provider_and_url_are_fixed_once_documents_exist(self):
        move = self._invoice()
        self._run_push()
        self.assertServiceOrderState(move, "open")
        self.assertTrue(self.integration.has_erp_documents)
        for vals in (
            {"api_url": "https://api.vhsys.com/v2"},
            {"provider": "bling"},
            {"provider": "bling", "api_url": self.sandbox.bling_url},
        ):
            with self.assertRaisesRegex(UserError, "Archive this integration and create a new one"):
                self.integration.write(vals)
        self.assertEqual(self.integration.api_url, self.sandbox.vhsys_url)
        # The same address written again (a form saving every field) is no change.
        self.integration.write({"api_url": self.sandbox.vhsys_url + "/", "name": "VHSYS matriz"})
        self.assertEqual(self.integration.name, "VHSYS matriz")

    def test_archived_documents_still_bind_the_integration(self):
        move = self._invoice()
        move.erp_document_ids.sudo().active = False
        self.assertTrue(self.integration.has_erp_documents)
        with self.assertRaises(UserError):
            self.integration.api_url = "https://api.vhsys.com/v2"

    def test_form_shows_provider_and_url_read_only_with_documents(self):
        arch = etree.fromstring(self.env["tecpet.erp.integration"].get_view(view_type="form")["arch"])
        for name in ("provider", "api_url"):
            self.assertEqual(arch.xpath(f"//field[@name='{name}']")[0].get("readonly"), "has_erp_documents")
        self._invoice()
        with Form(self.integration) as form, self.assertRaises(AssertionError):
            form.api_url = "https://api.vhsys.com/v2"  # read-only in the form

    def test_labels(self):
        fields = self.env["tecpet.erp.integration"].fields_get(["api_url", "webhook_url"], ["string"])
        self.assertEqual(fields["api_url"]["string"], "API URL")
        self.assertEqual(fields["webhook_url"]["string"], "Webhook URL")


@tagged("post_install", "-at_install")
class TestAccountChange(ErpSyncCommon):
    provider = "bling"

    def _info(self, document):
        return ConnectionInfo(account_name="Clínica", account_document=document)

    def test_first_account_is_recorded_another_refused_while_documents_exist(self):
        integration = self.integration
        self.assertEqual(integration._erp_account_refusal(self._info("11.222.333/0001-81")), "")
        self.assertEqual(integration.erp_account_document, "11.222.333/0001-81")
        # The same company, written another way by the ERP, is the same account.
        self.assertEqual(integration._erp_account_refusal(self._info("11222333000181")), "")
        # Another account before anything was sent: the integration simply moves to it.
        self.assertEqual(integration._erp_account_refusal(self._info("45.678.912/0001-55")), "")
        self.assertEqual(integration.erp_account_document, "45.678.912/0001-55")
        self._invoice()
        refusal = integration._erp_account_refusal(self._info("11.222.333/0001-81"))
        self.assertIn("CNPJ 11.222.333/0001-81", refusal)
        self.assertIn("(CNPJ 45.678.912/0001-55)", refusal)
        self.assertIn("archive this integration and create a new one", refusal)
        self.assertEqual(integration.erp_account_document, "45.678.912/0001-55", "the first one stays")

    def test_test_connection_refuses_another_account_behind_the_same_tokens(self):
        """End to end against the sandbox: company A is recorded at the first Test connection, an
        invoice is sent to it; then the tokens open company B's account (as if they were another
        account's): refused, naming both, and the jobs stop calling Bling."""
        self._connect_bling()
        self.assertEqual(self.integration.action_test_connection()["params"]["title"], "Connection OK")
        self.assertEqual(self.integration.erp_account_document, "11222333000181")
        sent = self._invoice()
        self._run_push()
        self.assertServiceOrderState(sent, "open")
        self.sandbox.bling.control("set_company", {"cnpj": "45.678.912/0001-55", "nome": "Outra Ltda"})
        params = self.integration.action_test_connection()["params"]
        self.assertEqual((params["title"], params["type"]), ("Connection failed", "danger"))
        self.assertIn("(CNPJ 45678912000155)", params["message"])
        self.assertIn("sent to (CNPJ 11222333000181)", params["message"])
        self.assertTrue(self.integration.auth_failed, "the jobs stop calling the other account")
        self.assertFalse(self.integration.last_check_ok)
        self.assertEqual(self.integration.erp_account_document, "11222333000181", "the first one stays")
        calls = len(self.sandbox.requests_log("bling"))
        waiting = self._invoice()
        self._run_push()
        self.env["tecpet.erp.document"]._cron_refresh_status()  # the read-back job, not one integration's
        self.assertEqual(len(self.sandbox.requests_log("bling")), calls, "no call to the other account")
        self.assertEqual(waiting.erp_document_ids.external_id, False, "nothing pushed")

    def test_an_erp_that_does_not_tell_its_document_is_not_refused(self):
        self.integration.erp_account_document = "45.678.912/0001-55"
        self._invoice()
        self.assertEqual(self.integration._erp_account_refusal(self._info("")), "")


@tagged("post_install", "-at_install")
class TestBlingTokenFields(ErpSyncCommon):
    provider = "bling"

    def setUp(self):
        super().setUp()
        self.expiry = dt.datetime(2026, 12, 31, 12, 0)
        self.integration.write(
            {
                "bling_access_token": "access-1",
                "bling_refresh_token": "refresh-1",
                "bling_token_expires_at": self.expiry,
            }
        )

    def _write(self, vals):
        """As one RPC call does it: nothing of the integration in the cache yet."""
        self.env.invalidate_all()
        self.integration.write(vals)

    def _tokens(self):
        self.env.invalidate_all()
        token = self.integration.bling_token_ids
        return token.access_token, token.refresh_token, token.expires_at

    def test_writing_the_expiry_alone_keeps_the_tokens(self):
        later = self.expiry + dt.timedelta(days=1)
        self._write({"bling_token_expires_at": later})
        self.assertEqual(self._tokens(), ("access-1", "refresh-1", later))

    def test_writing_one_token_alone_keeps_the_others(self):
        self._write({"bling_access_token": "access-2"})
        self.assertEqual(self._tokens(), ("access-2", "refresh-1", self.expiry))
        self._write({"bling_refresh_token": "refresh-2"})
        self.assertEqual(self._tokens(), ("access-2", "refresh-2", self.expiry))

    def test_writing_two_keeps_the_third(self):
        self._write({"bling_access_token": "access-3", "bling_refresh_token": "refresh-3"})
        self.assertEqual(self._tokens(), ("access-3", "refresh-3", self.expiry))


@tagged("post_install", "-at_install")
class TestNewCredentialsWaitForTheCheck(ErpSyncCommon):
    """Other credentials on an integration with documents may open another ERP account (N11): the
    jobs wait until Test connection has seen the account the documents were sent to."""

    def test_the_jobs_wait_for_test_connection(self):
        move = self._invoice()
        self._run_push()
        self.assertServiceOrderState(move, "open")
        self.sandbox.control(
            "set_credentials",
            {"provider": "vhsys", "access_token": "new-access", "secret_token": "new-secret"},
        )
        self.integration.write({"vhsys_access_token": "new-access", "vhsys_secret_token": "new-secret"})
        self.assertTrue(self.integration.auth_failed)
        self.assertIn("press Test connection", self.integration.last_check_message)
        waiting = self._invoice()
        self._run_push()
        self.assertServiceOrderState(waiting, "processing")
        self.integration.action_test_connection()
        self.assertFalse(self.integration.auth_failed)
        self._run_push()
        self.assertServiceOrderState(waiting, "open")

    def test_an_integration_without_documents_takes_them_at_once(self):
        self.integration.write({"vhsys_access_token": "other-access"})
        self.assertFalse(self.integration.auth_failed)
