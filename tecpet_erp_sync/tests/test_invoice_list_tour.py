# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Invoices list in a real browser (Chromium from the system packages): coloured column,
"—" for invoices outside the flow, a red Error badge, and Action → Reprocess."""

import base64
import contextlib
import os
from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from .common import ErpSyncCommon


@tagged("post_install", "-at_install")
class TestInvoiceListTour(ErpSyncCommon, HttpCase):
    def test_invoice_list_column_and_reprocess(self):
        admin = self.env.ref("base.user_admin")
        admin.write({"company_ids": [(4, self.company.id)], "company_id": self.company.id})
        self.integration.active = False
        outside = self._invoice()  # no active integration: "—"
        self.integration.active = True
        opened = self._invoice(partner=self.company_customer, lines=[(self.service, 2, 95.0)])
        failed = self._invoice(partner=self.bad_customer)
        steps = {
            "fulfilled": ("pay",),
            "awaiting_issue": ("pay", "ready"),
            "issued": ("pay", "ready", "issue"),
        }
        advanced = {state: self._invoice(lines=[(self.goods, 1, 150.0)]) for state in steps}
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

        with self._screenshot_at_the_end():
            self.start_tour(
                "/odoo/action-account.action_move_out_invoice_type",
                "tecpet_erp_sync_invoice_list",
                login="admin",
            )
        # Reprocess ran from the browser: the invalid customer was validated again, nothing was sent.
        self.assertServiceOrderState(failed, "error")
        self.assertEqual(len(self.sandbox.requests_log()), calls_before)

    def _screenshot_at_the_end(self):
        """`make screenshot` sets TECPET_SCREENSHOT: keep a picture of the list for the README,
        taken just before the tour's browser closes."""
        path = os.environ.get("TECPET_SCREENSHOT")
        if not path:
            return contextlib.nullcontext()
        original_stop = ChromeBrowser.stop

        def stop_after_screenshot(browser):
            data = browser._websocket_request("Page.captureScreenshot", params={"format": "png"})
            with open(path, "wb") as image:
                image.write(base64.b64decode(data["data"]))
            return original_stop(browser)

        return patch.object(ChromeBrowser, "stop", stop_after_screenshot)
