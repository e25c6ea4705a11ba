# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..erp.contract import ProductBinding
from .tecpet_erp_partner_binding import create_once


class TecpetErpProductBinding(models.Model):
    """The ERP's product for one product code and integration: a known product costs no lookup.

    Read before each push, written by the push job (sudo) after a success, dropped when a send
    fails on the data (the ERP may have deleted the product: the next send looks it up again).
    """

    _name = "tecpet.erp.product.binding"
    _description = "ERP Product Binding"
    _rec_name = "code"

    integration_id = fields.Many2one(
        "tecpet.erp.integration", string="ERP Integration", required=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="integration_id.company_id", store=True, index=True)
    code = fields.Char(string="Product Code", required=True, readonly=True)
    external_id = fields.Char(string="ERP Product ID", required=True, readonly=True)

    _sql_constraints = [
        (
            "integration_code_uniq",
            "unique(integration_id, code)",
            "A product code has one ERP product per integration.",
        ),
    ]

    @api.model
    def _erp_bindings_of(self, integration, codes):
        """The remembered ERP products of these codes, as ``ProductBinding``."""
        found = self._erp_search(integration, codes)
        return tuple(ProductBinding(b.code, b.external_id) for b in found.sorted("code"))

    @api.model
    def _erp_remember(self, integration, products):
        """Remember the ERP products (``ProductBinding``) a push used."""
        known = {b.code: b for b in self._erp_search(integration, [p.code for p in products])}
        for product in products:
            binding = known.get(product.code)
            if binding is None:
                values = {"integration_id": integration.id, "code": product.code}
                create_once(self, {**values, "external_id": product.external_id})
            elif binding.external_id != product.external_id:
                binding.external_id = product.external_id

    @api.model
    def _erp_forget(self, integration, codes):
        """The ERP refused a send: look these products up again at the next one."""
        self._erp_search(integration, codes).unlink()

    @api.model
    def _erp_search(self, integration, codes):
        codes = [c for c in codes if c]
        if not codes:
            return self.sudo().browse()
        return self.sudo().search([("integration_id", "=", integration.id), ("code", "in", codes)])
