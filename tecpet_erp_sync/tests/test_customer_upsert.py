# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer kept in step with the ERP: a partner changed in Odoo after its first invoice is
updated in the ERP at the next send (one record per CPF), an unchanged one costs no call, and
"Fix the customer, Reprocess" fixes the ERP's copy. VHSYS and Bling, over HTTP to the sandbox."""

import time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..erp.bling_oauth import TokenSet
from ..erp.contract import CustomerBinding
from ..erp.formatting import digits
from ..models.bling_token_store import IntegrationTokenStore
from .common import VALID_CPF, ErpSyncCommon

NEW_ADDRESS = {
    "street_name": "Avenida Paulista",
    "street_number": "1000",
    "street_number2": "Sala 12",
    "zip": "01310-100",
    "phone": "+55 11 3333-4444",
}


@tagged("post_install", "-at_install")
class TestCustomerUpsertVhsys(ErpSyncCommon):
    provider = "vhsys"
    customer_path = "/clientes"

    def _records(self):
        """The ERP's live customer records with the customer's CPF, as (street, CEP, phone, complement)."""
        rows = self.sandbox.vhsys.clientes.values()
        return [
            (r["endereco_cliente"], digits(r["cep_cliente"]), r["fone_cliente"] or r["celular_cliente"],
             r["complemento_cliente"])
            for r in rows
            if digits(r["cnpj_cliente"]) == digits(VALID_CPF) and r["lixeira"] != "Sim"
        ]  # fmt: skip

    def _customer_calls(self, method=""):
        return self.sandbox.count_requests(self.provider, method, self.customer_path)

    def _binding(self, partner=None):
        return self.env["tecpet.erp.partner.binding"].search(
            [("partner_id", "=", (partner or self.customer).id), ("integration_id", "=", self.integration.id)]
        )

    def _push_invoice(self, partner=None):
        move = self._invoice(partner=partner)
        self._run_push()
        self.assertServiceOrderState(move, "open")
        return move

    def test_changed_partner_is_updated_in_the_erp_and_unchanged_costs_nothing(self):
        self.customer.street_number2 = "Apto 4"
        first = self._push_invoice()
        self.assertEqual(self._records(), [("Rua das Flores", "01001000", "(11) 98765-4321", "Apto 4")])
        binding = self._binding()
        self.assertEqual(len(binding), 1)
        self.assertEqual(binding.company_id, self.company)
        self.assertTrue(binding.fingerprint and binding.sent_at)
        created_id, fingerprint = binding.external_id, binding.fingerprint

        before = self._customer_calls()
        self._push_invoice()  # the returning, unchanged customer
        self.assertEqual(self._customer_calls(), before, "no customer call for an unchanged customer")

        self.customer.write(NEW_ADDRESS)
        third = self._push_invoice()
        self.assertEqual(self._customer_calls("PUT"), 1, "one update")
        self.assertEqual(self._records(), [("Avenida Paulista", "01310100", "(11) 3333-4444", "Sala 12")])
        self.assertEqual(binding.external_id, created_id)
        self.assertNotEqual(binding.fingerprint, fingerprint)
        customers = {doc.external_id: self._erp_customer_of(doc) for doc in (first + third).erp_document_ids}
        self.assertEqual(set(customers.values()), {created_id}, "both documents name the same customer")

    def _erp_customer_of(self, doc):
        return str(self.sandbox.vhsys.ordens[int(doc.external_id)]["row"]["id_cliente"])

    def test_refused_update_errors_then_fix_the_customer_and_reprocess(self):
        self._push_invoice()
        # A CEP of the right shape that the Correios base does not have: only the ERP can tell.
        self.customer.zip = "00012-345"
        move = self._invoice()
        self._run_push()
        self.assertServiceOrderState(move, "error")
        doc = move.erp_document_ids
        self.assertEqual(doc.error_kind, "data")
        self.assertIn("CEP", doc.error_message)
        self.assertIn("Reprocess", doc.error_message)
        self.assertFalse(self._binding().fingerprint, "the next send checks the ERP's copy")

        self.customer.write(NEW_ADDRESS)
        move.action_erp_reprocess()
        self._run_push()
        self.assertServiceOrderState(move, "open")
        self.assertEqual(self._records(), [("Avenida Paulista", "01310100", "(11) 3333-4444", "Sala 12")])
        self.assertTrue(self._binding().fingerprint)

    def test_invalid_partner_errors_without_call_then_fix_and_reprocess_updates(self):
        self._push_invoice()
        self.customer.zip = False  # Odoo's own validation stops it: no call
        move = self._invoice()
        before = len(self.sandbox.requests_log())
        self._run_push()
        self.assertServiceOrderState(move, "error")
        self.assertEqual(len(self.sandbox.requests_log()), before)
        self.customer.write(NEW_ADDRESS)
        move.action_erp_reprocess()
        self._run_push()
        self.assertServiceOrderState(move, "open")
        self.assertEqual(self._records(), [("Avenida Paulista", "01310100", "(11) 3333-4444", "Sala 12")])

    def test_another_erp_account_forgets_the_bindings(self):
        self._push_invoice()
        account = "vhsys_access_token" if self.provider == "vhsys" else "bling_client_id"
        self.integration.write({account: self.integration[account], "api_url": self.integration.api_url})
        self.assertTrue(self._binding(), "the same account: kept")
        self.integration[account] = "another-account"
        self.assertFalse(self._binding(), "its ids mean nothing in another account")

    def test_binding_is_per_company(self):
        self._push_invoice()
        binding_a = self._binding()
        company_b = self.setup_other_company()["company"]
        integration_b = self._create_integration(company_b, self.provider)
        bindings = self.env["tecpet.erp.partner.binding"]
        binding_b = bindings._erp_remember(self.customer, integration_b, CustomerBinding("77", "b"))
        self.assertEqual(binding_b.company_id, company_b)
        self.assertEqual(bindings._erp_binding_of(self.customer, integration_b), CustomerBinding("77", "b"))
        self.assertEqual(
            bindings._erp_binding_of(self.customer, self.integration).external_id, binding_a.external_id
        )
        user_a, user_b = (
            new_test_user(
                self.env, login=f"billing_{c.id}", groups="account.group_account_invoice", company_id=c.id
            )
            for c in (self.company, company_b)
        )
        domain = [("partner_id", "=", self.customer.id)]
        self.assertEqual(bindings.with_user(user_a).search(domain), binding_a)
        self.assertEqual(bindings.with_user(user_b).search(domain), binding_b)
        with self.assertRaises(AccessError):  # written by the jobs only
            binding_a.with_user(user_a).write({"fingerprint": "forged"})


