# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A job writes a document's error in the company's language; each reader reads it in their own
(issue 22 point 7): the error keeps the templates it was rendered from and is rendered again."""

from odoo.tests import new_test_user, tagged

from .common import ErpSyncCommon, load_pt_br


@tagged("post_install", "-at_install")
class TestErrorInTheReadersLanguage(ErpSyncCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_pt_br(cls.env)
        cls.company.partner_id.lang = "en_US"  # the jobs write in English
        cls.clerk = new_test_user(
            cls.env,
            login="faturista",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            lang="pt_BR",
        )

    def _as_clerk(self, records):
        """As the clerk reads them in the browser: their user, their session's language."""
        return records.with_user(self.clerk).with_context(lang=self.clerk.lang)

    def _push_as_cron(self):
        self.env(context={})["tecpet.erp.document"]._cron_push_documents()  # the cron's env: no lang
        self.env.invalidate_all()

    def test_a_data_error_written_in_english_reads_in_portuguese(self):
        move = self._invoice(partner=self.bad_customer)
        self._push_as_cron()
        doc = move.erp_document_ids
        self.assertIn("Fix the customer and Reprocess the invoice.", doc.error_message, "stored as written")
        as_clerk = self._as_clerk(move)
        self.assertEqual(as_clerk.env.lang, "pt_BR")
        shown = as_clerk.erp_error_message
        self.assertIn("CPF 123.456.789-00 inválido", shown)
        self.assertIn("Corrija o cliente e reprocesse a fatura.", shown)
        self.assertNotIn("Fix the customer", shown)
        self.assertEqual(as_clerk.erp_document_ids.error_text, shown)
        # The English reader still reads English, from the same row.
        self.assertIn("Fix the customer and Reprocess the invoice.", move.erp_error_message)

    def test_the_field_a_job_names_reads_as_the_readers_form_calls_it(self):
        """The customer's field the message names is a label of the partner form: rendered in the
        reader's language too, not kept in the writer's ("Corrija o campo "Identification Number"")."""
        self.env["ir.module.module"]._load_module_terms(
            ["l10n_latam_base", "l10n_br"], ["pt_BR"], overwrite=True
        )
        Partner = self.env["res.partner"]
        label_en = Partner._erp_field_labels()["vat"]
        label_pt = Partner.with_context(lang="pt_BR")._erp_field_labels()["vat"]
        self.assertNotEqual(label_en, label_pt, "the form calls the field differently in each language")
        move = self._invoice(partner=self.bad_customer)
        self._push_as_cron()
        doc = move.erp_document_ids
        self.assertIn(f'"{label_en}"', doc.error_message, "stored as written, in English")
        shown = self._as_clerk(doc).error_text
        self.assertIn(f'Corrija o campo "{label_pt}" do cliente.', shown)
        self.assertNotIn(label_en, shown)
        # Written in Portuguese (the clerk's Reprocess), read in English.
        self._as_clerk(move).action_erp_reprocess()
        self.assertIn(f'"{label_pt}"', doc.error_message, "stored as the clerk's Reprocess wrote it")
        self.assertIn(f'Fix the customer\'s "{label_en}".', doc.error_text)

    def test_an_erp_refusal_written_in_english_reads_in_portuguese(self):
        """A failure through outcome.classify (credentials refused): the job's own sentence."""
        self.sandbox.control("faults", {"fault": "revoked_token", "provider": "vhsys"})
        move = self._invoice()
        self._push_as_cron()
        doc = move.erp_document_ids
        self.assertEqual((doc.state, doc.error_kind), ("error", "connection"))
        self.assertIn("The ERP rejected the integration's credentials", doc.error_message)
        shown = self._as_clerk(doc).error_text
        self.assertIn("O ERP recusou as credenciais da integração", shown)

    def test_the_last_connection_check_a_job_wrote_reads_in_portuguese(self):
        """The job that met refused credentials writes the reason under Last connection check,
        which the integration's banner points to: a pt_BR administrator reads it in Portuguese."""
        self.sandbox.control("faults", {"fault": "revoked_token", "provider": "vhsys"})
        self._invoice()
        self._push_as_cron()
        integration = self.integration
        self.assertTrue(integration.auth_failed)
        self.assertIn("VHSYS refused the credentials.", integration.last_check_message)
        shown = integration.with_context(lang="pt_BR").last_check_text
        self.assertIn("O VHSYS recusou as credenciais.", shown)
        self.assertEqual(integration.last_check_text, integration.last_check_message, "English for English")
        arch = integration.get_view(view_type="form")["arch"]
        self.assertIn('name="last_check_text"', arch)
        self.assertNotIn('name="last_check_message"', arch)

    def test_a_transient_reason_nested_in_the_final_error_reads_in_portuguese(self):
        self.sandbox.control("faults", {"fault": "server_error", "provider": "vhsys", "count": -1})
        move = self._invoice()
        doc = move.erp_document_ids
        for _attempt in range(8):
            doc.sudo().next_attempt_at = False
            self._push_as_cron()
        self.assertEqual(doc.state, "error")
        self.assertIn(
            "The ERP could not be reached after 8 attempts (The ERP answered HTTP 500", doc.error_message
        )
        self.assertIn(
            "Não foi possível acessar o ERP após 8 tentativas (O ERP respondeu HTTP 500",
            self._as_clerk(doc).error_text,
        )

    def test_a_refusal_before_any_call_reads_in_portuguese(self):
        """The documents' total checked just before the send (N19): a PV the service-only invoice
        no longer makes (a document left from an older version) stops it, in the reader's words."""
        move = self._invoice()
        self.env["tecpet.erp.document"].sudo().create(
            {"move_id": move.id, "integration_id": self.integration.id, "doc_type": "sales_order"}
        )
        self._push_as_cron()
        doc = move.erp_document_ids.filtered(lambda d: d.doc_type == "service_order")
        self.assertEqual((doc.state, doc.error_kind), ("error", "data"))
        self.assertIn("its lines changed since it was posted", doc.error_message)
        self.assertTrue(
            doc.error_message.endswith("confirm it again."), "no record to fix: the invoice's own fix"
        )
        self.assertIn("linhas mudaram desde que ela foi lançada", self._as_clerk(doc).error_text)

    def test_an_error_without_a_source_shows_as_stored(self):
        """Rows written before this version, or by code that wrote a plain string."""
        move = self._invoice(partner=self.bad_customer)
        self._push_as_cron()
        doc = move.erp_document_ids.sudo()
        self.assertTrue(doc.error_source)
        doc.write({"error_message": "Written by an older version."})
        self.assertFalse(doc.error_source, "a plain text never keeps the source of the error before")
        self.assertEqual(self._as_clerk(doc).error_text, "Written by an older version.")

    def test_a_source_that_no_longer_renders_shows_as_stored(self):
        move = self._invoice(partner=self.bad_customer)
        self._push_as_cron()
        doc = move.erp_document_ids.sudo()
        stored = doc.error_message
        doc.write({"error_source": [{"t": "A template changed by an upgrade: %(gone)s", "p": {}}]})
        self.assertEqual(self._as_clerk(doc).error_text, stored)

    def test_a_cleared_error_shows_nothing(self):
        move = self._invoice(partner=self.bad_customer)
        self._push_as_cron()
        self.bad_customer.vat = "390.533.447-05"
        move.action_erp_reprocess()
        self.assertFalse(move.erp_document_ids.error_text)
        self.assertFalse(self._as_clerk(move).erp_error_message)
