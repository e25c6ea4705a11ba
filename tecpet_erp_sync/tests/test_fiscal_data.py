# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Brazilian fiscal data as real databases keep it (issue 19), through Odoo to the sandbox ERP:
IE/IM/legal name, the alphanumeric CNPJ saved and sent, negative lines, fiscal codes per product,
payment methods, units, street-only partners, the CEP against its city, OCA l10n_br_base's fields."""

from decimal import Decimal

from tecpet_erp_sandbox.readback import stored_document

from odoo import Command, fields, models
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from ..erp.contract import DocType, IeStatus
from ..erp.formatting import customer_from_raw
from .common import VALID_CNPJ, ErpSyncCommon

RECEITA_EXAMPLE = "12.ABC.345/01DE-35"  # the Receita Federal's alphanumeric CNPJ (NT 2025.001)


def add_fields(case, model_name, **new_fields):
    """Stored fields added to a model for one test, as a module of its own would add them (OCA
    l10n_br_base's ``district``, ``legal_name``...): the registry gets a class with the fields (as
    OCA's odoo-test-helper does), their columns are created in the test's transaction (rolled back
    with it), and the registry is put back as it was when the test ends."""
    registry, cr = case.env.registry, case.env.cr
    attrs = {
        "_inherit": model_name,
        "_module": "tecpet_erp_sync_standin",
        "__module__": __name__,
        **new_fields,
    }
    standin = type("StandIn", (models.Model,), attrs)
    models.MetaModel.module_to_models["tecpet_erp_sync_standin"].remove(standin)  # never in a real registry
    model_class = registry[model_name]
    bases = model_class._BaseModel__base_classes  # pylint: disable=protected-access
    standin._build_model(registry, cr)
    for name in new_fields:
        cr.execute(
            SQL(
                "ALTER TABLE %s ADD COLUMN %s varchar",
                SQL.identifier(model_class._table),
                SQL.identifier(name),
            )
        )
    registry.setup_models(cr)
    registry.clear_cache()

    def restore():
        model_class._BaseModel__base_classes = bases  # pylint: disable=protected-access
        registry.setup_models(cr)
        registry.clear_cache()
        case.env.invalidate_all()

    case.addCleanup(restore)


