# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 13 in a real browser (Chromium): an Error invoice fixed and reprocessed until Open, the
note block of an issued invoice, and the sync-health overview; the README's pictures of the last
two are taken on the way (`make screenshot`, tests/screenshots.py)."""

import datetime as dt

from odoo.tests import HttpCase, tagged

from ..erp.contract import ChangeSet, DocState, DocType, FiscalNote, RemoteStatus
from .common import BAD_CPF, ErpSyncCommon
from .screenshots import COMPANY_NAME, ScreenshotTourMixin


@tagged("post_install", "-at_install")
class TestErpUxTours(ScreenshotTourMixin, ErpSyncCommon, HttpCase):
    def setUp(self):
        super().setUp()
        admin = self.env.ref("base.user_admin")
        admin.write({"company_ids": [(4, self.company.id)], "company_id": self.company.id})
        self.company.name = COMPANY_NAME

    def _open_invoice(self, move, tour, **kwargs):
        self.start_tour(self.invoicing_url(f"invoicing/{move.id}"), tour, **kwargs)

    def test_error_invoice_fixed_reprocessed_then_open(self):
        customer = self._create_customer("Ana Errada", BAD_CPF)
        move = self._invoice(partner=customer)
        self._run_push()
        self.assertServiceOrderState(move, "error")
        self._open_invoice(move, "tecpet_erp_sync_error_fix_reprocess", login="admin")
        self.env.invalidate_all()
        self.assertEqual(customer.vat, "390.533.447-05")
        self.assertServiceOrderState(move, "processing")
        self._run_push()
        self.assertServiceOrderState(move, "open")
        self._open_invoice(move, "tecpet_erp_sync_invoice_open", login="admin")

    def test_issued_invoice_shows_its_note_block(self):
        # Goods: a sales order whose NF-e has a 44-digit access key; no XML link given.
        move = self._invoice(partner=self.company_customer, lines=[(self.goods, 2, 150.0)])
        self._run_push()
        doc = move.erp_document_ids
        note = FiscalNote(
            number="000123",
            series="1",
            access_key="35261211222333000181550010000001231000001234",
            issued_on=dt.date(2026, 12, 1),
            pdf_url="https://www.bling.com.br/doc.view.php?id=abc",
        )
        status = RemoteStatus(DocType(doc.doc_type), doc.external_id, DocState.ISSUED, note=note)
        doc._erp_apply_read_back(ChangeSet((status,), cursor=""))
        self.assertServiceOrderState(move, "issued")
        self._open_invoice(move, "tecpet_erp_sync_note_block", login="admin")

    def test_overview(self):
        self.integration.name = "VHSYS (matriz)"
        self._invoice()
        self._invoice()
        self._invoice(partner=self.bad_customer)
        paid, issued = self._invoice(), self._invoice(lines=[(self.goods, 1, 150.0)])
        self.env["tecpet.erp.document"]._cron_push_documents()
        self._erp_act(paid.erp_document_ids, "pay")
        self._erp_act(issued.erp_document_ids, "pay", "ready", "issue")
        self.env["tecpet.erp.document"]._cron_refresh_status()
        self._invoice()  # still to send
        self.env.invalidate_all()
        states = ("count_processing", "count_open", "count_fulfilled", "count_issued")
        self.assertEqual([self.integration[state] for state in states], [1, 2, 1, 1])
        url = "/odoo/action-tecpet_erp_sync.action_tecpet_erp_sync_overview"
        self.start_tour(url, "tecpet_erp_sync_overview", login="admin")
