# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models

KEEP_EVENTS = timedelta(days=7)


class TecpetErpWebhookEvent(models.Model):
    """Event ids already received, so a redelivered webhook is acknowledged but not acted on twice."""

    _name = "tecpet.erp.webhook.event"
    _description = "ERP Webhook Event"
    _order = "id desc"

    integration_id = fields.Many2one("tecpet.erp.integration", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="integration_id.company_id", store=True)
    event_id = fields.Char(string="Event ID", required=True)
    event = fields.Char(string="Event Type")

    _sql_constraints = [
        ("event_unique", "unique(integration_id, event_id)", "A webhook event is recorded once."),
    ]

    @api.model
    def _record_once(self, integration, event_id, event):
        """True the first time an event id is seen for the integration."""
        self.env.cr.execute(
            """
            INSERT INTO tecpet_erp_webhook_event
                   (integration_id, company_id, event_id, event, create_date, write_date)
            VALUES (%s, %s, %s, %s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
            ON CONFLICT (integration_id, event_id) DO NOTHING
            """,
            [integration.id, integration.company_id.id, event_id, event],
        )
        return bool(self.env.cr.rowcount)

    @api.autovacuum
    def _gc_old_events(self):
        self.search([("create_date", "<", fields.Datetime.now() - KEEP_EVENTS)]).unlink()
