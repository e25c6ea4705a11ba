# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging

from odoo import http
from odoo.http import request

from ..erp.webhooks import basic_auth_valid, bling_signature_valid

_logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024  # bytes: ERP events are a few hundred; anything bigger is refused unread
# Bling events that can change what the column shows (orders and their NF-e); product.*, stock.*
# and the like are acknowledged without waking the read-back.
BLING_REFRESH_EVENTS = ("order.", "invoice.")


class ErpWebhookController(http.Controller):
    """Webhooks only make the read-back faster: they wake the refresh job, which reads the
    states from the ERP. Polling stays the safety net (PRODUCT.md 2.6)."""

    def _integration(self, integration_id, provider):
        integration = request.env["tecpet.erp.integration"].sudo().browse(integration_id).exists()
        return (
            integration if integration and integration.active and integration.provider == provider else None
        )

    @staticmethod
    def _body():
        """The raw body, or None when it is larger than ``MAX_BODY``.

        The routes' ``max_content_length`` makes Odoo refuse a larger form body (413) before it
        parses it; any other body is refused here by its length, unread.
        """
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_BODY:
            return None
        return httprequest.get_data()

    @staticmethod
    def _too_large():
        return request.make_json_response({"error": "body too large"}, status=413)

    def _wake_refresh(self):
        request.env.ref("tecpet_erp_sync.ir_cron_refresh_status").sudo()._trigger()
        return request.make_json_response({"ok": True})

    @http.route(
        "/tecpet_erp_sync/webhook/bling/<int:integration_id>",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        readonly=False,  # records the event and wakes the job
        max_content_length=MAX_BODY,
    )
    def bling_webhook(self, integration_id, **kwargs):
        integration = self._integration(integration_id, "bling")
        body = self._body()
        if body is None:
            return self._too_large()
        signature = request.httprequest.headers.get("X-Bling-Signature-256", "")
        if not integration or not bling_signature_valid(
            integration.bling_client_secret or "", body, signature
        ):
            return request.make_json_response({"error": "invalid signature"}, status=401)
        try:
            payload = json.loads(body)
        except ValueError:
            return request.make_json_response({"error": "invalid JSON"}, status=400)
        payload = payload if isinstance(payload, dict) else {}
        event_id = str(payload.get("eventId") or "")
        event = str(payload.get("event") or "")
        if event_id and not request.env["tecpet.erp.webhook.event"].sudo()._record_once(
            integration, event_id, event
        ):
            return request.make_json_response({"ok": True, "duplicate": True})
        if not event.startswith(BLING_REFRESH_EVENTS):
            return request.make_json_response({"ok": True, "ignored": True})
        return self._wake_refresh()

    @http.route(
        "/tecpet_erp_sync/webhook/vhsys/<int:integration_id>",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        readonly=False,  # records the event and wakes the job
        max_content_length=MAX_BODY,
    )
    def vhsys_webhook(self, integration_id, **kwargs):
        integration = self._integration(integration_id, "vhsys")
        if self._body() is None:
            return self._too_large()
        header = request.httprequest.headers.get("Authorization", "")
        if not integration or not basic_auth_valid(
            integration.vhsys_webhook_user or "", integration.vhsys_webhook_password or "", header
        ):
            return request.make_json_response({"error": "unauthorized"}, status=401)
        return self._wake_refresh()
