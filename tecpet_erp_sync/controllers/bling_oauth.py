# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hmac
import logging

from odoo import fields, http
from odoo.http import request

from ..erp.errors import ErpError
from ..models.erp_texts import Texts, erp_error_text

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
        # The state proves the callback answers a Connect that this Odoo started (CSRF). Compared
        # as bytes: compare_digest refuses non-ASCII text with a TypeError (a 500).
        if (
            not integration
            or not expected
            or not hmac.compare_digest(expected.encode(), (state or "").encode("utf-8", "replace"))
        ):
            return request.make_response(
                request.env._(
                    "This authorisation link is invalid or was already used. "
                    "Press Connect on the integration again."
                ),
                status=400,
            )
        # Odoo runs this request again after a serialization failure: the state is back then
        # (rolled back with it), and the token manager answers the first exchange's outcome
        # instead of sending the single-use code again. The tokens are saved on a cursor and in a
        # table of their own, so they never conflict with the writes below.
        integration.bling_oauth_state = False
        texts = Texts(request.env)  # kept with their templates: each administrator reads them in theirs
        if error or not code:
            message = texts._("Bling did not grant access (%(error)s).", error=error or "no code")
            ok = False
        else:
            try:
                integration._erp_client().tokens.exchange_code(code, integration._bling_redirect_uri())
            except ErpError as exc:
                message, ok = erp_error_text(request.env, exc), False
            else:
                # Which account was connected: another one than the documents' is refused.
                ok, checked = integration._erp_check_connection()
                message = texts.join(" ", [texts._("Bling connected."), checked]) if ok else checked
        integration.write(
            {
                "last_check_at": fields.Datetime.now(),
                "last_check_ok": ok,
                "last_check_message": message,
                "auth_failed": False if ok else integration.auth_failed,
            }
        )
        integration.message_post(body=message)
        return request.redirect(
            f"/odoo/action-tecpet_erp_sync.action_tecpet_erp_integration/{integration.id}"
        )
