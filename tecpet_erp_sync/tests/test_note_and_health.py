# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fiscal note on the invoice, the sync-health overview and the alerts, against the sandbox."""

import datetime as dt
from datetime import timedelta

from odoo import fields
from odoo.tests import Form, tagged

from ..erp.contract import ChangeSet, DocState, DocType, FiscalNote, RemoteStatus
from .common import ErpSyncCommon

NOTE = FiscalNote(
    number="000123",
    series="1",
    access_key="35261211222333000181550010000001231000001234",
    issued_on=dt.date(2026, 12, 1),
    pdf_url="https://www.bling.com.br/doc.view.php?id=abc",
    xml_url="",
)


@tagged("post_install", "-at_install")
class TestFiscalNote(ErpSyncCommon):
    def test_note_vals_keep_what_the_erp_tells(self):
        vals = self.env["tecpet.erp.document"]._erp_note_vals(NOTE)
        self.assertEqual(
            vals,
            {
                "note_number": "000123",
                "note_series": "1",
                "note_key": NOTE.access_key,
                "note_issued_on": dt.date(2026, 12, 1),
                "note_pdf_url": NOTE.pdf_url,
            },
        )
        self.assertEqual(self.env["tecpet.erp.document"]._erp_note_vals(None), {})

    def _issued(self):
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        status = RemoteStatus(DocType(doc.doc_type), doc.external_id, DocState.ISSUED, note=NOTE)
        doc._erp_apply_read_back(ChangeSet((status,), cursor=""))
        return move, doc

    def test_issued_invoice_shows_its_note_and_is_found_by_number_or_key(self):
        move, doc = self._issued()
        self.assertServiceOrderState(move, "issued")
        self.assertEqual(move.erp_note_document_ids, doc)
        self.assertEqual(move.erp_note_numbers, "000123")
        Move = self.env["account.move"]
        self.assertEqual(Move.search([("erp_note_numbers", "ilike", "000123")]), move)
        self.assertEqual(Move.search([("erp_note_numbers", "ilike", NOTE.access_key[-10:])]), move)
        self.assertFalse(Move.search([("erp_note_numbers", "ilike", "999999")]))
        # A later read-back without the PDF link keeps the one known.
        status = RemoteStatus(
            DocType(doc.doc_type), doc.external_id, DocState.ISSUED, note=FiscalNote(number="000123")
        )
        doc._erp_apply_read_back(ChangeSet((status,), cursor=""))
        self.assertEqual(doc.note_pdf_url, NOTE.pdf_url)
        self.assertEqual(doc.note_key, NOTE.access_key)

    def test_open_in_erp_links_to_the_document_for_vhsys_too(self):
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        self.assertTrue(doc.external_url.endswith(f"#vhsys-service_order-{doc.external_id}"))
        # The same document on the real VHSYS (an integration with documents keeps its API URL).
        self.env.cr.execute(
            "UPDATE tecpet_erp_integration SET api_url = %s WHERE id = %s",
            ["https://api.vhsys.com/v2", self.integration.id],
        )
        self.env.invalidate_all()
        self.assertIn("app.vhsys.com.br", doc.external_url)
        self.assertTrue(doc.external_url.endswith(f"#!editar/{doc.external_id}"))

    def test_note_column_is_optional_and_hidden_by_default(self):
        arch = self.env["account.move"].get_view(self.env.ref("account.view_out_invoice_tree").id, "list")[
            "arch"
        ]
        self.assertIn('name="erp_note_numbers" optional="hide"', arch)


