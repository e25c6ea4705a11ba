# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Money exact to the cent through Odoo (docs/money.md): posted invoices with decimal quantities,
4-decimal prices, discounts, taxes, global tax rounding and a cash-rounding line → what the
sandbox ERP stores (read back over its HTTP API) adds up to the invoice's amount_total, items
and installments alike, OS and PV together."""

from collections import defaultdict
from decimal import Decimal

from tecpet_erp_sandbox.readback import stored_document

from odoo import Command
from odoo.tests import tagged

from .common import ErpSyncCommon


@tagged("post_install", "-at_install")
class TestMoneyExact(ErpSyncCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("product.decimal_price").digits = 4  # prices such as 0.0123 and 33.333
        cls.tax15 = cls.env["account.tax"].create(
            {
                "name": "Imposto 15 %",
                "amount": 15.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.terms = cls.env["account.payment.term"].create(
            {
                "name": "30/60",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 30}),
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 60}),
                ],
            }
        )

    def _money_invoice(self, lines, taxes=None, post=True, **values):
        """``lines``: (product, quantity, price, discount %)."""
        return self._lines_invoice(
            [
                {
                    "product_id": product.id,
                    "quantity": qty,
                    "price_unit": price,
                    "discount": discount,
                    "tax_ids": [Command.set((taxes or self.env["account.tax"]).ids)],
                }
                for product, qty, price, discount in lines
            ],
            post=post,
            invoice_payment_term_id=self.terms.id,
            **values,
        )

    def _issue_lines(self):
        """Issue 10: 3 × 33.33 −10 %, 2 × 19.99, 1.5 × 7.10 −5 %."""
        return [
            (self.service, 3, 33.33, 10.0),
            (self.goods, 2, 19.99, 0.0),
            (self.service, 1.5, 7.10, 5.0),
        ]

    def assertErpHoldsTheInvoice(self, move):
        """Every document open in the ERP; items and installments together equal amount_total."""
        self._run_push()
        self.assertServiceOrderState(move, "open")
        total, by_date = Decimal(0), defaultdict(Decimal)
        for doc in move.erp_document_ids:
            stored = stored_document(self.sandbox, self.provider, doc.doc_type, doc.external_id)
            self.assertEqual(stored.parts, stored.total, f"{doc.doc_type}: items and document fields")
            self.assertEqual(sum(a for _, a in stored.installments), stored.total, doc.doc_type)
            total += stored.total
            for due, amount in stored.installments:
                by_date[due] += amount
        expected = Decimal(str(move.amount_total))
        self.assertEqual(total, expected)
        invoice_dates = defaultdict(Decimal)
        for line in move.line_ids.filtered(lambda ln: ln.display_type == "payment_term"):
            invoice_dates[line.date_maturity.isoformat()] += Decimal(str(line.amount_currency))
        self.assertEqual(dict(by_date), dict(invoice_dates), "each due date asks what the invoice asks")
        self.assertEqual(len(by_date), 2)
        return total

    def test_issue_example_with_tax_rounded_per_line(self):
        self.company.tax_calculation_rounding_method = "round_per_line"
        move = self._money_invoice(self._issue_lines(), taxes=self.tax15)
        self.assertEqual(move.amount_total, 161.11)
        self.assertEqual(sorted(move.erp_document_ids.mapped("doc_type")), ["sales_order", "service_order"])
        self.assertEqual(self.assertErpHoldsTheInvoice(move), Decimal("161.11"))

    def test_issue_example_with_tax_rounded_globally(self):
        """The tax rounded on the total makes 161.10: one cent less than the lines say."""
        self.company.tax_calculation_rounding_method = "round_globally"
        move = self._money_invoice(self._issue_lines(), taxes=self.tax15)
        self.assertEqual(move.amount_total, 161.10)
        self.assertEqual(self.assertErpHoldsTheInvoice(move), Decimal("161.10"))

    def _cash_rounding(self, method):
        account = self.company_data["default_account_revenue"]
        return self.env["account.cash.rounding"].create(
            {
                "name": "R$ 0,10",
                "rounding": 0.10,
                "strategy": "add_invoice_line",
                "rounding_method": method,
                "profit_account_id": account.id,
                "loss_account_id": account.id,
            }
        )

    def test_cash_rounding_line_is_accounted_for(self):
        rounding = self._cash_rounding("HALF-UP")
        self.company.tax_calculation_rounding_method = "round_per_line"
        move = self._money_invoice(
            self._issue_lines(), taxes=self.tax15, invoice_cash_rounding_id=rounding.id
        )
        self.assertTrue(move.line_ids.filtered(lambda ln: ln.display_type == "rounding"))
        self.assertEqual(move.amount_total, 161.10)
        self.assertEqual(self.assertErpHoldsTheInvoice(move), Decimal("161.10"))

    def test_prices_with_more_than_two_decimals(self):
        goods = self._money_invoice([(self.goods, 1000, 0.0123, 0.0)])
        self.assertEqual(goods.amount_total, 12.30)
        self.assertEqual(self.assertErpHoldsTheInvoice(goods), Decimal("12.30"))
        services = self._money_invoice([(self.service, 3, 33.333, 0.0)])
        self.assertEqual(services.amount_total, 100.00)
        self.assertEqual(self.assertErpHoldsTheInvoice(services), Decimal("100.00"))

    def test_n19_the_cash_rounding_goes_to_the_document_that_exists(self):
        """Goods R$ 49.99, a free service, rounded up to R$ 50.00: one PV worth 50.00 (the +0.01
        once went to an OS that was never created)."""
        move = self._money_invoice(
            [(self.goods, 1, 49.99, 0.0), (self.service, 1, 0.0, 0.0)],
            invoice_cash_rounding_id=self._cash_rounding("UP").id,
        )
        self.assertEqual(move.amount_total, 50.0)
        self.assertEqual(move.erp_document_ids.mapped("doc_type"), ["sales_order"])
        self.assertEqual(self.assertErpHoldsTheInvoice(move), Decimal("50.00"))

    def test_deductions_reach_the_erp_as_discounts_to_the_cent(self):
        """Issue 19: the Sales discount (a service product, negative price), a goods discount and a
        down-payment deduction (no product, quantity -1), taxed, are discounts of the lines they
        apply to; the ERP holds exactly amount_total, installments included."""
        self.company.tax_calculation_rounding_method = "round_per_line"
        discount = self.env["product.product"].create({"name": "Desconto", "type": "service"})
        goods_discount = self.env["product.product"].create({"name": "Desconto ração", "type": "consu"})
        move = self._money_invoice(
            [*self._issue_lines(), (discount, 1, -12.34, 0.0), (goods_discount, 1, -5.55, 0.0)],
            taxes=self.tax15,
            post=False,
        )
        move.invoice_line_ids = [
            Command.create(
                {"name": "Adiantamento", "quantity": -1, "price_unit": 20.0, "tax_ids": [Command.clear()]}
            )
        ]
        move.action_post()
        self.assertEqual(move.amount_total, 120.54)  # 161.11 - 14.19 - 6.38 - 20.00
        self.assertEqual(self.assertErpHoldsTheInvoice(move), Decimal("120.54"))


@tagged("post_install", "-at_install")
class TestMoneyExactBling(TestMoneyExact):
    provider = "bling"
    allow_inherited_tests_method = True  # the same invoices, through Bling

    def _reset_sandbox(self):
        """An empty Bling account, already connected (the OAuth dance is TestBling's business)."""
        result = super()._reset_sandbox()
        self._connect_bling()
        return result
