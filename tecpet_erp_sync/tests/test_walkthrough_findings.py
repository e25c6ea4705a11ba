# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What walking `make demo` as a clerk and an administrator found (issue 13 point 8, issue 22
point 7), each checked the way the person met it: through the sandbox over HTTP, the views and the
actions."""

from datetime import timedelta

from lxml import etree, html

from odoo import fields
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import ErpSyncCommon


@tagged("post_install", "-at_install")
class TestWalkthroughFindings(ErpSyncCommon):
    def test_issued_goods_invoice_shows_the_note_number_key_and_date_read_from_vhsys(self):
        move, doc = self._issued(partner=self.company_customer, lines=[(self.goods, 1, 150.0)])
        self.assertTrue(doc.note_number)
        self.assertEqual(move.erp_note_numbers, doc.note_number)
        self.assertEqual(len(doc.note_key or ""), 44, "the NF-e access key")
        self.assertTrue(doc.note_issued_on)
        self.assertFalse(doc.note_pdf_url, "VHSYS gives no PDF link through its API")
        self.assertIn(f"#vhsys-sales_order-{doc.external_id}", doc.external_url)

    def test_issued_service_invoice_shows_the_nfse_number(self):
        move, doc = self._paid_with_note_to_issue()
        self._run_push()  # the push job issues the NFS-e
        self._run_refresh()
        self.assertServiceOrderState(move, "issued")
        self.assertTrue(doc.note_number)
        self.assertEqual(move.erp_note_numbers, doc.note_number)

    def test_service_invoice_whose_nfse_a_vhsys_user_issued_shows_its_number(self):
        move, doc = self._issued()  # paid and issued in VHSYS's screens, as make demo does
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


@tagged("post_install", "-at_install")
class TestClerkAndAdministratorWalk(ErpSyncCommon):
    """What walking `make demo` in Chromium as a billing clerk and an administrator found (issue 22
    point 7), each checked through the action or view the person used."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A clinic's billing clerk: no e-mail address on their user.
        cls.clerk = new_test_user(
            cls.env,
            login="recepcao",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            email=False,
        )

    def _old_invoice(self, days, **kwargs):
        move = self._invoice(post=False, **kwargs)
        move.invoice_date = fields.Date.today() - timedelta(days=days)
        move.action_post()
        return move

    def test_a_clerk_without_an_email_address_excludes_and_includes(self):
        self.assertFalse(self.clerk.email)
        move = self._invoice().with_user(self.clerk)
        action = move.action_erp_open_exclude_wizard()
        wizard = self.env[action["res_model"]].with_user(self.clerk).with_context(**action["context"])
        answer = wizard.create({"reason": "Faturada à mão no ERP"}).action_exclude()
        self.assertIn("1 invoice(s) excluded", answer["params"]["message"])
        note = move.message_ids.filtered(lambda m: "Faturada à mão no ERP" in (m.body or ""))
        self.assertEqual(note.author_id, self.clerk.partner_id, "the clerk's note, in their name")
        answer = move.action_erp_include()
        self.assertIn("1 invoice(s) back in the ERP flow and queued", answer["params"]["message"])
        self.assertTrue(
            move.message_ids.filtered(lambda m: "Included in the ERP flow again" in (m.body or ""))
        )

    def test_include_again_points_each_user_to_what_they_can_use(self):
        old = self._old_invoice(30)
        old.erp_excluded = True
        clerk_says = old.with_user(self.clerk).action_erp_include()["params"]["message"]
        self.assertIn("no longer excluded but not queued", clerk_says)
        self.assertIn("ask an accounting manager", clerk_says)
        self.assertNotIn("Reporting", clerk_says, "a menu the clerk does not have")
        old.erp_excluded = True
        manager_says = old.action_erp_include()["params"]["message"]
        self.assertIn("Invoicing → Reporting → ERP Sync → Send Older Invoices to ERP", manager_says)

    def test_send_to_erp_lists_the_invoices_and_their_checks_before_sending(self):
        ready = self._old_invoice(10)
        failing = self._old_invoice(20, partner=self.bad_customer)
        wizard = Form(self.env["tecpet.erp.send.wizard"])
        wizard.date_from = fields.Date.today() - timedelta(days=30)
        self.assertEqual((wizard.invoice_count, wizard.problem_count), (2, 1))
        preview = html.fromstring(str(wizard.preview))
        rows = {row.findtext("td"): "".join(row.xpath("td[last()]//text()")) for row in preview.iter("tr")}
        self.assertEqual(rows[ready.name], "Ready")
        self.assertIn("CPF 123.456.789-00 is invalid", rows[failing.name])
        self.assertIn("Fix the customer and Reprocess the invoice.", rows[failing.name])
        answer = wizard.save().action_send()
        self.assertIn("1 of them fail the checks and go to Error", answer["params"]["message"])
        self.assertEqual(
            answer["params"]["next"],
            {"type": "ir.actions.client", "tag": "soft_reload"},
            "the invoice list behind the dialog shows the new states",
        )

    def test_bulk_reprocess_says_what_happened_to_the_invoices_that_needed_nothing(self):
        failed = self._invoice(partner=self.bad_customer)
        sent = self._invoice()
        self._run_push()
        self.assertServiceOrderState(sent, "open")
        self.bad_customer.vat = "390.533.447-05"
        message = (failed | sent).action_erp_reprocess()["params"]["message"]
        self.assertIn("1 invoice(s) queued", message)
        self.assertIn(f"1 needed no action: {sent.name} (Open)", message)

    def test_documents_are_grouped_in_the_order_of_the_flow(self):
        moves = [self._invoice(partner=self.bad_customer), self._invoice(), self._invoice()]
        self._run_push()
        self._erp_act(moves[2].erp_document_ids, "pay")
        self._run_refresh()
        moves[1].button_draft()  # a cancel queued
        self._run_push()  # canceled
        self._invoice()  # processing
        Document = self.env["tecpet.erp.document"]
        expected = ["processing", "fulfilled", "canceled", "error"]
        for lazy in (True, False):  # kanban, list (lazy) and pivot, graph (not lazy)
            groups = Document.read_group([], ["__count"], ["state"], lazy=lazy)
            self.assertEqual([g["state"] for g in groups], expected, f"lazy={lazy}")
        pivot = Document.read_group([], ["__count"], ["integration_id", "state"], lazy=False)
        self.assertEqual([g["state"] for g in pivot], expected)

    def test_analysis_opens_on_a_graph_of_the_states_by_type(self):
        action = self.env.ref("tecpet_erp_sync.action_tecpet_erp_document_analysis")
        self.assertNotIn("group_by", action.context or "", "no grouping that makes a single bar")
        arch = etree.fromstring(self.env["tecpet.erp.document"].get_view(view_type="graph")["arch"])
        self.assertEqual([f.get("name") for f in arch.iter("field")], ["state", "doc_type"])
