# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fiscal note reaches the customer (issue 22 point 2): a note issued in (sandbox) Bling and
read back shows in the invoice e-mail of Send & Print and on the customer portal's invoice page,
in the customer's language."""

from odoo.tests import HttpCase, tagged

from .common import ErpSyncCommon, load_pt_br


@tagged("post_install", "-at_install")
class TestNoteToCustomer(ErpSyncCommon, HttpCase):
    provider = "bling"

    def setUp(self):
        super().setUp()
        self._connect_bling()

    def _issued_invoice(self):
        move, doc = self._issued()
        self.assertTrue(doc.note_pdf_url, "the sandbox gives the NFS-e's link")
        return move, doc

    def _send_and_print(self, move):
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({})
        )
        body = wizard.mail_body
        wizard.action_send_and_print()
        message = self.env["mail.message"].search(
            [("model", "=", "account.move"), ("res_id", "=", move.id), ("message_type", "=", "comment")],
            order="id desc",
            limit=1,
        )
        return body, message

    def test_the_invoice_email_carries_the_note_in_the_customers_language(self):
        load_pt_br(self.env)
        self.customer.lang = "pt_BR"
        move, doc = self._issued_invoice()
        body, message = self._send_and_print(move)
        self.assertIn(doc.note_pdf_url, body, "the wizard's body shows it before sending")
        self.assertIn(doc.note_pdf_url, message.body)
        self.assertIn(doc.note_number, message.body)
        self.assertIn("Baixar a nota fiscal (PDF)", message.body)
        self.assertIn("Nota fiscal de serviço (NFS-e)", message.body)
        self.assertTrue(message.partner_ids & self.customer, "sent to the customer")

    def test_an_invoice_without_issued_note_gets_the_usual_email(self):
        move = self._invoice()
        self._run_push()
        body, message = self._send_and_print(move)
        self.assertNotIn("o_erp_note_customer", body)
        self.assertNotIn("o_erp_note_customer", message.body)

    def test_the_portal_invoice_page_shows_the_note(self):
        move, doc = self._issued_invoice()
        url = move.get_portal_url()
        page = self.url_open(url)  # the customer's link: an access token, no login
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="erp_fiscal_note"', page.text)
        for value in (doc.note_number, doc.note_pdf_url):
            self.assertIn(value, page.text)
        if doc.note_key:
            self.assertIn(doc.note_key, page.text)
        self.assertIn("Download the fiscal note (PDF)", page.text)

        load_pt_br(self.env)
        page = self.url_open(f"/pt_BR{url}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Baixar a nota fiscal (PDF)", page.text)

        other = self._invoice()
        self.assertNotIn('id="erp_fiscal_note"', self.url_open(other.get_portal_url()).text)


@tagged("post_install", "-at_install")
class TestNoteToCustomerVhsys(ErpSyncCommon):
    """VHSYS gives no PDF link of its notes: the e-mail of an NF-e links to SEFAZ's national
    portal, where the customer checks the note by the access key the e-mail shows."""

    def test_the_invoice_email_of_a_vhsys_nfe_links_to_the_national_portal(self):
        move, doc = self._issued(partner=self.company_customer, lines=[(self.goods, 1, 150.0)])
        self.assertFalse(doc.note_pdf_url)
        block = str(move._erp_note_block_for_customer("en_US"))
        self.assertIn(doc.note_key, block)
        self.assertIn("https://www.nfe.fazenda.gov.br/portal/consultaRecaptcha.aspx", block)
