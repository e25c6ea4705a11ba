# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo idioms the addon must respect: who can open an invoice, the database's own guarantee of
one live document per type, the document's name, and what the invoice's chatter records."""

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import ErpSyncCommon

# What the invoice form reads of the ERP (views/account_move_views.xml): the banner, the fiscal
# note block and the ERP tab.
ERP_FORM_SPEC = {
    "service_order_state": {},
    "erp_error_message": {},
    "erp_excluded": {},
    "erp_note_document_ids": {"fields": {"doc_type": {}, "note_number": {}, "external_url": {}}},
    "erp_document_ids": {
        "fields": {
            "display_name": {},
            "doc_type": {},
            "state": {},
            "external_number": {},
            "external_url": {},
            "error_message": {},
            "last_sync_at": {},
        }
    },
}


@tagged("post_install", "-at_install")
class TestInvoiceReaders(ErpSyncCommon):
    """Every user who can read an invoice can open it, ERP part included (as account_edi grants
    ``base.group_user`` read on its documents)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = new_test_user(
            cls.env, login="auditor", groups="account.group_account_readonly", company_id=cls.company.id
        )
        # Another addon's group that reads invoices and knows nothing of this addon, as sale's
        # salesman group does (sale/security/ir.model.access.csv grants it read on account.move).
        readers = cls.env["res.groups"].create({"name": "Invoice readers of another addon"})
        cls.env["ir.model.access"].create(
            {
                "name": "invoice readers",
                "model_id": cls.env.ref("account.model_account_move").id,
                "group_id": readers.id,
                "perm_read": True,
            }
        )
        cls.salesman = new_test_user(cls.env, login="salesman_like", groups="base.group_user")
        cls.salesman.groups_id += readers

    def _documented_invoice(self):
        """One invoice in the ERP (link, number) and one in error (the banner's message)."""
        sent = self._invoice()
        failed = self._invoice(partner=self.bad_customer)
        self._run_push()
        self.assertServiceOrderState(sent, "open")
        self.assertServiceOrderState(failed, "error")
        return sent, failed

    def test_auditor_opens_the_invoice_form(self):
        sent, failed = self._documented_invoice()
        for move in (sent, failed):
            form = Form(move.with_user(self.auditor))
            self.assertEqual(form.service_order_state, move.service_order_state)
            self.assertEqual(len(form.erp_document_ids), 1)
        self.assertIn("123.456.789-00", Form(failed.with_user(self.auditor)).erp_error_message)

    def test_user_of_another_invoice_reading_group_reads_the_erp_part(self):
        sent, failed = self._documented_invoice()
        values = (sent + failed).with_user(self.salesman).web_read(ERP_FORM_SPEC)
        by_state = {v["service_order_state"]: v for v in values}
        self.assertEqual(set(by_state), {"open", "error"})
        document = by_state["open"]["erp_document_ids"][0]
        self.assertTrue(document["external_url"])
        self.assertIn(sent.name, document["display_name"])
        self.assertIn("123.456.789-00", by_state["error"]["erp_error_message"])

    def test_readers_cannot_change_documents(self):
        sent, _failed = self._documented_invoice()
        for user in (self.auditor, self.salesman):
            with self.assertRaises(AccessError):
                sent.erp_document_ids.with_user(user).write({"state": "error"})


@tagged("post_install", "-at_install")
class TestDocumentModel(ErpSyncCommon):
    def _second_document(self, move, **vals):
        return self.env["tecpet.erp.document"].create(
            {"move_id": move.id, "integration_id": self.integration.id, "doc_type": "service_order", **vals}
        )

    def test_the_database_refuses_a_second_live_document_of_a_type(self):
        move = self._invoice()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self._second_document(move)
        # Another type is another document.
        self.assertTrue(self._second_document(move, doc_type="sales_order"))

    def test_replaced_and_canceled_documents_stay_beside_the_live_one(self):
        """A re-posting queues a new document while the old one is still being cancelled
        (erp/lifecycle.py on_post): both are active, only the new one is live."""
        move = self._invoice()
        old = move.erp_document_ids
        old.write({"state": "canceled", "pending_action": False})
        self.assertTrue(self._second_document(move))
        cancelling = self._invoice()
        cancelling.erp_document_ids.write({"pending_action": "cancel"})
        self.assertTrue(self._second_document(cancelling))
        archived = self._invoice()
        archived.erp_document_ids.active = False
        self.assertTrue(self._second_document(archived))

    def test_display_name_and_name_search(self):
        move = self._invoice()
        doc = move.erp_document_ids
        self.assertEqual(doc.display_name, f"{move.name} · Service Order")
        Document = self.env["tecpet.erp.document"]
        self.assertIn(doc.id, [i for i, _name in Document.name_search(move.name)])
        self.assertIn(doc.id, [i for i, _name in Document.name_search(doc.marker)])
        self.assertFalse(Document.name_search("no such invoice"))
        # Translated like the type's label (test_translations.py loads the same .po).
        self.env["res.lang"]._activate_lang("pt_BR")
        self.env["ir.module.module"]._load_module_terms(["tecpet_erp_sync"], ["pt_BR"], overwrite=True)
        self.assertEqual(doc.with_context(lang="pt_BR").display_name, f"{move.name} · Ordem de Serviço")


@tagged("post_install", "-at_install")
class TestInvoiceChatter(TransactionCase):
    def test_service_order_state_is_not_tracked(self):
        """The state changes 2-6 times per invoice and the job already tells what matters (an
        error, a deletion in the ERP) in the chatter: no tracking line on top. Asked of mail's
        own tracking (the fields ``_message_track`` follows), as account_edi leaves edi_state."""
        tracked = self.env["account.move"]._track_get_fields()
        self.assertIn("state", tracked)
        self.assertNotIn("service_order_state", tracked)
