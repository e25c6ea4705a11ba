# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An invoice line as the plain mapping reads it (``erp/mapping.py``): what it is in the ERP.

Sales, Delivery and Sales Loyalty are read where they are installed, never required: a delivery
line is freight; a down payment, the Sales discount and a loyalty reward are deductions of the
whole invoice; a combo product invoiced by itself goes as its products.
"""

from decimal import Decimal

from odoo import models

from ..erp import mapping


def _decimal(value):
    return Decimal(str(value or 0))


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _erp_plain_lines(self, carrier_products):
        """The mapping's lines for this invoice line: one, or one per product of a combo.

        ``carrier_products``: the products of the delivery carriers (empty without Delivery).
        """
        self.ensure_one()
        product = self.product_id
        ncm, service_code = product._erp_fiscal_codes() if product else ("", "")
        line = mapping.InvoiceLine(
            description=self.name or product.display_name or "",
            quantity=_decimal(self.quantity),
            price_total=_decimal(self.price_total),
            product_type=product.type or "",
            product_code=product.default_code or "",
            uom=self.product_uom_id._erp_unit_code() if self.product_uom_id else "UN",
            discount=_decimal(self.discount),
            ncm=ncm,
            service_code=service_code,
            freight=self._erp_is_delivery(carrier_products),
            whole_invoice=self._erp_is_whole_invoice_deduction(),
        )
        return self._erp_combo_components(line) if product.type == "combo" else [line]

    def _erp_is_delivery(self, carrier_products):
        sale_lines = self["sale_line_ids"] if "sale_line_ids" in self._fields else []
        if sale_lines and "is_delivery" in sale_lines._fields and any(sale_lines.mapped("is_delivery")):
            return True
        return bool(self.product_id) and self.product_id in carrier_products

    def _erp_is_whole_invoice_deduction(self):
        """A down payment, the Sales discount product or a loyalty reward: it lowers the whole order."""
        if "is_downpayment" in self._fields and self["is_downpayment"]:
            return True
        company = self.company_id
        if (
            "sale_discount_product_id" in company._fields
            and self.product_id == company.sale_discount_product_id
        ):
            return bool(self.product_id)
        sale_lines = self["sale_line_ids"] if "sale_line_ids" in self._fields else []
        return bool(sale_lines) and "reward_id" in sale_lines._fields and any(sale_lines.mapped("reward_id"))

    def _erp_combo_components(self, line):
        """A combo product invoiced by itself (not from a sales order, whose invoice lists the chosen
        items): its products, when each of its combos offers one; the line's total spread by the
        combos' base prices. A combo with a choice stays as it is (the checks name the fix)."""
        combos = self.product_id.combo_ids
        if not combos or any(len(combo.combo_item_ids) != 1 for combo in combos):
            return [line]
        weights = [_decimal(combo.base_price) or Decimal(1) for combo in combos]
        shares = (
            mapping.spread(weights, line.price_total) if line.price_total > 0 else [Decimal(0)] * len(combos)
        )
        result = []
        for combo, share in zip(combos, shares, strict=True):
            product = combo.combo_item_ids.product_id
            ncm, service_code = product._erp_fiscal_codes()
            result.append(
                mapping.InvoiceLine(
                    description=f"{product.display_name} ({line.description})",
                    quantity=line.quantity,
                    price_total=share,
                    product_type=product.type or "",
                    product_code=product.default_code or "",
                    uom=product.uom_id._erp_unit_code(),
                    ncm=ncm,
                    service_code=service_code,
                )
            )
        return result
