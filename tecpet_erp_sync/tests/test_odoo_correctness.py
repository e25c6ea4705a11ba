# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo idioms the addon must respect: who reads ERP documents and who opens an invoice, the
webhooks' body limit, the database's own guarantee of one live document per type, the document's
name, and what the invoice's chatter records."""

from unittest.mock import patch

from lxml import etree
from psycopg2 import IntegrityError
from werkzeug.formparser import FormDataParser

from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..controllers.webhooks import MAX_BODY, ErpWebhookController
from .common import ErpSyncCommon

# What the invoice form reads of the ERP (views/account_move_views.xml) for an invoicing user: the
# banner, the fiscal note block and the ERP tab.
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
            "error_text": {},
            "last_sync_at": {},
        }
    },
}
ERP_DOCUMENT_FIELDS = {"erp_error_message", "erp_note_document_ids", "erp_document_ids", "erp_note_numbers"}


@tagged("post_install", "-at_install")
class TestInvoiceReaders(ErpSyncCommon):
    """ERP documents are for invoicing users (issue 21 N20: their errors quote customers' CPF,
    names and addresses). Every other user who reads invoices still opens them and sees the
    Service Order column (a stored field of the invoice), without the documents."""

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
        cls.billing = new_test_user(
            cls.env, login="billing_reader", groups="account.group_account_invoice", company_id=cls.company.id
        )
        cls.clerk = new_test_user(cls.env, login="stock_clerk", groups="base.group_user")

    def _documented_invoice(self):
        """One invoice in the ERP (link, number) and one in error (the banner's message)."""
        sent = self._invoice()
        failed = self._invoice(partner=self.bad_customer)
        self._run_push()
        self.assertServiceOrderState(sent, "open")
        self.assertServiceOrderState(failed, "error")
        return sent, failed

    def test_invoicing_user_reads_the_erp_part(self):
        sent, failed = self._documented_invoice()
        values = (sent + failed).with_user(self.billing).web_read(ERP_FORM_SPEC)
        by_state = {v["service_order_state"]: v for v in values}
        self.assertEqual(set(by_state), {"open", "error"})
        document = by_state["open"]["erp_document_ids"][0]
        self.assertTrue(document["external_url"])
        self.assertIn(sent.name, document["display_name"])
        self.assertIn("123.456.789-00", by_state["error"]["erp_error_message"])

    def test_readers_open_the_invoice_form_and_list_without_the_documents(self):
        sent, failed = self._documented_invoice()
        tree_id = self.env.ref("account.view_out_invoice_tree").id
        for user in (self.auditor, self.salesman):
            Move = self.env["account.move"].with_user(user)
            for view_id, view_type in ((False, "form"), (tree_id, "list"), (False, "search")):
                arch = etree.fromstring(Move.get_view(view_id, view_type)["arch"])
                shown = {node.get("name") for node in arch.iter("field")}
                self.assertFalse(shown & ERP_DOCUMENT_FIELDS, f"{user.login}: {view_type}")
                # What the web client reads are the fields of the arch it is given.
                if view_type == "list":
                    self.assertIn("service_order_state", shown, "the column stays")
            rows = Move.web_search_read([("id", "in", (sent + failed).ids)], {"service_order_state": {}})
            self.assertEqual({r["service_order_state"] for r in rows["records"]}, {"open", "error"})
        for move in (sent, failed):  # the whole form, as the auditor's browser loads it
            self.assertEqual(Form(move.with_user(self.auditor)).service_order_state, move.service_order_state)

    def test_other_internal_users_read_no_document(self):
        sent, failed = self._documented_invoice()
        docs = (sent + failed).erp_document_ids
        for user in (self.clerk, self.salesman, self.auditor):
            with self.assertRaises(AccessError, msg=user.login):
                self.env["tecpet.erp.document"].with_user(user).search([])
            with self.assertRaises(AccessError, msg=user.login):
                docs.with_user(user).read(["error_message"])

    def test_other_internal_users_cannot_run_the_document_reprocess(self):
        _sent, failed = self._documented_invoice()
        action = self.env.ref("tecpet_erp_sync.action_server_document_reprocess")
        context = {"active_model": "tecpet.erp.document", "active_ids": failed.erp_document_ids.ids}
        with self.assertRaises(AccessError):
            action.with_user(self.clerk).with_context(**context).run()
        answer = action.with_user(self.billing).with_context(**context).run()
        self.assertIn("still fail validation", answer["params"]["message"])

    def test_readers_cannot_change_documents(self):
        sent, _failed = self._documented_invoice()
        for user in (self.auditor, self.salesman, self.billing):
            with self.assertRaises(AccessError):
                sent.erp_document_ids.with_user(user).write({"state": "error"})


@tagged("post_install", "-at_install")
class TestMovesOfOtherAddons(ErpSyncCommon):
    """Users of other addons who may change journal entries (purchase users: vendor bills) reset
    and delete them without reading ERP documents they have no access to."""

    def test_reset_and_delete_an_entry_without_document_access(self):
        group = self.env["res.groups"].create({"name": "Bills of another addon"})
        for model in ("account.model_account_move", "account.model_account_move_line"):
            self.env["ir.model.access"].create(
                {
                    "name": "bills",
                    "model_id": self.env.ref(model).id,
                    "group_id": group.id,
                    **dict.fromkeys(("perm_read", "perm_write", "perm_create", "perm_unlink"), True),
                }
            )
        user = new_test_user(self.env, login="buyer", groups="base.group_user", company_id=self.company.id)
        user.groups_id += group
        draft = self._invoice(post=False)
        invoice = self._invoice()
        with self.assertRaises(AccessError):
            self.env["tecpet.erp.document"].with_user(user).search([])
        invoice.with_user(user)._erp_request_cancellation()
        draft.with_user(user)._erp_unlink_except_live_documents()
        self.assertEqual(invoice.erp_document_ids.state, "canceled", "queued, never sent: canceled")


@tagged("post_install", "-at_install")
class TestWebhookBodyLimit(ErpSyncCommon, HttpCase):
    """The webhooks' body limit is the route's ``max_content_length``: Odoo refuses a larger body
    before it parses it as a form (issue 21 N20), not after reading it into memory."""

    def test_an_oversized_form_is_refused_before_it_is_parsed(self):
        for provider in ("bling", "vhsys"):
            url = f"/tecpet_erp_sync/webhook/{provider}/{self.integration.id}"
            with patch.object(
                FormDataParser, "get_parse_func", autospec=True, side_effect=FormDataParser.get_parse_func
            ) as parse:
                answer = self.url_open(url, data={"pad": "x" * (MAX_BODY + 1)})
            self.assertEqual(answer.status_code, 413, provider)
            self.assertFalse(parse.called, f"{provider}: the form was parsed before the limit")
            small = self.url_open(url, data={"pad": "x"})
            self.assertEqual(small.status_code, 401, "a small form reaches the webhook (unsigned: refused)")
            route = getattr(ErpWebhookController, f"{provider}_webhook").original_routing
            self.assertEqual(route["max_content_length"], MAX_BODY)


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
