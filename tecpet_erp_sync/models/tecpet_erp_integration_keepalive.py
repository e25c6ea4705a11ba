# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""Bling's connection kept alive in a quiet month (issue 22 point 1).

Bling's refresh token lapses 30 days after it was issued unless it is used, and the read-back
makes no call while nothing is pending: a seasonal business would come back to "press Connect
to Bling". A daily cron renews an idle integration's tokens once the refresh token is older than
``tecpet_erp_sync.bling_keepalive_days`` (default 10), through the token manager's single-flight
refresh (``BlingTokenManager.keep_alive``, under the store's advisory lock), and tells an
administrator when a renewal is refused, or fails while the lapse is near.
"""

import datetime as dt
import logging

from odoo import api, fields, models
from odoo.tools import format_date

from ..erp.bling_oauth import REFRESH_TOKEN_LIFETIME
from ..erp.errors import AuthError, ErpError
from .erp_params import number_param
from .erp_texts import erp_error_text

_logger = logging.getLogger(__name__)

KEEPALIVE_DAYS_PARAM = "tecpet_erp_sync.bling_keepalive_days"
# Renew a refresh token issued longer ago than this: by default at every (daily) run, since Bling
# never says when one lapses (30 days unused, as far as anyone reports); one call a day.
KEEPALIVE_DAYS = 0
MAX_KEEPALIVE_DAYS = 20  # leaves the last 10 days of the 30 for retries and the alert
ALERT_DAYS = 7  # a renewal failing this close to the lapse alerts an administrator
RENEWAL_ACTIVITY = "tecpet_erp_sync.activity_type_erp_bling_renewal"


class TecpetErpIntegration(models.Model):
    _inherit = "tecpet.erp.integration"

    bling_refreshed_at = fields.Datetime(
        string="Bling Connection Renewed",
        compute="_compute_bling_renewal",
        compute_sudo=True,
        help="When Bling last issued this integration's refresh token (at Connect, or at a renewal).",
    )
    bling_refresh_lapses_at = fields.Datetime(
        string="Bling Connection Lapses",
        compute="_compute_bling_renewal",
        compute_sudo=True,
        help="Without a renewal before this, Bling must be connected again (Connect to Bling). The "
        "keep-alive renews it long before; empty when not known yet.",
    )
    bling_keepalive_message = fields.Char(
        string="Last Renewal Problem",
        readonly=True,
        copy=False,
        help="Why the last renewal of the Bling connection failed; empty when it worked.",
    )

    @api.depends("bling_token_ids.refreshed_at")
    def _compute_bling_renewal(self):
        for integration in self:
            refreshed = integration.bling_token_ids[:1].refreshed_at
            integration.bling_refreshed_at = refreshed
            integration.bling_refresh_lapses_at = refreshed and refreshed + dt.timedelta(
                seconds=REFRESH_TOKEN_LIFETIME
            )

    @api.model
    def _erp_keepalive_days(self):
        return number_param(
            self.env, KEEPALIVE_DAYS_PARAM, KEEPALIVE_DAYS, minimum=0, maximum=MAX_KEEPALIVE_DAYS
        )

    @api.model
    def _cron_bling_keepalive(self):
        """Renew the tokens of connected Bling integrations whose refresh token is getting old."""
        max_age = self._erp_keepalive_days() * 86400.0
        integrations = self.sudo().search([("provider", "=", "bling"), ("active", "=", True)])
        for integration in integrations.filtered("bling_connected"):
            lang = integration.company_id.partner_id.lang
            integration.with_context(lang=lang or self.env.lang)._erp_bling_keep_alive(max_age)

    def _erp_bling_keep_alive(self, max_age):
        """Renew this integration's tokens if they are old enough; record and alert a failure."""
        self.ensure_one()
        refused = False
        try:
            self._erp_client().tokens.keep_alive(max_age)
        except ErpError as exc:
            problem, refused = erp_error_text(self.env, exc), isinstance(exc, AuthError)
            _logger.info("ERP sync: renewal of the Bling connection %s failed: %s", self.id, exc.message)
        else:
            problem = ""
        self.invalidate_recordset(["bling_refreshed_at", "bling_refresh_lapses_at"])
        if (self.bling_keepalive_message or "") != problem:
            self.bling_keepalive_message = problem or False
        lapses = self.bling_refresh_lapses_at
        near = not lapses or lapses - fields.Datetime.now() <= dt.timedelta(days=ALERT_DAYS)
        note = ""
        if refused:
            note = self.env._(
                "Bling refused to renew the connection of %(name)s (%(problem)s): nothing can be sent "
                "or read back until an administrator presses Connect to Bling on the integration.",
                name=self.name,
                problem=problem,
            )
        elif problem and near:
            note = self.env._(
                "The Bling connection of %(name)s could not be renewed (%(problem)s) and lapses on "
                "%(date)s. The renewal is tried again every day; if it still fails, press Connect to "
                "Bling on the integration before then.",
                name=self.name,
                problem=problem,
                date=format_date(self.env, lapses) if lapses else "?",
            )
        self._erp_bling_renewal_alert(note)

    def _erp_bling_renewal_alert(self, note):
        """An activity for the responsible user (else the administrators) while ``note`` says
        something; marked done once the connection is renewed."""
        activity_type = self.env.ref(RENEWAL_ACTIVITY)
        open_ones = self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        if not note:
            open_ones.action_feedback(feedback=self.env._("The Bling connection was renewed."))
            return
        for user in self._erp_alert_recipients() - open_ones.user_id:
            self.activity_schedule(RENEWAL_ACTIVITY, note=note, user_id=user.id)

    def _erp_alert_recipients(self):
        """The responsible user, else the company's administrators (Settings access)."""
        self.ensure_one()
        if self.alert_user_id:
            return self.alert_user_id
        admins = self.env.ref("base.group_system").sudo().users
        return admins.filtered(
            lambda u: u.active and not u.share and self.company_id in u.company_ids
        ) - self.env.ref("base.user_root")
