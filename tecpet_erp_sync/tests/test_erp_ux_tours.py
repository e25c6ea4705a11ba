# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 13 in a real browser (Chromium): an Error invoice fixed and reprocessed until Open, the
note block of an issued invoice, and the sync-health overview; the README's pictures of the last
two are taken on the way (`make screenshot`, tests/screenshots.py). Issue 22 point 7: what a
billing clerk and an administrator met in the browser."""

import datetime as dt

from odoo.tests import HttpCase, new_test_user, tagged

from ..erp.contract import ChangeSet, DocState, DocType, FiscalNote, RemoteStatus
from .common import BAD_CPF, ErpSyncCommon, load_pt_br
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


@tagged("post_install", "-at_install")
class TestClerkWalkTours(ScreenshotTourMixin, ErpSyncCommon, HttpCase):
    """Issue 22 point 7 in Chromium: what a billing clerk and an administrator met."""

    def setUp(self):
        super().setUp()
        admin = self.env.ref("base.user_admin")
        admin.write({"company_ids": [(4, self.company.id)], "company_id": self.company.id})

    def _push_as_cron(self):
        self.env(context={})["tecpet.erp.document"]._cron_push_documents()  # the cron's env: no lang
        self.env.invalidate_all()

    def test_pt_br_clerk_without_an_email_address(self):
        load_pt_br(self.env)
        modules = ["l10n_latam_base", "l10n_br"]  # the partner form's labels in Portuguese
        self.env["ir.module.module"]._load_module_terms(modules, ["pt_BR"], overwrite=True)
        self.company.partner_id.lang = "en_US"  # the jobs write in English
        clerk = new_test_user(
            self.env,
            login="recepcao",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            lang="pt_BR",
            email=False,
        )
        move = self._invoice(partner=self.bad_customer)
        self._push_as_cron()
        self.assertIn("Fix the customer", move.erp_document_ids.error_message)
        url = f"/odoo/action-account.action_move_out_invoice_type/{move.id}"
        self.start_tour(url, "tecpet_erp_sync_clerk_pt_br", login=clerk.login)
        self.env.invalidate_all()
        self.assertFalse(move.erp_excluded)
        self.assertServiceOrderState(move, "processing")
        note = move.message_ids.filtered(lambda m: "Faturada à mão no ERP" in (m.body or ""))
        self.assertEqual(note.author_id, clerk.partner_id)

    def test_send_older_invoices_from_the_invoice_list(self):
        older = [
            self._invoice(post=False),
            self._invoice(post=False, partner=self.bad_customer),
        ]
        for move in older:
            move.invoice_date = dt.date(2025, 1, 15)
            move.action_post()
            self.assertFalse(move.service_order_state)
        self.start_tour(self.invoicing_url(), "tecpet_erp_sync_send_older", login="admin")
        for move in older:
            self.assertServiceOrderState(move, "processing")

    def _documents_in_error(self):
        customer = self._create_customer(
            "Maria Aparecida dos Santos Oliveira", BAD_CPF, street2=False, zip="123", phone=False
        )
        moves = [self._invoice(partner=customer), self._invoice(lines=[(self.goods, 1, 150.0)])]
        moves.append(self._invoice(partner=customer, lines=[(self.service, 1, 80.0), (self.goods, 1, 150.0)]))
        self._run_push()
        moves[1].erp_document_ids.sudo().write({"read_error": "The ERP answered HTTP 500; retrying later."})
        return moves

    def test_document_and_integration_lists_read_their_column_titles_in_full(self):
        self._documents_in_error()
        self.integration.action_test_connection()
        for action in ("action_tecpet_erp_document", "action_tecpet_erp_integration"):
            url = f"/odoo/action-tecpet_erp_sync.{action}"
            self.start_tour(url, "tecpet_erp_sync_list_columns", login="admin")

    def test_overview_of_an_integration_that_never_ran(self):
        """A new integration's card says 'never' where a run would be, not a label and nothing."""
        url = "/odoo/action-tecpet_erp_sync.action_tecpet_erp_sync_overview"
        self.start_tour(url, "tecpet_erp_sync_overview_never_ran", login="admin")

    def test_erp_tab_column_titles_read_in_full(self):
        moves = self._documents_in_error()
        moves[2].erp_document_ids.sudo().write({"read_error": "The ERP answered HTTP 500; retrying later."})
        self.start_tour(
            self.invoicing_url(f"invoicing/{moves[2].id}"), "tecpet_erp_sync_erp_tab_columns", login="admin"
        )
