# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""pt_BR inside Odoo (PRODUCT.md 2.8): the shipped pt_BR.po loads and reaches the user.

The file-level checks (complete, placeholders kept, up to date) are pure Python, in the
top-level tests/test_i18n_files.py.
"""

from odoo.tests import TransactionCase, tagged

from .common import customer_values, load_pt_br

# PRODUCT.md 2.2, label column (pt_BR).
PT_BR_STATES = {
    "processing": "Processando",
    "open": "Em aberto",
    "fulfilled": "Atendido",
    "awaiting_issue": "Aguardando emissão",
    "issued": "Emitida",
    "canceled": "Cancelado",
    "error": "Erro",
}
BAD_CPF = "123.456.789-00"


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_pt_br(cls.env)

    @property
    def env_pt(self):
        return self.env(context=dict(self.env.context, lang="pt_BR"))

    def _customer(self, **values):
        return self.env["res.partner"].create(
            customer_values(self.env, "João Sem Documento", BAD_CPF, email=False, **values)
        )

    def test_service_order_state_labels_are_the_product_ones(self):
        field = self.env["account.move"]._fields["service_order_state"]
        self.assertEqual(dict(field._description_selection(self.env_pt)), PT_BR_STATES)
        self.assertEqual(
            self.env_pt["account.move"].fields_get(["service_order_state"])["service_order_state"]["string"],
            "Ordem de Serviço",
        )

    def test_document_labels(self):
        document = self.env["tecpet.erp.document"]
        self.assertEqual(dict(document._fields["state"]._description_selection(self.env_pt)), PT_BR_STATES)
        self.assertEqual(
            dict(document._fields["doc_type"]._description_selection(self.env_pt)),
            {"service_order": "Ordem de Serviço", "sales_order": "Pedido de Venda"},
        )

    def test_invalid_cpf_message_in_portuguese(self):
        """The validation messages are English templates in erp/; env._() translates them, and they
        name the field by its label in the user's form, in the user's language."""
        partner = self._customer()
        label_pt = partner.with_env(self.env_pt)._erp_field_labels()["vat"]
        self.assertEqual(
            partner.with_env(self.env_pt)._erp_validation_problems("vhsys"),
            [
                f"CPF {BAD_CPF} inválido: os dígitos verificadores não conferem. "
                f'Corrija o campo "{label_pt}" do cliente.'
            ],
        )
        label = partner._erp_field_labels()["vat"]
        self.assertEqual(
            partner._erp_validation_problems("vhsys"),
            [f'CPF {BAD_CPF} is invalid: check digits do not match. Fix the customer\'s "{label}".'],
        )

    def test_every_validation_message_is_translated(self):
        """Several problems at once: each comes back translated, none left in English."""
        partner = self._customer(street2=False, zip="123", phone=False, is_company=True)
        english = partner._erp_validation_problems("bling")
        portuguese = partner.with_env(self.env_pt)._erp_validation_problems("bling")
        labels = partner.with_env(self.env_pt)._erp_field_labels()
        self.assertEqual(len(portuguese), len(english))
        self.assertGreaterEqual(len(portuguese), 3)
        self.assertFalse(set(portuguese) & set(english), "untranslated validation message")
        self.assertIn(
            'CEP "123" inválido: o CEP tem 8 dígitos, ex.: 01310-100. '
            f'Corrija o campo "{labels["zip"]}" do cliente.',
            portuguese,
        )
        self.assertIn(f'Bairro não informado: preencha o campo "{labels["street2"]}" do cliente.', portuguese)

    def test_invoice_list_column_and_filter_in_portuguese(self):
        Move = self.env_pt["account.move"]
        arch = Move.get_view(self.env.ref("account.view_out_invoice_tree").id, "list")["arch"]
        self.assertIn('string="Ordem de Serviço"', arch)
        search = Move.get_view(self.env.ref("account.view_account_invoice_filter").id, "search")["arch"]
        self.assertIn('string="Erros do ERP"', search)
