# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""Brazil's VAT check accepts the alphanumeric CNPJ (issued since July 2026).

Odoo 18's ``base_vat.check_vat_br`` asks python-stdnum, whose 1.19 release knows digits only: a
company with CNPJ 12.ABC.345/01DE-35 (the Receita Federal's example) could not even be saved.
Odoo and stdnum are asked first, so their own support takes over once they ship it; only a number
they refuse and the 2026 rule accepts (letters count as their ASCII code - 48, the check digits
stay digits) is let through here. No other country's check changes.
"""

from odoo import models

from ..erp.formatting import tax_id
from ..erp.validation import valid_cnpj


class ResPartner(models.Model):
    _inherit = "res.partner"

    def check_vat_br(self, vat):
        if super().check_vat_br(vat):
            return True
        number = tax_id(vat)
        return not number.isdigit() and valid_cnpj(number)
