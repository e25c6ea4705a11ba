# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bling through Odoo: Connect (OAuth authorization code, with the callback route), then an
invoice's life as Bling sales orders, over loopback HTTP to the sandbox."""

import urllib.parse

import requests

from odoo.tests import HttpCase, tagged

from .common import ErpSyncCommon


@tagged("post_install", "-at_install")
class TestBling(ErpSyncCommon, HttpCase):
    provider = "bling"

    def _connect(self):
        """Press Connect, approve on (sandbox) Bling, follow the redirect to Odoo's callback."""
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        action = self.integration.action_bling_connect()
        consent = requests.get(action["url"] + "&consent=1", allow_redirects=False, timeout=10)
        self.assertEqual(consent.status_code, 302)
        callback = consent.headers["Location"]
        self.assertTrue(callback.startswith(self.base_url() + "/tecpet_erp_sync/bling/callback?"))
        self.authenticate("admin", "admin")
        return self.url_open(callback, allow_redirects=False), callback

    def test_connect_stores_tokens_and_checks_state(self):
        response, callback = self._connect()
        self.assertEqual(response.status_code, 303)
        self.integration.invalidate_recordset()
        self.assertTrue(self.integration.bling_connected)
        self.assertTrue(self.integration.last_check_ok)
        # The account was checked (which one: N11) and the check dated, as Test connection does.
        self.assertTrue(self.integration.last_check_at)
        self.assertIn("Bling connected. Connected to", self.integration.last_check_message)
        self.assertFalse(self.integration.bling_oauth_state, "a state is single use")
        # Replaying the callback (or forging the state) is refused before any token call.
        self.assertEqual(self.url_open(callback, allow_redirects=False).status_code, 400)
        query = urllib.parse.urlencode({"code": "x", "state": f"{self.integration.id}-forged"})
        forged = self.url_open(f"/tecpet_erp_sync/bling/callback?{query}", allow_redirects=False)
        self.assertEqual(forged.status_code, 400)

    def test_connect_refuses_another_account_once_documents_were_sent(self):
        """N11 through Connect to Bling: the administrator approves the consent in another
        company's Bling after an invoice went to the first one: refused, naming both CNPJ."""
        self._connect()
        self.integration.invalidate_recordset()
        self.assertEqual(self.integration.erp_account_document, "11222333000181")
        sent = self._invoice()
        self._run_push()
        self.assertServiceOrderState(sent, "open")
        self.sandbox.bling.control("set_company", {"cnpj": "45.678.912/0001-55"})
        response, _callback = self._connect()
        self.assertEqual(response.status_code, 303)
        self.integration.invalidate_recordset()
        self.assertFalse(self.integration.last_check_ok)
        self.assertIn("(CNPJ 45678912000155)", self.integration.last_check_message)
        self.assertIn("(CNPJ 11222333000181)", self.integration.last_check_message)
        self.assertTrue(self.integration.auth_failed, "the jobs stop calling the other account")
        calls = len(self.sandbox.requests_log("bling"))
        waiting = self._invoice()
        self._run_push()
        self.assertEqual(len(self.sandbox.requests_log("bling")), calls, "no call to the other account")
        self.assertEqual(waiting.erp_document_ids.external_id, False, "nothing pushed")

    def test_a_retried_callback_does_not_send_the_code_again(self):
        """Odoo runs a request again after a serialization failure, with its writes rolled back:
        the state is then still there, and the single-use code must not reach Bling twice."""
        response, callback = self._connect()
        self.assertEqual(response.status_code, 303)
        state = urllib.parse.parse_qs(urllib.parse.urlsplit(callback).query)["state"][0]
        self.integration.sudo().bling_oauth_state = state  # as the rolled-back first run left it
        again = self.url_open(callback, allow_redirects=False)
        self.assertEqual(again.status_code, 303)
        oauth = self.sandbox.control("state", {})["bling"]["oauth"]
        self.assertEqual((oauth["code_exchanges"], oauth["token_calls"], oauth["invalid_grants"]), (1, 1, 0))
        self.integration.invalidate_recordset()
        self.assertTrue(self.integration.last_check_ok, self.integration.last_check_message)
        self.assertTrue(self.integration.action_test_connection()["params"]["type"] == "success")

    def test_a_non_ascii_state_is_refused_not_a_crash(self):
        self.authenticate("admin", "admin")
        self.integration.sudo().bling_oauth_state = f"{self.integration.id}-abc"
        query = urllib.parse.urlencode({"code": "x", "state": f"{self.integration.id}-ção"})
        answer = self.url_open(f"/tecpet_erp_sync/bling/callback?{query}", allow_redirects=False)
        self.assertEqual(answer.status_code, 400)

    def test_invoice_life_in_bling(self):
        self._connect()
        mixed = self._invoice(lines=[(self.service, 1, 80.0), (self.goods, 2, 150.0)])
        self._run_push()
        self.assertServiceOrderState(mixed, "open")
        state = self.sandbox.control("state", {})["bling"]
        markers = set(mixed.erp_document_ids.mapped("marker"))
        orders = [d for d in state["documents"] if d["marker"] in markers]
        self.assertEqual(len(orders), 2, "one Bling order per document, numeroLoja = marker")
        pv = mixed.erp_document_ids.filtered(lambda d: d.doc_type == "sales_order")
        self.assertEqual(state["stock_postings"].get(pv.external_id), 1, "one stock posting for the PV")
        os_doc = mixed.erp_document_ids - pv
        self.assertFalse(state["stock_postings"].get(os_doc.external_id), "services post no stock")
        self.assertTrue(pv.external_url.endswith(pv.external_id))

        for doc in mixed.erp_document_ids:
            self._erp_act(doc, "pay")
        self._run_refresh()
        self.assertServiceOrderState(mixed, "fulfilled")
        for doc in mixed.erp_document_ids:
            self._erp_act(doc, "ready", "issue")
        self._run_refresh()
        self.assertServiceOrderState(mixed, "issued")
