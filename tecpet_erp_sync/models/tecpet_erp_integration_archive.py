# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""Archiving an integration that still has documents in its ERP (e.g. a switch from VHSYS to
Bling): the user is told which invoices, and their queued cancellations still run (N18)."""

from odoo import models

from ..erp import lifecycle


class TecpetErpIntegration(models.Model):
    _inherit = "tecpet.erp.integration"

    def _erp_documents_in_flight(self):
        """These integrations' documents still live in their ERP or still waiting for the job."""
        return (
            self.env["tecpet.erp.document"]
            .sudo()
            .search(
                [
                    ("integration_id", "in", self.ids),
                    "|",
                    ("pending_action", "!=", False),
                    ("state", "in", [state.value for state in lifecycle.LIVE_STATES]),
                ]
            )
        )

    def action_archive(self):
        docs = self.filtered("active")._erp_documents_in_flight()
        result = super().action_archive()
        if not docs:
            return result
        names = docs.move_id.sorted("name").mapped("name")
        shown = ", ".join(names[:20]) + (" …" if len(names) > 20 else "")
        message = self.env._(
            "%(count)s invoice(s) still have documents in this ERP or waiting for the job: %(names)s. "
            "Their queued cancellations still run; nothing else is sent to this ERP or read back "
            "from it. Reset and confirm those invoices again to send them to the new integration.",
            count=len(names),
            names=shown,
        )
        for integration in self:
            integration.message_post(body=message)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Integration archived"),
                "message": message,
                "type": "warning",
                "sticky": True,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