@tagged("post_install", "-at_install")
class TestCustomerUpsertBling(TestCustomerUpsertVhsys):
    allow_inherited_tests_method = True  # Odoo's loader runs only a class's own test methods otherwise
    provider = "bling"
    customer_path = "/contatos"
    test_binding_is_per_company = None  # provider-independent (and slow: a second company): once is enough

    def _reset_sandbox(self):
        """An empty Bling that knows the integration's tokens, without its 3 requests/s limit."""
        result = super()._reset_sandbox()
        issued = self.sandbox.bling.control("issue_tokens", {})
        IntegrationTokenStore(self.integration).save(TokenSet.from_response(issued, time.time()))
        self.sandbox.bling.control("rate_limit", {"enabled": 0})
        return result

    def _records(self):
        rows = self.sandbox.bling.contacts.values()
        return [
            (c["endereco"]["geral"]["endereco"], digits(c["endereco"]["geral"]["cep"]), c["telefone"],
             c["endereco"]["geral"]["complemento"])
            for c in rows
            if digits(c["numeroDocumento"]) == digits(VALID_CPF) and c["situacao"] != "E"
        ]  # fmt: skip

    def _erp_customer_of(self, doc):
        return str(self.sandbox.bling.orders[int(doc.external_id)]["contato"]["id"])