@tagged("post_install", "-at_install")
class TestFiscalData(ErpSyncCommon):
    provider = "vhsys"

    def _vhsys_customer(self, document):
        rows = [r for r in self.sandbox.vhsys.clientes.values() if r["lixeira"] != "Sim"]
        return next(
            r
            for r in rows
            if r["cnpj_cliente"].replace(".", "").replace("/", "").replace("-", "") == document
        )

    def _sent(self, move):
        """Push and read back: every document open, and what the ERP holds adds up to the invoice."""
        self._run_push()
        self.assertServiceOrderState(move, "open")
        total = Decimal(0)
        for doc in move.erp_document_ids:
            stored = stored_document(self.sandbox, self.provider, doc.doc_type, doc.external_id)
            self.assertEqual(stored.parts, stored.total)
            total += stored.total
        self.assertEqual(total, Decimal(str(move.amount_total)))
        return move

    def _cnpj_customer(self, name, document):
        """A company whose identification type is CNPJ: the one l10n_latam checks the VAT of."""
        cnpj = self.env.ref("l10n_br.cnpj").id
        return self._create_customer(name, document, is_company=True, l10n_latam_identification_type_id=cnpj)

    # -- customers ---------------------------------------------------------------------------------------
    def test_company_with_ie_and_im_reaches_the_erp_with_them(self):
        self.company_customer.write({"l10n_br_ie_code": "110.042.490.114", "l10n_br_im_code": "1234567"})
        customer = customer_from_raw(self.company_customer._erp_raw_customer())
        self.assertEqual(
            (customer.state_registration, customer.ie_status, customer.municipal_registration),
            ("110042490114", IeStatus.CONTRIBUTOR, "1234567"),
        )
        self._sent(self._invoice(partner=self.company_customer))
        self.assertEqual(self._vhsys_customer("11222333000181")["insc_estadual_cliente"], "110042490114")

    def test_ie_isento_and_a_company_without_ie(self):
        self.company_customer.l10n_br_ie_code = "ISENTO"
        self.assertEqual(
            customer_from_raw(self.company_customer._erp_raw_customer()).ie_status, IeStatus.EXEMPT
        )
        self.company_customer.l10n_br_ie_code = False
        self.assertIsNone(customer_from_raw(self.company_customer._erp_raw_customer()).ie_status)
        self.assertEqual(
            customer_from_raw(self.customer._erp_raw_customer()).ie_status, IeStatus.NON_CONTRIBUTOR
        )

    def test_a_customer_without_phone_is_sent(self):
        self.customer.write({"phone": False, "mobile": False})
        self.assertFalse(self.customer.erp_fiscal_problems)
        self._sent(self._invoice())

    def test_the_alphanumeric_cnpj_saves_validates_and_keeps_its_letters(self):
        partner = self._cnpj_customer("Nova Empresa Ltda", RECEITA_EXAMPLE)
        self.assertEqual(partner.vat, RECEITA_EXAMPLE)
        self.assertFalse(partner.erp_fiscal_problems)
        customer = customer_from_raw(partner._erp_raw_customer())
        self.assertEqual(customer.document, "12ABC34501DE35")
        move = self._invoice(partner=partner)
        self.assertEqual(move._erp_check_before_send(move.erp_document_ids), "")
        order = move._erp_order_request(move.erp_document_ids)
        self.assertEqual(order.customer.document, "12ABC34501DE35")

    def test_the_vat_check_refuses_a_wrong_alphanumeric_cnpj_and_other_countries_keep_theirs(self):
        with self.assertRaises(ValidationError):
            self._cnpj_customer("Empresa Errada", "12.ABC.345/01DE-36")
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create(
                {
                    "name": "Belgian",
                    "is_company": True,
                    "country_id": self.env.ref("base.be").id,
                    "vat": "BE12ABC",
                }
            )
        self.assertTrue(self.env["res.partner"].check_vat_br(VALID_CNPJ))  # stdnum's answer still first

    def test_messages_name_the_field_by_its_label_in_the_form(self):
        self.customer.street2 = False
        problems = self.customer._erp_validation_problems("vhsys")
        # core l10n_br's address form shows street2 with the placeholder "Neighborhood"
        self.assertIn('Neighbourhood is missing: fill in the customer\'s "Neighborhood".', problems)

    def test_a_street_only_partner_is_split_the_brazilian_way(self):
        self.customer.street = "Av. Paulista 1000, apto 5"  # imported: Odoo's split gives number 5
        self.assertEqual(self.customer.street_number, "5")
        address = customer_from_raw(self.customer._erp_raw_customer()).address
        self.assertEqual(
            (address.street, address.number, address.complement), ("Av. Paulista", "1000", "apto 5")
        )
        self.customer.street = "Rua das Flores, s/n"
        self.assertFalse(self.customer.erp_fiscal_problems)
        self.assertEqual(customer_from_raw(self.customer._erp_raw_customer()).address.number, "S/N")

    def test_a_cep_of_another_city_is_refused(self):
        self.customer.zip = "20040-020"  # Rio de Janeiro
        self.assertIn(
            "CEP 20040-020 belongs to Rio de Janeiro, not to São Paulo", self.customer.erp_fiscal_problems
        )

    def test_oca_fields_give_the_complement_and_the_legal_name(self):
        add_fields(
            self, "res.partner", district=fields.Char("District"), legal_name=fields.Char("Legal Name")
        )
        partner = self.env["res.partner"].browse(self.company_customer.id)
        partner.write(
            {"district": "Bela Vista", "street2": "Sala 12", "legal_name": "Pet Shop Amigo Comércio Ltda"}
        )
        customer = customer_from_raw(partner._erp_raw_customer())
        self.assertEqual((customer.address.district, customer.address.complement), ("Bela Vista", "Sala 12"))
        self.assertEqual(
            (customer.name, customer.trade_name), ("Pet Shop Amigo Comércio Ltda", "Pet Shop Amigo Ltda")
        )
        partner.district = False
        self.assertIn('fill in the customer\'s "District"', partner.erp_fiscal_problems)
        partner.district = "Bela Vista"
        self._sent(self._invoice(partner=partner))
        row = self._vhsys_customer("11222333000181")
        self.assertEqual(
            (row["razao_cliente"], row["complemento_cliente"]), ("Pet Shop Amigo Comércio Ltda", "Sala 12")
        )

    # -- lines -----------------------------------------------------------------------------------------
    def test_a_down_payment_deduction_and_a_discount_line_reach_the_erp_to_the_cent(self):
        discount = self.env["product.product"].create(
            {"name": "Desconto", "type": "service", "list_price": 0}
        )
        move = self._lines_invoice(
            [
                {"product_id": self.service.id, "quantity": 2, "price_unit": 80.0},
                {"product_id": self.goods.id, "quantity": 3, "price_unit": 33.33},
                {"product_id": discount.id, "quantity": 1, "price_unit": -10.0},
                {"name": "Adiantamento (pedido S00042)", "quantity": -1, "price_unit": 50.0},
            ]
        )
        self.assertEqual(move.amount_total, 199.99)
        self.assertEqual(sorted(move.erp_document_ids.mapped("doc_type")), ["sales_order", "service_order"])
        self._sent(move)

    def test_a_goods_discount_on_an_invoice_without_goods_names_a_fix(self):
        goods_discount = self.env["product.product"].create({"name": "Desconto ração", "type": "consu"})
        move = self._lines_invoice(
            [
                {"product_id": self.service.id, "quantity": 1, "price_unit": 80.0},
                {"product_id": goods_discount.id, "quantity": 1, "price_unit": -10.0},
            ]
        )
        self._run_push()
        self.assertServiceOrderState(move, "error")
        self.assertIn("takes 10.00 off goods", move.erp_error_message)
        self.assertIn("Reset the invoice to draft, correct it and confirm it again.", move.erp_error_message)

    def test_fiscal_codes_and_units_reach_the_lines(self):
        category = self.env["product.category"].create(
            {"name": "Serviços veterinários", "erp_service_code": "05.08"}
        )
        grooming = self.env["product.product"].create(
            {"name": "Tosa", "type": "service", "categ_id": category.id}
        )
        self.service.erp_service_code = "05.01"
        self.goods.write({"erp_ncm": "2309.10.00", "uom_id": self.env.ref("uom.product_uom_kgm").id})
        with self.assertRaises(ValidationError):
            self.goods.erp_ncm = "2309.10"
        move = self._invoice(lines=[(self.service, 1, 80.0), (grooming, 1, 50.0), (self.goods, 2, 150.0)])
        by_type = {d.doc_type: d for d in move.erp_document_ids}
        os_order = move._erp_order_request(by_type["service_order"])
        self.assertEqual([ln.service_code for ln in os_order.lines], ["05.01", "05.08"])
        [goods_line] = move._erp_order_request(by_type["sales_order"]).lines
        self.assertEqual((goods_line.ncm, goods_line.unit), ("23091000", "KG"))

    def test_a_custom_unit_needs_its_code(self):
        unit = self.env.ref("uom.product_uom_categ_unit")
        box = self.env["uom.uom"].create(
            {"name": "Caixa com 12", "category_id": unit.id, "factor_inv": 12, "uom_type": "bigger"}
        )
        line = {"product_id": self.goods.id, "quantity": 1, "price_unit": 10.0, "product_uom_id": box.id}
        move = self._lines_invoice([line])
        self.assertIn(
            '"ERP Unit Code" of its unit of measure', move._erp_check_before_send(move.erp_document_ids)
        )
        box.erp_unit_code = "cx"
        self.assertEqual(move._erp_check_before_send(move.erp_document_ids), "")
        self.assertEqual(move._erp_order_request(move.erp_document_ids).lines[0].unit, "CX")

    def test_a_combo_product_goes_as_its_products(self):
        combos = self.env["product.combo"].create(
            [
                {"name": "Banho", "combo_item_ids": [Command.create({"product_id": self.service.id})]},
                {"name": "Ração", "combo_item_ids": [Command.create({"product_id": self.goods.id})]},
            ]
        )
        kit = self.env["product.product"].create(
            {"name": "Kit", "type": "combo", "combo_ids": [Command.set(combos.ids)]}
        )
        move = self._invoice(lines=[(kit, 1, 100.0)])
        self.assertEqual(sorted(move.erp_document_ids.mapped("doc_type")), ["sales_order", "service_order"])
        self._sent(move)

    def test_delivery_lines_are_freight_of_the_sales_order(self):
        """Delivery is not installed here: the carriers' products are handed in as Delivery would."""
        shipping = self.env["product.product"].create({"name": "Entrega", "type": "service"})
        move = self._invoice(lines=[(self.goods, 1, 100.0), (shipping, 1, 15.0)])
        line = move.invoice_line_ids.filtered(lambda ln: ln.product_id == shipping)
        [plain] = line._erp_plain_lines(carrier_products=shipping)
        self.assertTrue(plain.freight)

    # -- payment methods ---------------------------------------------------------------------------------
    def test_payment_methods_follow_the_mapping(self):
        terms = self.env.ref("account.account_payment_term_30days")
        self.integration.write(
            {
                "allow_free_text_items": True,
                "payment_method_map_ids": [
                    Command.create({"payment_term_id": terms.id, "erp_payment_method": "Boleto"})
                ],
            }
        )
        settings = self.integration._client_settings()
        self.assertEqual(settings["mapped_payment_methods"], ("PIX", "Boleto"))
        self.assertIs(settings["allow_free_text_items"], True)
        move = self._invoice(post=False)
        move.invoice_payment_term_id = terms
        move.action_post()
        order = move._erp_order_request(move.erp_document_ids)
        self.assertEqual([i.payment_method for i in order.installments], ["Boleto"])
        other = self._invoice()  # the invoice's default terms are not mapped: the integration's default
        self.assertEqual(
            other._erp_order_request(other.erp_document_ids).installments[0].payment_method, "PIX"
        )
        with self.assertRaises(ValidationError):
            self.integration.payment_method_map_ids = [Command.create({"erp_payment_method": "Cartão"})]
        self.assertEqual(DocType(order.doc_type), DocType.SERVICE_ORDER)

    def test_a_paid_installment_takes_the_method_it_was_paid_with(self):
        journal = self.company_data["default_journal_bank"]
        method_line = journal.inbound_payment_method_line_ids[:1]
        self.integration.payment_method_map_ids = [
            Command.create({"payment_method_line_id": method_line.id, "erp_payment_method": "PIX"}),
        ]
        self.integration.default_payment_method = "Boleto"
        move = self._invoice()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({"journal_id": journal.id, "payment_method_line_id": method_line.id})._create_payments()
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        order = move._erp_order_request(move.erp_document_ids)
        self.assertEqual([i.payment_method for i in order.installments], ["PIX"])
