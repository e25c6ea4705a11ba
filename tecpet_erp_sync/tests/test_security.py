# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ErpSyncCommon


@tagged("post_install", "-at_install")
class TestSecurity(ErpSyncCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing_user = new_test_user(
            cls.env, login="billing", groups="account.group_account_invoice", company_id=cls.company.id
        )

    def test_invoicing_user_cannot_read_or_write_credentials(self):
        integration = self.integration.with_user(self.billing_user)
        self.assertEqual(integration.name, "vhsys sandbox")  # the integration itself is visible
        with self.assertRaises(AccessError):
            integration.read(["vhsys_secret_token"])
        with self.assertRaises(AccessError):
            integration.write({"vhsys_access_token": "stolen"})
        fields = self.env["tecpet.erp.integration"].with_user(self.billing_user).fields_get()
        self.assertNotIn("vhsys_secret_token", fields)
        self.assertNotIn("bling_refresh_token", fields)

    def test_invoicing_user_reads_documents_and_runs_reprocess(self):
        move = self._invoice(partner=self.bad_customer)
        self._run_push()
        as_user = move.with_user(self.billing_user)
        self.assertEqual(as_user.erp_document_ids.state, "error")
        action = as_user.action_erp_reprocess()
        self.assertIn("still fail validation", action["params"]["message"])
        with self.assertRaises(AccessError):
            as_user.erp_document_ids.write({"state": "open"})

    def test_credentials_never_appear_in_errors(self):
        self.sandbox.control("faults", {"fault": "revoked_token", "provider": "vhsys"})
        move = self._invoice()
        self._run_push()
        doc = move.erp_document_ids
        self.assertEqual((doc.state, doc.error_kind), ("error", "connection"))
        self.assertTrue(self.integration.auth_failed)
        texts = [doc.error_message, self.integration.last_check_message] + move.message_ids.mapped("body")
        for secret in ("test-access", "test-secret"):
            self.assertFalse([t for t in texts if t and secret in t])

    def test_multi_company_isolation(self):
        other = self.setup_other_company()["company"]
        other_integration = self._create_integration(other, "vhsys")
        other_move = self._invoice(company=other)
        self.assertEqual(other_move.service_order_state, "processing")
        self.assertEqual(other_move.erp_document_ids.integration_id, other_integration)
        # A user of the first company sees neither the other company's integration nor its documents.
        Integration = self.env["tecpet.erp.integration"].with_user(self.billing_user)
        Document = self.env["tecpet.erp.document"].with_user(self.billing_user)
        self.assertNotIn(other_integration, Integration.search([]))
        self.assertFalse(Document.search([("move_id", "=", other_move.id)]))

    def test_one_active_integration_per_company(self):
        from odoo.exceptions import ValidationError

        with self.assertRaisesRegex(ValidationError, "already has an active ERP integration"):
            self._create_integration(self.company, "bling")

    def test_column_hidden_without_active_integration(self):
        view_id = self.env.ref("account.view_out_invoice_tree").id
        Move = self.env["account.move"].with_user(self.billing_user)

        def column_hidden():
            arch = Move.get_view(view_id, "list")["arch"]
            return (
                'name="service_order_state"' in arch
                and 'column_invisible="1"' in arch.split('name="service_order_state"')[1].split("/>")[0]
            )

        self.assertFalse(column_hidden())
        self.integration.active = False
        self.assertTrue(column_hidden())


@tagged("post_install", "-at_install")
class TestPartnerFiscalProblems(ErpSyncCommon):
    def test_partner_form_lists_what_the_erp_would_reject(self):
        self.assertFalse(self.customer.erp_fiscal_problems)
        problems = self.bad_customer.erp_fiscal_problems
        self.assertIn("123.456.789-00", problems)
        self.bad_customer.street2 = False
        self.bad_customer.invalidate_recordset(["erp_fiscal_problems"])
        self.assertIn("eighbourhood", self.bad_customer.erp_fiscal_problems)
        arch = self.env["res.partner"].get_view(self.env.ref("base.view_partner_form").id, "form")["arch"]
        self.assertIn('name="erp_fiscal_problems"', arch)
