# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 13 in a real browser (Chromium): an Error invoice fixed and reprocessed until Open, the
note block of an issued invoice, and the sync-health overview."""

import datetime as dt

from odoo.tests import HttpCase, tagged

from ..erp.contract import ChangeSet, DocState, DocType, FiscalNote, RemoteStatus
from .common import BAD_CPF, ErpSyncCommon

INVOICE_URL = "/odoo/action-account.action_move_out_invoice_type/{id}"


@tagged("post_install", "-at_install")
class TestErpUxTours(ErpSyncCommon, HttpCase):
    def setUp(self):
        super().setUp()
        admin = self.env.ref("base.user_admin")
        admin.write({"company_ids": [(4, self.company.id)], "company_id": self.company.id})

    def test_error_invoice_fixed_reprocessed_then_open(self):
        customer = self._create_customer("Ana Errada", BAD_CPF)
        move = self._invoice(partner=customer)
        self._run_push()
        self.assertServiceOrderState(move, "error")
        self.start_tour(INVOICE_URL.format(id=move.id), "tecpet_erp_sync_error_fix_reprocess", login="admin")
        self.env.invalidate_all()
        self.assertEqual(customer.vat, "390.533.447-05")
        self.assertServiceOrderState(move, "processing")
        self._run_push()
        self.assertServiceOrderState(move, "open")
        self.start_tour(INVOICE_URL.format(id=move.id), "tecpet_erp_sync_invoice_open", login="admin")

    def test_issued_invoice_shows_its_note_block(self):
        move = self._invoice()
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
        self.start_tour(INVOICE_URL.format(id=move.id), "tecpet_erp_sync_note_block", login="admin")

    def test_overview(self):
        self._invoice()
        self._invoice()
        self._invoice(partner=self.bad_customer)
        self.env["tecpet.erp.document"]._cron_push_documents()
        self.assertEqual(self.integration.count_open, 2)
        url = "/odoo/action-tecpet_erp_sync.action_tecpet_erp_sync_overview"
        self.start_tour(url, "tecpet_erp_sync_overview", login="admin")
