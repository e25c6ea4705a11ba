# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The integration's Brazilian fiscal settings: payment methods per Odoo payment term or method,
and whether goods the ERP's catalogue does not hold may go as free-text items."""

from odoo import fields, models


class TecpetErpIntegration(models.Model):
    _inherit = "tecpet.erp.integration"

    payment_method_map_ids = fields.One2many(
        "tecpet.erp.payment.method.map", "integration_id", string="Payment Method Mapping"
    )
    allow_free_text_items = fields.Boolean(
        string="Allow Free-Text Items",
        help="Send a goods line whose product is neither in the ERP's catalogue nor has an NCM in Odoo as a "
        "free-text item. Off: such a line is a data error naming the product, because the ERP could not "
        "issue its NF-e (no NCM).",
    )

    def _erp_payment_method(self, payment_term=None, payment_method_line=None):
        """The ERP payment method of an installment: the mapping of the method it was paid with,
        else of the invoice's payment terms, else the integration's default ('' when none)."""
        self.ensure_one()
        rows = self.payment_method_map_ids
        found = (
            payment_method_line and rows.filtered(lambda r: r.payment_method_line_id == payment_method_line)
        ) or (payment_term and rows.filtered(lambda r: r.payment_term_id == payment_term))
        return (found[:1].erp_payment_method if found else self.default_payment_method) or ""

    def _client_settings(self):
        settings = super()._client_settings()
        mapped = [
            self.default_payment_method or "",
            *self.payment_method_map_ids.mapped("erp_payment_method"),
        ]
        settings["mapped_payment_methods"] = tuple(
            dict.fromkeys(m.strip() for m in mapped if m and m.strip())
        )
        settings["allow_free_text_items"] = self.allow_free_text_items
        return settings
