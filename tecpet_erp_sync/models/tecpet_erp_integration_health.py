# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sending policy, sync health and alerts of an integration (issue 13)."""

from datetime import timedelta

from odoo import fields, models
from odoo.osv import expression

from .tecpet_erp_integration_run import runs_summary

# Requests a provider's account may make per day, where the provider publishes it.
DAILY_QUOTAS = {"bling": 120_000}


class TecpetErpIntegration(models.Model):
    _name = "tecpet.erp.integration"
    _inherit = ["tecpet.erp.integration", "mail.activity.mixin"]

    # Sending policy
    start_date = fields.Date(
        default=fields.Date.context_today,
        tracking=True,
        help="Invoices dated before this day stay outside the ERP flow (Send to ERP brings a range "
        "of them in). Empty: every date.",
    )

    # Alerts
    alert_user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        help="Gets an activity when the ERP refuses the credentials or is down, or when notes wait "
        "too long. Data errors stay on the invoices.",
    )
    alert_outage_minutes = fields.Integer(
        string="Alert after outage (minutes)", default=30, help="How long the ERP may be unreachable."
    )
    alert_note_wait_hours = fields.Integer(
        string="Alert after waiting for a note (hours)",
        default=48,
        help="How long a paid document may wait for its fiscal note.",
    )

    daily_quota = fields.Integer(
        compute="_compute_daily_quota", help="The provider's requests per day (0: not published)."
    )

    # Health at a glance (one grouped query for all integrations shown)
    count_processing = fields.Integer(string="Processing", compute="_compute_health")
    count_open = fields.Integer(string="Open", compute="_compute_health")
    count_fulfilled = fields.Integer(string="Fulfilled", compute="_compute_health")
    count_awaiting_issue = fields.Integer(string="Awaiting Issue", compute="_compute_health")
    count_issued = fields.Integer(string="Issued", compute="_compute_health")
    count_canceled = fields.Integer(string="Canceled", compute="_compute_health")
    count_error_data = fields.Integer(string="Data errors", compute="_compute_health")
    count_error_connection = fields.Integer(string="Connection errors", compute="_compute_health")
    count_error_internal = fields.Integer(string="Internal errors", compute="_compute_health")
    count_notes_late = fields.Integer(string="Notes overdue", compute="_compute_health")
    oldest_processing_at = fields.Datetime(string="Oldest Processing Since", compute="_compute_health")

    def _compute_daily_quota(self):
        for integration in self:
            integration.daily_quota = DAILY_QUOTAS.get(integration.provider, 0)

    def _compute_health(self):
        # Live rows only, whatever the context: the integrations' list shows archived ones.
        Document = self.env["tecpet.erp.document"].sudo().with_context(active_test=True)
        domain = [("integration_id", "in", self.ids)]
        by_state = {
            (integration.id, state): (count, oldest)
            for integration, state, count, oldest in Document._read_group(
                domain, ["integration_id", "state"], ["__count", "create_date:min"]
            )
        }
        by_kind = {
            (integration.id, kind): count
            for integration, kind, count in Document._read_group(
                domain + [("state", "=", "error")], ["integration_id", "error_kind"], ["__count"]
            )
        }
        late = dict(Document._read_group(self._notes_late_domain(), ["integration_id"], ["__count"]))
        for integration in self:
            for state in ("processing", "open", "fulfilled", "awaiting_issue", "issued", "canceled"):
                integration[f"count_{state}"] = by_state.get((integration.id, state), (0, None))[0]
            for kind in ("data", "connection", "internal"):
                integration[f"count_error_{kind}"] = by_kind.get((integration.id, kind), 0)
            integration.count_notes_late = late.get(integration, 0)
            integration.oldest_processing_at = by_state.get((integration.id, "processing"), (0, False))[1]

    def _notes_late_domain(self):
        """Paid documents of these integrations waiting for their note longer than allowed."""
        now = fields.Datetime.now()
        per_integration = expression.OR(
            [
                [
                    ("integration_id", "=", integration.id),
                    ("paid_at", "<", now - timedelta(hours=integration.alert_note_wait_hours or 0)),
                ]
                for integration in self
            ]
            or [expression.FALSE_DOMAIN]
        )
        return expression.AND([per_integration, [("state", "in", ("fulfilled", "awaiting_issue"))]])

    # ------------------------------------------------------------------------------------------
    # Alerts: an activity for the responsible user, marked done when the cause clears
    # ------------------------------------------------------------------------------------------
    def _erp_alert_causes(self, rows=None):
        """{activity type xmlid: note, or '' when the cause is gone}. ``rows``: the run rows as
        just committed (the job's transaction may not see them yet); by default as read here."""
        self.ensure_one()
        now = fields.Datetime.now()
        runs = runs_summary(self.run_ids._erp_as_rows() if rows is None else rows)
        down_since = runs["down_since"]
        connection = ""
        if self.auth_failed:
            connection = self.env._(
                "The ERP refuses the credentials of %(name)s: nothing is sent or read back. Fix the "
                "credentials (or reconnect Bling) and press Test connection.",
                name=self.name,
            )
        elif down_since and now - down_since >= timedelta(minutes=self.alert_outage_minutes or 0):
            connection = self.env._(
                "The ERP of %(name)s has been unreachable since %(since)s (%(problem)s). Documents wait "
                "and are sent when it answers again; contact support if it lasts.",
                name=self.name,
                since=fields.Datetime.to_string(down_since),
                problem=runs["last_push_message"] or runs["last_refresh_message"] or "",
            )
        late = self.count_notes_late
        notes = (
            self.env._(
                "%(count)s paid document(s) of %(name)s have waited more than %(hours)s hours for their "
                "fiscal note. Check the notes in the ERP (a city hall or SEFAZ problem stops them all).",
                count=late,
                name=self.name,
                hours=self.alert_note_wait_hours,
            )
            if late
            else ""
        )
        return {
            "tecpet_erp_sync.activity_type_erp_connection": connection,
            "tecpet_erp_sync.activity_type_erp_notes": notes,
        }

    def _erp_check_alerts(self, rows=None):
        for integration in self.sudo():
            for xmlid, note in integration._erp_alert_causes(rows).items():
                activity_type = self.env.ref(xmlid)
                open_ones = integration.activity_ids.filtered(
                    lambda a, t=activity_type: a.activity_type_id == t
                )
                if note and not open_ones and integration.alert_user_id:
                    integration.activity_schedule(xmlid, note=note, user_id=integration.alert_user_id.id)
                elif not note and open_ones:
                    open_ones.action_feedback(feedback=self.env._("The cause cleared."))

    def action_open_send_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send older invoices to the ERP"),
            "res_model": "tecpet.erp.send.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_integration_id": self.id},
        }

    def action_open_documents_by_state(self):
        """From the overview: the documents of this integration in the state the card shows."""
        self.ensure_one()
        action = self.action_open_documents()
        state = self.env.context.get("erp_state")
        kind = self.env.context.get("erp_error_kind")
        action["context"] = {"active_test": True}  # the documents the card counts: no archived one
        if state:
            action["domain"] = action["domain"] + [("state", "=", state)]
        if kind:
            action["domain"] = action["domain"] + [("state", "=", "error"), ("error_kind", "=", kind)]
        return action
