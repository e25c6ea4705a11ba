# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What walking `make demo` as a clerk and an administrator found (issue 13, point 8), each
checked the way the person met it: through the sandbox over HTTP, the views and the actions."""

from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import ErpSyncCommon


@tagged("post_install", "-at_install")
class TestWalkthroughFindings(ErpSyncCommon):
    def test_issued_goods_invoice_shows_the_note_number_key_and_date_read_from_vhsys(self):
        move = self._invoice(partner=self.company_customer, lines=[(self.goods, 1, 150.0)])
        self._run_push()
        doc = move.erp_document_ids
        self._erp_act(doc, "pay", "ready", "issue")
        self._run_refresh()
        self.assertServiceOrderState(move, "issued")
        self.assertTrue(doc.note_number)
        self.assertEqual(move.erp_note_numbers, doc.note_number)
        self.assertEqual(len(doc.note_key or ""), 44, "the NF-e access key")
        self.assertTrue(doc.note_issued_on)
        self.assertFalse(doc.note_pdf_url, "VHSYS gives no PDF link through its API")
        self.assertIn(f"#vhsys-sales_order-{doc.external_id}", doc.external_url)

    def test_issued_service_invoice_shows_the_nfse_number(self):
        self.integration.issue_fiscal_notes = True
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        self._erp_act(doc, "pay")
        self._run_refresh()
        self._run_push()  # the push job issues the NFS-e
        self._run_refresh()
        self.assertServiceOrderState(move, "issued")
        self.assertTrue(doc.note_number)
        self.assertEqual(move.erp_note_numbers, doc.note_number)

    def test_service_invoice_whose_nfse_a_vhsys_user_issued_shows_its_number(self):
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        self._erp_act(doc, "pay", "ready", "issue")  # as make demo does, in VHSYS's screens
        self._run_refresh()
        self.assertServiceOrderState(move, "issued")
        erp_side = [
            d for d in self.sandbox.control("state", {})["vhsys"]["documents"] if d["marker"] == doc.marker
        ]
        self.assertEqual(doc.note_number, erp_side[0]["note"])
        self.assertEqual(move.erp_note_numbers, doc.note_number)

    def test_test_connection_fails_with_a_mistyped_vhsys_secret(self):
        self.assertEqual(self.integration.action_test_connection()["params"]["title"], "Connection OK")
        self.integration.vhsys_secret_token = "test-secret-mistyped"
        answer = self.integration.action_test_connection()
        self.assertEqual(answer["params"]["title"], "Connection failed")
        self.assertFalse(self.integration.last_check_ok)

    def test_archived_integration_is_listed_marked_and_filtered(self):
        self.integration.active = False
        action = self.env.ref("tecpet_erp_sync.action_tecpet_erp_integration")
        Integration = self.env["tecpet.erp.integration"].with_context(**safe_eval(action.context))
        self.assertIn(self.integration, Integration.search([]), "the list shows archived ones too")
        views = Integration.get_views([(False, "list"), (False, "search")])["views"]
        listing = etree.fromstring(views["list"]["arch"])
        self.assertEqual(listing.get("decoration-muted"), "not active")
        self.assertTrue(listing.xpath("//field[@name='active']"))
        search = etree.fromstring(views["search"]["arch"])
        archived = search.xpath("//filter[@name='inactive']")[0]
        self.assertEqual(Integration.search(safe_eval(archived.get("domain"))), self.integration)

    def test_error_document_does_not_show_a_pending_send(self):
        Document = self.env["tecpet.erp.document"]
        for view_type in ("list", "form"):
            arch = etree.fromstring(Document.get_view(view_type=view_type)["arch"])
            (field,) = arch.xpath("//field[@name='pending_action']")
            self.assertIn("state == 'error'", field.get("invisible", ""), view_type)
