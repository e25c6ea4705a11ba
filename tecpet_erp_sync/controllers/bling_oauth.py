# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hmac
import logging

from odoo import http
from odoo.http import request

from ..erp.errors import ErpError

_logger = logging.getLogger(__name__)


class BlingOAuthController(http.Controller):
    @http.route("/tecpet_erp_sync/bling/callback", type="http", auth="user", methods=["GET"])
    def bling_callback(self, code=None, state=None, error=None, **kwargs):
        """Bling sends the administrator back here with a one-minute, single-use code."""
        if not request.env.user.has_group("base.group_system"):
            return request.not_found()
        integration_id = (state or "").split("-", 1)[0]
        integration = (
            request.env["tecpet.erp.integration"]
            .sudo()
            .browse(int(integration_id) if integration_id.isdigit() else 0)
            .exists()
        )
        expected = integration.bling_oauth_state or ""
        # The state proves the callback answers a Connect that this Odoo started (CSRF).
        if not integration or not expected or not hmac.compare_digest(expected, state or ""):
            return request.make_response(
                "This authorisation link is invalid or was already used. "
                "Press Connect on the integration again.",
                status=400,
            )
        integration.bling_oauth_state = False
        if error or not code:
            message = request.env._("Bling did not grant access (%(error)s).", error=error or "no code")
            ok = False
        else:
            try:
                integration._erp_client().tokens.exchange_code(code, integration._bling_redirect_uri())
            except ErpError as exc:
                message, ok = exc.message, False
            else:
                message, ok = request.env._("Bling connected."), True
        integration.write(
            {
                "last_check_ok": ok,
                "last_check_message": message,
                "auth_failed": False if ok else integration.auth_failed,
            }
        )
        integration.message_post(body=message)
        return request.redirect(
            f"/odoo/action-tecpet_erp_sync.action_tecpet_erp_integration/{integration.id}"
        )
