# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import psycopg2

from odoo import api, fields, models
from odoo.tools import mute_logger

from ..erp.contract import CustomerBinding


def create_once(model, values):
    """``model.sudo().create(values)``, unless a concurrent job run has just created the same
    binding (unique constraint): then theirs stands, and this run's is not needed."""
    try:
        with model.env.cr.savepoint(), mute_logger("odoo.sql_db"):
            return model.sudo().create(values)
    except (psycopg2.IntegrityError, psycopg2.errors.SerializationFailure):
        return model.browse()


class TecpetErpPartnerBinding(models.Model):
    """The ERP's customer for one commercial partner and integration, and what was last sent to it.

    Read before each push, written by the push job (sudo) after a success: an unchanged returning
    customer then costs no call to the ERP (``erp/customers.py``).
    """

    _name = "tecpet.erp.partner.binding"
    _description = "ERP Customer Binding"
    _rec_name = "external_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade", readonly=True
    )
    integration_id = fields.Many2one(
        "tecpet.erp.integration", string="ERP Integration", required=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="integration_id.company_id", store=True, index=True)
    external_id = fields.Char(string="ERP Customer ID", required=True, readonly=True)
    fingerprint = fields.Char(
        readonly=True,
        help="Hash of the customer data last sent to the ERP: while it matches, nothing is sent. "
        "Emptied when a send fails on the data, so that the next send checks the ERP's copy.",
    )
    sent_at = fields.Datetime(string="Last Sent At", readonly=True)

    _sql_constraints = [
        (
            "partner_integration_uniq",
            "unique(partner_id, integration_id)",
            "A customer has one ERP record per integration.",
        ),
    ]

    @api.model
    def _erp_binding_of(self, partner, integration):
        """The remembered ERP customer of ``partner`` (its commercial partner), or None."""
        binding = self._erp_search(partner, integration)
        return CustomerBinding(binding.external_id, binding.fingerprint or "") if binding else None

    @api.model
    def _erp_remember(self, partner, integration, customer):
        """Remember the ERP customer (``CustomerBinding``) a push used, and what it sent."""
        values = {
            "external_id": customer.external_id,
            "fingerprint": customer.fingerprint,
            "sent_at": fields.Datetime.now(),
        }
        binding = self._erp_search(partner, integration)
        if binding:
            if (binding.external_id, binding.fingerprint) != (customer.external_id, customer.fingerprint):
                binding.write(values)
            return binding
        partner = partner.commercial_partner_id
        return create_once(self, {"partner_id": partner.id, "integration_id": integration.id, **values})

    @api.model
    def _erp_forget_data(self, partner, integration):
        """The ERP refused a send: check its copy of the customer at the next one."""
        self._erp_search(partner, integration).fingerprint = False

    @api.model
    def _erp_search(self, partner, integration):
        domain = [
            ("partner_id", "=", partner.commercial_partner_id.id),
            ("integration_id", "=", integration.id),
        ]
        return self.sudo().search(domain, limit=1)