@tagged("post_install", "-at_install")
class TestSyncHealth(ErpSyncCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.responsible = cls.env["res.users"].create(
            {
                "name": "ERP Lead",
                "login": "erp_lead",
                "groups_id": [(6, 0, [cls.env.ref("account.group_account_manager").id])],
                "company_id": cls.company.id,
                "company_ids": [(6, 0, cls.company.ids)],
            }
        )
        cls.integration.alert_user_id = cls.responsible

    def _alerts(self, xmlid):
        return self.integration.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(f"tecpet_erp_sync.{xmlid}")
        )

    def test_counts_per_state_errors_by_kind_and_oldest_processing(self):
        opened = self._invoice()
        self._invoice(partner=self.bad_customer)
        self._run_push()
        self._erp_act(opened.erp_document_ids, "pay")
        self._run_refresh()
        waiting = self._invoice()
        integration = self.integration
        integration.invalidate_recordset()
        self.assertEqual(
            (integration.count_processing, integration.count_fulfilled, integration.count_open),
            (1, 1, 0),
        )
        self.assertEqual((integration.count_error_data, integration.count_error_connection), (1, 0))
        self.assertEqual(integration.oldest_processing_at, waiting.erp_document_ids.create_date)

    def test_push_run_records_its_outcome_and_the_requests_of_the_day(self):
        self._invoice()
        self.env["tecpet.erp.document"]._cron_push_documents()
        integration = self.integration
        self.assertTrue(integration.last_push_at)
        self.assertFalse(integration.last_push_message)
        self.assertGreater(integration.requests_today, 0)
        self.assertEqual(integration.requests_today, len(self.sandbox.requests_log()))
        self.assertFalse(integration.down_since)

    def test_refused_credentials_raise_an_activity_that_closes_when_they_work(self):
        self.sandbox.control("faults", {"fault": "revoked_token", "provider": "vhsys"})
        self._invoice()
        self.env["tecpet.erp.document"]._cron_push_documents()
        alert = self._alerts("activity_type_erp_connection")
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.user_id, self.responsible)
        self.assertIn("refuses the credentials", alert.note)
        self.env["tecpet.erp.document"]._cron_push_documents()
        self.assertEqual(
            len(self._alerts("activity_type_erp_connection")), 1, "one activity, not one per run"
        )

        self.sandbox.control("restore_credentials", {"provider": "vhsys"})
        self.integration.action_test_connection()
        self.env["tecpet.erp.document"]._cron_push_documents()
        self.assertFalse(self._alerts("activity_type_erp_connection"))
        done = self.env["mail.message"].search(
            [("model", "=", self.integration._name), ("res_id", "=", self.integration.id)]
        )
        self.assertTrue(done.filtered(lambda m: "The cause cleared" in (m.body or "")))

    def test_outage_longer_than_allowed_raises_an_activity(self):
        self.integration.alert_outage_minutes = 10
        self.sandbox.control("faults", {"fault": "outage", "provider": "vhsys", "count": -1})
        self._invoice()
        self.env["tecpet.erp.document"]._cron_push_documents()
        self.assertTrue(self.integration.down_since)
        self.assertIn("Erro ao comunicar", self.integration.last_push_message or "")
        self.assertFalse(self._alerts("activity_type_erp_connection"), "not yet: only just down")
        down_since = self.integration.down_since
        self.env["tecpet.erp.document"]._cron_refresh_status()
        self.assertEqual(self.integration.down_since, down_since, "a read-back that cannot tell keeps it")
        push_run = self.integration.sudo().run_ids.filtered(lambda run: run.kind == "push")
        push_run.down_since = fields.Datetime.now() - timedelta(minutes=11)  # as 11 minutes ago
        self.integration.invalidate_recordset()
        self.integration._erp_check_alerts()
        self.assertIn("unreachable since", self._alerts("activity_type_erp_connection").note)

        self.sandbox.control("clear_faults", {})
        self.env["tecpet.erp.document"].search([]).write({"next_attempt_at": False})
        self.env["tecpet.erp.document"]._cron_push_documents()
        self.assertFalse(self.integration.down_since)
        self.assertFalse(self._alerts("activity_type_erp_connection"))

    def test_notes_waiting_too_long_raise_an_activity_and_data_errors_do_not(self):
        self._invoice(partner=self.bad_customer)
        move, doc = self._paid()
        self.integration._erp_check_alerts()
        self.assertFalse(self.integration.activity_ids, "a data error and a fresh payment raise nothing")
        self.assertTrue(doc.paid_at, "the read-back notes when it saw the payment")
        doc.paid_at = fields.Datetime.now() - timedelta(hours=49)
        doc.last_sync_at = fields.Datetime.now()  # read again by the sweep meanwhile: still waiting
        self.integration.invalidate_recordset()
        self.integration._erp_check_alerts()
        self.assertIn("1 paid document(s)", self._alerts("activity_type_erp_notes").note)
        self._erp_act(doc, "ready", "issue")
        self._run_refresh()
        self.integration.invalidate_recordset()
        self.integration._erp_check_alerts()
        self.assertFalse(self._alerts("activity_type_erp_notes"))

    def test_switching_the_provider_switches_the_url(self):
        with Form(self.integration) as form:
            form.provider = "bling"
        self.assertEqual(self.integration.api_url, self.sandbox.bling_url)
        self.integration.api_url = "https://api.vhsys.com/v2"
        with Form(self.integration) as form:
            form.provider = "bling"
        self.assertEqual(self.integration.api_url, "https://api.bling.com.br/Api/v3")


@tagged("post_install", "-at_install")
class TestInvoiceUx(ErpSyncCommon):
    def test_error_text_said_once_for_two_documents(self):
        move = self._invoice(
            partner=self.bad_customer, lines=[(self.service, 1, 80.0), (self.goods, 1, 150.0)]
        )
        self._run_push()
        self.assertEqual(len(move.erp_document_ids), 2)
        self.assertEqual(move.erp_error_message, move.erp_document_ids[0].error_message)

    def test_group_by_the_column_in_flow_order_with_outside_last(self):
        self.integration.active = False
        self._invoice()
        self.integration.active = True
        self._invoice(partner=self.bad_customer)
        opened = self._invoice()
        self._invoice()
        self._run_push()
        self._invoice()
        self._erp_act(opened.erp_document_ids, "pay")
        self._run_refresh()
        groups = self.env["account.move"].read_group(
            [("move_type", "=", "out_invoice")], ["service_order_state"], ["service_order_state"]
        )
        self.assertEqual(
            [g["service_order_state"] for g in groups], ["processing", "open", "fulfilled", "error", False]
        )
