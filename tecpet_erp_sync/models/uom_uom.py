# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fiscal unit code of a unit of measure (the NF-e's commercial unit: UN, KG, H, M, L, CX...).

Odoo's units are known by their XML id, never by their name (translated: "Unidades" cut to six
characters gave "Unidad"). A unit of one's own gets its code typed on it.
"""

import unicodedata

from odoo import fields, models, tools

# Odoo's own units (uom/data/uom_data.xml) and the code fiscal notes use for them.
UNIT_CODES = {
    "uom.product_uom_unit": "UN",
    "uom.product_uom_dozen": "DZ",
    "uom.product_uom_day": "DIA",
    "uom.product_uom_hour": "H",
    "uom.product_uom_meter": "M",
    "uom.product_uom_millimeter": "MM",
    "uom.product_uom_km": "KM",
    "uom.product_uom_cm": "CM",
    "uom.product_uom_litre": "L",
    "uom.product_uom_cubic_meter": "M3",
    "uom.product_uom_kgm": "KG",
    "uom.product_uom_gram": "G",
    "uom.product_uom_ton": "TON",
    "uom.product_uom_lb": "LB",
    "uom.product_uom_oz": "OZ",
    "uom.product_uom_inch": "IN",
    "uom.product_uom_foot": "FT",
    "uom.product_uom_yard": "YD",
    "uom.product_uom_mile": "MI",
    "uom.product_uom_floz": "FLOZ",
    "uom.product_uom_qt": "QT",
    "uom.product_uom_gal": "GAL",
    "uom.product_uom_cubic_inch": "IN3",
    "uom.product_uom_cubic_foot": "FT3",
}
CODE_MAX = 6  # the NF-e's uCom


class UomUom(models.Model):
    _inherit = "uom.uom"

    erp_unit_code = fields.Char(
        string="ERP Unit Code",
        size=CODE_MAX,
        help="Unit code on fiscal notes (UN, KG, H, M, L, CX...). Empty: Odoo's own units have theirs; "
        "a unit of your own whose name is already such a code (up to 6 letters or digits) uses its name.",
    )

    @tools.ormcache()
    def _erp_known_codes(self):
        """Odoo's own units: id → code."""
        units = ((self.env.ref(xmlid, raise_if_not_found=False), code) for xmlid, code in UNIT_CODES.items())
        return {unit.id: code for unit, code in units if unit}

    def _erp_unit_code(self):
        """The unit's fiscal code, '' when it has none (a data error names the fix)."""
        self.ensure_one()
        if self.erp_unit_code:
            return self.erp_unit_code.strip().upper()
        if self.id in self._erp_known_codes():
            return self._erp_known_codes()[self.id]
        # The name as typed (the source language, never a translation), when it is a code already.
        name = unicodedata.normalize("NFKD", self.with_context(lang="en_US").name or "")
        name = "".join(ch for ch in name if not unicodedata.combining(ch)).strip().upper()
        return name if name.isascii() and name.isalnum() and len(name) <= CODE_MAX else ""
