# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""The integration form's buttons: Test connection, Bling Connect, the documents."""

import secrets

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from ..erp.errors import ErpError
from .erp_texts import Texts, erp_error_text


class TecpetErpIntegration(models.Model):
    _inherit = "tecpet.erp.integration"

    # ------------------------------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------------------------------
    def _check_system_user(self):
        """Buttons that use the credentials are for system administrators, over RPC too."""
        if not (self.env.su or self.env.user.has_group("base.group_system")):
            raise AccessError(
                self.env._("Only administrators (Settings access) can use the ERP integration's credentials.")
            )

    def action_test_connection(self):
        """Check the credentials with one cheap call and say clearly what happened."""
        self.ensure_one()
        self._check_system_user()
        ok, message = self._erp_check_connection()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Connection OK") if ok else self.env._("Connection failed"),
                "message": message,
                "type": "success" if ok else "danger",
                "sticky": not ok,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _erp_check_connection(self):
        """Test the connection and record the result; (ok, message). Another ERP account than the
        one the documents were sent to is refused, and the jobs stop calling it (``auth_failed``)."""
        self.ensure_one()
        refusal = ""
        try:
            info = self._erp_client().test_connection()
        except ErpError as exc:
            ok, message = False, erp_error_text(self.env, exc)
        else:
            refusal = self._erp_account_refusal(info)
            ok = not refusal
            message = refusal or Texts(self.env)._("Connected to %(account)s.", account=info.account_name)
        self.write(
            {
                "last_check_at": fields.Datetime.now(),
                "last_check_ok": ok,
                "last_check_message": message,
                "auth_failed": bool(refusal) or (not ok and self.auth_failed),
            }
        )
        if ok:
            self._erp_runs_answered()
            self.document_ids._requeue_connection_errors()
        return ok, message

    def action_bling_connect(self):
        """Start the OAuth authorization-code flow: send the administrator to Bling's consent page."""
        self.ensure_one()
        self._check_system_user()
        if self.provider != "bling":
            raise UserError(self.env._("Connect is only needed for Bling."))
        integration = self.sudo()
        if not (integration.bling_client_id and integration.bling_client_secret):
            raise UserError(
                self.env._(
                    "Fill in the Client ID and Client Secret of your Bling app, then press Connect to Bling."
                )
            )
        integration.bling_oauth_state = f"{self.id}-{secrets.token_urlsafe(24)}"
        url = self._erp_client().tokens.authorize_url(
            integration.bling_oauth_state, self._bling_redirect_uri()
        )
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def _bling_redirect_uri(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        return f"{base}/tecpet_erp_sync/bling/callback"

    def action_open_documents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("tecpet_erp_sync.action_tecpet_erp_document")
        action["domain"] = [("integration_id", "=", self.id)]
        # Opened from the integrations' list (archived ones shown): archived documents stay hidden.
        action["context"] = {"search_default_error": 1, "active_test": True}
        return action
