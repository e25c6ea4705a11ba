# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Webhooks wake the refresh job when authentic, once per event; forged ones are refused."""

import base64
import hashlib
import hmac
import json

from odoo.tests import HttpCase, tagged

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from .common import ErpSyncCommon

REFRESH_CRON = "tecpet_erp_sync.ir_cron_refresh_status"


@tagged("post_install", "-at_install")
class TestBlingWebhook(CronMixinCase, ErpSyncCommon, HttpCase):
    provider = "bling"

    def _post(self, body, signature):
        url = f"/tecpet_erp_sync/webhook/bling/{self.integration.id}"
        return self.url_open(url, data=body, headers={"X-Bling-Signature-256": signature})

    def test_signed_event_wakes_the_refresh_once(self):
        body = json.dumps({"eventId": "evt-1", "event": "order.updated", "data": {"id": 7}}).encode()
        good = "sha256=" + hmac.new(b"sandbox-secret", body, hashlib.sha256).hexdigest()
        with self.capture_triggers(REFRESH_CRON) as capture:
            self.assertEqual(self._post(body, "sha256=" + "0" * 64).status_code, 401)
            self.assertFalse(capture.records, "a forged delivery does nothing")
            self.assertEqual(self._post(body, good).status_code, 200)
            self.assertEqual(len(capture.records), 1)
            duplicate = self._post(body, good)
            self.assertEqual(duplicate.json().get("duplicate"), True)
            self.assertEqual(len(capture.records), 1, "a redelivered event is not acted on twice")
        event = self.env["tecpet.erp.webhook.event"].search([("event_id", "=", "evt-1")])
        self.assertEqual(event.company_id, self.company, "the multi-company rule can see it")

    def _signed(self, payload):
        body = json.dumps(payload).encode()
        return body, "sha256=" + hmac.new(b"sandbox-secret", body, hashlib.sha256).hexdigest()

    def test_only_order_and_invoice_events_wake_the_refresh(self):
        with self.capture_triggers(REFRESH_CRON) as capture:
            for n, event in enumerate(("product.updated", "stock.created", "virtual_stock.updated")):
                answer = self._post(*self._signed({"eventId": f"p-{n}", "event": event, "data": {}}))
                self.assertEqual((answer.status_code, answer.json().get("ignored")), (200, True))
            self.assertFalse(capture.records)
            self.assertEqual(
                self._post(*self._signed({"eventId": "i-1", "event": "invoice.created"})).status_code, 200
            )
            self.assertEqual(len(capture.records), 1)

    def test_a_big_body_is_refused_unread(self):
        body, signature = self._signed({"eventId": "big", "event": "order.updated", "pad": "x" * 300_000})
        with self.capture_triggers(REFRESH_CRON) as capture:
            self.assertEqual(self._post(body, signature).status_code, 413)
            self.assertFalse(capture.records)
        self.assertFalse(self.env["tecpet.erp.webhook.event"].search([("event_id", "=", "big")]))


@tagged("post_install", "-at_install")
class TestVhsysWebhook(CronMixinCase, ErpSyncCommon, HttpCase):
    def test_basic_auth(self):
        self.integration.write(
            {"vhsys_webhook_user": "tecpet-hook", "vhsys_webhook_password": "long-password"}
        )
        url = f"/tecpet_erp_sync/webhook/vhsys/{self.integration.id}"
        body = json.dumps({"entidade": "contas_receber", "operacao": "update", "dados": {}})
        good = "Basic " + base64.b64encode(b"tecpet-hook:long-password").decode()
        bad = "Basic " + base64.b64encode(b"tecpet-hook:guess").decode()
        with self.capture_triggers(REFRESH_CRON) as capture:
            self.assertEqual(self.url_open(url, data=body, headers={"Authorization": bad}).status_code, 401)
            self.assertEqual(self.url_open(url, data=body).status_code, 401)
            self.assertFalse(capture.records)
            self.assertEqual(self.url_open(url, data=body, headers={"Authorization": good}).status_code, 200)
            self.assertEqual(len(capture.records), 1)
            big = json.dumps({"dados": "x" * 300_000})
            self.assertEqual(self.url_open(url, data=big, headers={"Authorization": good}).status_code, 413)
            self.assertEqual(len(capture.records), 1)
