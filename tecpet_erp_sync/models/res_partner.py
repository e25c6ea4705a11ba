# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..erp.validation import RawCustomer, validate_customer
from .erp_texts import Texts

# l10n_latam identification types of l10n_br, by the key validation uses.
ID_TYPES = (("l10n_br.cpf", "cpf"), ("l10n_br.cnpj", "cnpj"))


class ResPartner(models.Model):
    _inherit = "res.partner"

    erp_opt_out = fields.Boolean(
        string="Do not send to the ERP",
        help="Invoices of this customer (and of its contacts) stay outside the ERP flow.",
    )
    erp_fiscal_problems = fields.Text(
        string="ERP Fiscal Data Problems",
        compute="_compute_erp_fiscal_problems",
        help="What the ERP integration would reject in this customer's fiscal data.",
    )

    @api.depends(
        "vat",
        "name",
        "is_company",
        "street",
        "street_name",
        "street_number",
        "street_number2",
        "street2",
        "city",
        "state_id",
        "zip",
        "phone",
        "mobile",
        "email",
        "country_id",
        "l10n_latam_identification_type_id",
    )
    def _compute_erp_fiscal_problems(self):
        integration = (
            self.env["tecpet.erp.integration"]
            .sudo()
            .search([("company_id", "in", self.env.companies.ids), ("active", "=", True)], limit=1)
        )
        for partner in self:
            if (
                not integration
                or partner.type not in ("contact", "invoice")
                or partner.country_id.code != "BR"
            ):
                partner.erp_fiscal_problems = False
                continue
            problems = partner._erp_validation_problems(integration.provider)
            partner.erp_fiscal_problems = "\n".join(problems) or False

    @api.model
    def _commercial_fields(self):
        # Set on the company, followed by its contacts, as the customer's other fiscal data.
        return super()._commercial_fields() + ["erp_opt_out"]

    def _erp_raw_customer(self):
        """The partner's fiscal data as plain values, for validation and mapping outside the ORM."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        id_type = commercial.l10n_latam_identification_type_id
        # env.ref is cached by the registry; get_external_id() would query at every call.
        identification = next(
            (key for xmlid, key in ID_TYPES if id_type == self.env.ref(xmlid, raise_if_not_found=False)), ""
        )
        # OCA l10n_br_base keeps the neighbourhood in `district`; core l10n_br uses street2.
        district = commercial.district if "district" in commercial._fields else commercial.street2
        # base_address_extended (l10n_br) splits `street` into name and number: when the name is
        # empty, `street` holds the number alone, which is no street.
        street = commercial.street_name if "street_name" in commercial._fields else commercial.street
        return RawCustomer(
            name=commercial.name or "",
            vat=commercial.vat or "",
            identification_type=identification,
            is_company=commercial.is_company,
            street=street or "",
            street_number=commercial.street_number or "",
            district=district or "",
            city=commercial.city_id.name or commercial.city or "",
            state_code=commercial.state_id.code or "",
            state_country_code=commercial.state_id.country_id.code or "",
            zip_code=commercial.zip or "",
            complement=commercial.street_number2 or "",
            phone=self.phone or commercial.phone or "",
            mobile=self.mobile or commercial.mobile or "",
            email=self.email or commercial.email or "",
            country_code=commercial.country_id.code or "",
        )

    def _erp_validation_problems(self, provider):
        """Translated messages, one per problem, each naming the field and the fix."""
        self.ensure_one()
        texts = Texts(self.env)  # stored in a document's error, shown in its reader's language
        return [
            texts._(problem.message, **problem.params)
            for problem in validate_customer(self._erp_raw_customer(), provider)
        ]
