# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fiscal codes of a product: NFS-e service code and NCM, on the product or its category.

Community Odoo has neither (OCA ``l10n_br_fiscal`` has ``ncm_id``, read when installed). A line's
code comes from its product, else its category (or the nearest parent category that has one);
the integration's default service code comes last (``erp/mapping.py``).
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..erp.formatting import digits

NCM_CHARS = frozenset("0123456789. ")

SERVICE_CODE_HELP = (
    "Service code of the NFS-e for this product's lines: the LC 116 list item (e.g. 05.01) or the "
    "city's own service code, as the ERP takes it. Empty: the category's, else the integration's default."
)
NCM_HELP = (
    "NCM of the goods (8 digits, e.g. 2309.10.00), sent with the product's lines to the ERP for the NF-e. "
    "Empty: the category's; with none, the ERP's catalogue product must hold it."
)


def _check_ncm(records):
    for record in records.filtered("erp_ncm"):
        if set(record.erp_ncm) - NCM_CHARS or len(digits(record.erp_ncm)) != 8:
            raise ValidationError(
                records.env._(
                    'NCM "%(ncm)s" of %(name)s is not valid: an NCM has 8 digits, e.g. 2309.10.00.',
                    ncm=record.erp_ncm,
                    name=record.display_name,
                )
            )


class ProductTemplate(models.Model):
    _inherit = "product.template"

    erp_service_code = fields.Char(string="NFS-e Service Code", help=SERVICE_CODE_HELP)
    erp_ncm = fields.Char(string="NCM", help=NCM_HELP)

    @api.constrains("erp_ncm")
    def _check_erp_ncm(self):
        _check_ncm(self)


class ProductCategory(models.Model):
    _inherit = "product.category"

    erp_service_code = fields.Char(
        string="NFS-e Service Code",
        help="Service code of the NFS-e for products of this category that have none of their own.",
    )
    erp_ncm = fields.Char(string="NCM", help="NCM for goods of this category that have none of their own.")

    @api.constrains("erp_ncm")
    def _check_erp_ncm(self):
        _check_ncm(self)


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _erp_fiscal_codes(self):
        """(NCM as 8 digits, NFS-e service code) of the product: its own, OCA's NCM, else the
        nearest category's; '' where none is known."""
        self.ensure_one()
        ncm = self.erp_ncm or ""
        if not ncm and "ncm_id" in self._fields:  # OCA l10n_br_fiscal
            ncm = self.ncm_id.code or ""
        service_code = self.erp_service_code or ""
        category = self.categ_id
        while category and not (ncm and service_code):
            ncm = ncm or category.erp_ncm or ""
            service_code = service_code or category.erp_service_code or ""
            category = category.parent_id
        return digits(ncm), service_code.strip()
