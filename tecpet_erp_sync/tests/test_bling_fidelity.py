# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bling's fiscal and payment behaviour through Odoo, against a sandbox that answers as real
accounts do (issue 18; issue 21 N10): a discounted invoice keeps its total through its NFS-e,
a paid order's cancel leaves it whole and says why, a payment method that makes no receivable
is a setup error, and a year-old order stays Fulfilled after the sweep."""

import datetime as dt

from odoo import fields
from odoo.tests import tagged

from .common import ErpSyncCommon


@tagged("post_install", "-at_install")
class TestBlingFidelity(ErpSyncCommon):
    provider = "bling"

    def _reset_sandbox(self):
        """An empty Bling account, already connected."""
        result = super()._reset_sandbox()
        self._connect_bling(default_service_code="0501", refresh_cursor=False)
        return result

    def _order(self, doc):
        return self.sandbox.bling.orders[int(doc.external_id)]

    def test_a_discounted_invoice_keeps_its_total_through_its_nfse(self):
        self.integration.issue_fiscal_notes = True
        move = self._lines_invoice(
            [{"product_id": self.service.id, "quantity": 3, "price_unit": 33.33, "discount": 10}]
        )
        self._run_push()
        doc = move.erp_document_ids
        self.assertServiceOrderState(move, "open")
        self.assertEqual(self._order(doc)["total"], move.amount_total)
        self._erp_act(doc, "pay")
        self._run_refresh()
        self._run_push()  # the note is requested, then issued
        self.assertServiceOrderState(move, "issued")
        self.assertEqual(self._order(doc)["total"], move.amount_total)
        [note] = self.sandbox.bling.nfses.values()
        self.assertEqual(note["valor"], move.amount_total)
        self.integration.refresh_cursor = False  # everything read again: the note found by its RPS
        self._run_refresh()
        self.assertServiceOrderState(move, "issued")

    def test_a_paid_orders_cancel_leaves_it_whole_and_says_why(self):
        move = self._invoice(lines=[(self.goods, 1, 150.0)])
        self._run_push()
        doc = move.erp_document_ids
        self._erp_act(doc, "pay")
        move.button_draft()
        self._run_push()
        self.assertEqual(doc.state, "error")
        self.assertIn("already received", doc.error_message)
        self.assertIn("Contas a receber", doc.error_message)
        order, meta = self._order(doc), self.sandbox.bling.meta[int(doc.external_id)]
        self.assertTrue(meta["stock_posted"], "the stock was never returned")
        self.assertEqual(order["situacao"]["valor"], 0)
        self.assertEqual([c["situacao"] for c in self.sandbox.bling.contas.values()], [2])

    def test_a_method_that_makes_no_receivable_is_a_setup_error(self):
        self.integration.default_payment_method = "Cartão de débito"  # destino: Caixa e bancos
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        self.assertEqual((doc.state, doc.error_kind), ("error", "connection"))
        self.assertIn('goes to "Caixa e bancos"', doc.error_message)
        self.assertEqual(self.sandbox.bling.orders, {})

    def test_a_year_old_order_stays_fulfilled_after_the_sweep(self):
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        self._erp_act(doc, "pay")
        self.sandbox.bling.control("age", {"id": doc.external_id, "days": 400})
        self._run_refresh()  # the first read
        self.assertServiceOrderState(move, "fulfilled")
        doc.last_sync_at = fields.Datetime.now() - dt.timedelta(hours=7)  # due for the sweep
        self._run_refresh()
        self.env.invalidate_all()
        self.assertGreater(doc.last_sync_at, fields.Datetime.now() - dt.timedelta(hours=1), "it was swept")
        self.assertServiceOrderState(move, "fulfilled")
