# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Invoices list in a real browser (Chromium from the system packages): coloured column,
"—" for invoices outside the flow, a red Error badge, and Action → Reprocess. The README's
picture of the list is taken on the way (`make screenshot`, tests/screenshots.py)."""

from odoo.tests import HttpCase, tagged

from .common import BAD_CPF, ErpSyncCommon
from .screenshots import COMPANY_NAME, ScreenshotTourMixin


@tagged("post_install", "-at_install")
class TestInvoiceListTour(ScreenshotTourMixin, ErpSyncCommon, HttpCase):
    def test_invoice_list_column_and_reprocess(self):
        admin = self.env.ref("base.user_admin")
        admin.write({"company_ids": [(4, self.company.id)], "company_id": self.company.id})
        # What a clinic's billing clerk sees, for the README's picture: no test names.
        self.company.name = COMPANY_NAME
        self.integration.active = False
        outside = self._invoice()  # no active integration: "—"
        self.integration.active = True
        opened = self._invoice(partner=self.company_customer, lines=[(self.service, 2, 95.0)])
        failed = self._invoice(partner=self._create_customer("Carlos Henrique Souza", BAD_CPF))
        customers = {
            "fulfilled": self._create_customer("Ana Paula Ferreira", "390.533.447-05"),
            "awaiting_issue": self._create_customer(
                "Mundo Animal Pet Shop Ltda", "45.678.912/0001-55", is_company=True
            ),
            "issued": self._create_customer("Agropet Vale Verde Ltda", "27.384.956/0001-90", is_company=True),
        }
        steps = {
            "fulfilled": ("pay",),
            "awaiting_issue": ("pay", "ready"),
            "issued": ("pay", "ready", "issue"),
        }
        advanced = {
            state: self._invoice(partner=customers[state], lines=[(self.goods, 1, 150.0)]) for state in steps
        }
        canceled = self._invoice(partner=self.company_customer)
        self._run_push()
        for state, actions in steps.items():
            self._erp_act(advanced[state].erp_document_ids, *actions)
        self._run_refresh()
        canceled.button_draft()
        canceled.button_cancel()
        self._run_push()
        processing = self._invoice()
        self.assertFalse(outside.service_order_state)
        self.assertServiceOrderState(opened, "open")
        self.assertServiceOrderState(failed, "error")
        self.assertServiceOrderState(canceled, "canceled")
        self.assertServiceOrderState(processing, "processing")
        for state, move in advanced.items():
            self.assertServiceOrderState(move, state)
        calls_before = len(self.sandbox.requests_log())

        self.start_tour(self.invoicing_url(), "tecpet_erp_sync_invoice_list", login="admin")
        # Reprocess ran from the browser: the invalid customer was validated again, nothing was sent.
        self.assertServiceOrderState(failed, "error")
        self.assertEqual(len(self.sandbox.requests_log()), calls_before)
