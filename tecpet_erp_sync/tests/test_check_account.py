# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Check account through Odoo: the administrator's button runs the client's read-only tour against
the sandbox (in the positions of its switches), the report is stored, shown and downloadable, and
the facts go back to the client."""

import base64
import json

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ErpSyncCommon, load_pt_br

ENTRY_KEYS = {"key", "fact", "answer", "consequence", "value", "ok"}


class CheckAccountCommon(ErpSyncCommon):
    def _check(self, integration=None):
        integration = integration or self.integration
        integration.action_check_account()
        integration.invalidate_recordset()
        entries = json.loads(integration.account_facts)
        for entry in entries:
            self.assertEqual(set(entry), ENTRY_KEYS, entry)
            self.assertTrue(entry["fact"] and entry["answer"] and entry["consequence"], entry)
        return {entry["key"]: entry for entry in entries}


@tagged("post_install", "-at_install")
class TestCheckAccountBling(CheckAccountCommon, HttpCase):
    provider = "bling"

    def _reset_sandbox(self):
        """An empty Bling account, already connected."""
        result = super()._reset_sandbox()
        self._connect_bling()
        return result

    def _with_an_order(self):
        move = self._invoice()
        self._run_push()
        self.assertServiceOrderState(move, "open")
        return move

    def test_the_report_is_stored_shown_and_downloadable(self):
        self.integration.default_payment_method = "Cartão de débito"  # goes to Caixa e bancos
        start = len(self.sandbox.requests_log("bling"))
        facts = self._check()
        self.assertEqual({r["method"] for r in self.sandbox.requests_log("bling")[start:]}, {"GET"})
        self.assertEqual(facts["bling_company_document"]["value"], "11222333000181")
        self.assertIs(facts["bling_payment_method_2101006"]["ok"], False)
        self.assertIn("Caixa e bancos", facts["bling_payment_method_2101006"]["answer"])
        self.assertTrue(self.integration.account_facts_checked_at)
        html = str(self.integration.account_facts_html)
        self.assertEqual(html.count("o_erp_fact_attention"), 1, "one red mark: the payment method")
        self.assertIn('data-key="bling_payment_method_2101006"', html)
        action = self.integration.action_download_account_facts()
        admin = self.env.ref("base.user_admin")  # a support engineer with this company
        admin.write({"company_ids": [Command.link(self.company.id)], "company_id": self.company.id})
        self.authenticate("admin", "admin")
        download = self.url_open(action["url"])
        self.assertEqual(download.status_code, 200)
        report = download.json()
        self.assertEqual(report["provider"], "bling")
        self.assertEqual({f["key"] for f in report["facts"]}, set(facts))

    def test_the_filters_found_go_back_to_the_client(self):
        for position in ("honoured", "ignored"):
            with self.subTest(numeros_lojas_filter=position):
                self._reset_sandbox()
                self._with_an_order()
                self.sandbox.bling.set_switch("numeros_lojas_filter", position)
                facts = self._check()
                self.assertIs(facts["bling_numeros_lojas_filter"]["value"], position == "honoured")
                client = self.integration._erp_client()
                self.assertIs(client.options.facts["bling_numeros_lojas_filter"], position == "honoured")

    def test_the_rps_numbering_found_is_used(self):
        for position in ("next", "last"):
            with self.subTest(rps_numero=position):
                self._reset_sandbox()
                self.sandbox.bling.set_switch("rps_numero", position)
                self.integration.write({"issue_fiscal_notes": True, "default_service_code": "0501"})
                move = self._with_an_order()
                self._erp_act(move.erp_document_ids, "pay")
                self._run_refresh()
                self._run_push()  # the note is requested and issued
                self.assertServiceOrderState(move, "issued")
                facts = self._check()
                self.assertEqual(facts["bling_rps_numbering"]["value"], position)
                self.integration.issue_fiscal_notes = False

    def test_in_the_administrators_language(self):
        load_pt_br(self.env)
        facts = self._check(self.integration.with_context(lang="pt_BR"))  # as a pt_BR session calls it
        self.assertIn("CNPJ", facts["bling_company_document"]["answer"])
        self.assertIn("Qual empresa", facts["bling_company_document"]["fact"])

    def test_the_report_reads_in_each_readers_language(self):
        """Run by an English administrator, read by a Portuguese one (issue 22.7 walk): the stored
        report is rendered again from what each text was made of, on the form and in the JSON."""
        load_pt_br(self.env)
        facts = self._check()
        self.assertIn("Which company", facts["bling_company_document"]["fact"], "stored as run, in English")
        in_pt = self.integration.with_context(lang="pt_BR")
        self.assertIn("Qual empresa", str(in_pt.account_facts_html))
        self.assertNotIn("Which company", str(in_pt.account_facts_html))
        report = json.loads(base64.b64decode(in_pt.sudo().account_facts_file))
        (company,) = [f for f in report["facts"] if f["key"] == "bling_company_document"]
        self.assertIn("Qual empresa", company["fact"])
        self.assertIn("Which company", str(self.integration.account_facts_html), "English for English")

    def test_administrators_only_over_rpc_too(self):
        clerk = new_test_user(self.env, login="erp_clerk", groups="account.group_account_invoice")
        with self.assertRaises(AccessError):
            self.integration.with_user(clerk).action_check_account()
        with self.assertRaises(AccessError):
            self.integration.with_user(clerk).action_download_account_facts()
        self.assertFalse(self.sandbox.requests_log("bling"))


@tagged("post_install", "-at_install")
class TestCheckAccountVhsys(CheckAccountCommon):
    """VHSYS's tour through the same button: what the sandbox answers as the real account does
    (paging counted on the page, undocumented filters ignored, stock moves stored as "API"), and
    the switched position, each reported as such and handed back to the client."""

    def _two_customers_with_orders(self):
        """Orders and receivables of two customers: a filter on one can then be told apart."""
        moves = [
            self._invoice(partner=partner, lines=[(self.service, 1, 80.0), (self.goods, 1, 150.0)])
            for partner in (self.customer, self.company_customer)
        ]
        self._run_push()
        for doc in moves[0].erp_document_ids | moves[1].erp_document_ids:
            self._erp_act(doc, "pay")

    def test_the_tour_reports_what_the_account_does(self):
        self._two_customers_with_orders()
        start = len(self.sandbox.requests_log())
        facts = self._check()
        self.assertEqual({r["method"] for r in self.sandbox.requests_log()[start:]}, {"GET"})
        self.assertEqual(facts["paging"]["value"], "total")
        self.assertIs(facts["contas-receber:id_cliente"]["value"], False)
        self.assertEqual(facts["stock_identificacao"]["value"], "api")
        self.assertTrue(self.integration.account_facts_checked_at)
        values = self.integration._client_settings()["account_facts"]
        self.assertEqual(values, {key: entry["value"] for key, entry in facts.items()})
        self.assertFalse(self.integration._erp_client().options.honours("contas-receber:id_cliente"))

    def test_an_honoured_filter_is_reported_and_then_used(self):
        self._two_customers_with_orders()
        self.sandbox.vhsys.set_switch("undocumented_filters", "honoured")
        facts = self._check()
        self.assertIs(facts["contas-receber:id_cliente"]["value"], True)
        self.assertTrue(self.integration._erp_client().options.honours("contas-receber:id_cliente"))
