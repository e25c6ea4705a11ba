# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo import api, fields, models, tools
from odoo.tools.mail import email_normalize, email_split, single_email_re

from ..erp.customer_fields import CORE_FIELDS, DEFAULT_LABELS
from ..erp.formatting import clean_text, digits
from ..erp.validation import RawCustomer, validate_customer
from .erp_texts import FieldLabel, Texts

# l10n_latam identification types of l10n_br, by the key validation uses.
ID_TYPES = (("l10n_br.cpf", "cpf"), ("l10n_br.cnpj", "cnpj"))
# Where the installed localization keeps what core l10n_br keeps elsewhere: OCA l10n_br_base has
# the neighbourhood in `district` and the complement in `street2` (its NF-e's xCpl).
OCA_FIELDS = {"district": "district", "complement": "street2"}
# The city's IBGE code: OCA l10n_br_base's name, and an l10n_br-style name; core has none.
IBGE_FIELDS = ("ibge_code", "l10n_br_ibge_code")
# What the partner's checks read, where the installed modules have it.
FISCAL_DEPENDS = (
    "vat",
    "name",
    "legal_name",
    "is_company",
    "street",
    "street_name",
    "street_number",
    "street_number2",
    "street2",
    "district",
    "city",
    "city_id",
    "state_id",
    "zip",
    "phone",
    "mobile",
    "email",
    "country_id",
    "l10n_latam_identification_type_id",
    "l10n_br_ie_code",
    "l10n_br_im_code",
    "l10n_br_isuf_code",
)


def _value(record, name):
    """A text field of ``record`` as text, '' when empty or when no installed module has it."""
    return (record[name] or "") if name in record._fields else ""


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

    @api.depends(lambda self: [name for name in FISCAL_DEPENDS if name in self._fields])
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
        """The partner's fiscal data as plain values, for validation and mapping outside the ORM.

        The fields follow the installed localization (core l10n_br or OCA l10n_br_base, told by the
        fields present); the labels are those of the user's partner form, in the user's language.
        """
        self.ensure_one()
        commercial = self.commercial_partner_id
        names = dict(CORE_FIELDS)
        if "district" in commercial._fields:
            names.update(OCA_FIELDS)
        legal_name = _value(commercial, "legal_name")
        if legal_name:
            names["name"] = "legal_name"
        id_type = commercial.l10n_latam_identification_type_id
        # env.ref is cached by the registry; get_external_id() would query at every call.
        identification = next(
            (key for xmlid, key in ID_TYPES if id_type == self.env.ref(xmlid, raise_if_not_found=False)), ""
        )
        # Invisible copy-paste leftovers (zero-width spaces, BOM) are no part of an address.
        email = clean_text(self.email or commercial.email or "")
        normalized = email_normalize(email) or ""
        city = commercial.city_id.name or commercial.city or ""
        return RawCustomer(
            name=legal_name or commercial.name or "",
            trade_name=(commercial.name or "") if legal_name else "",
            vat=commercial.vat or "",
            identification_type=identification,
            is_company=commercial.is_company,
            street=commercial.street_name or "",
            street_number=commercial.street_number or "",
            complement=_value(commercial, names["complement"]),
            district=_value(commercial, names["district"]),
            full_street=commercial._erp_street_only(),
            city=city,
            ibge_code=next(
                (_value(commercial.city_id, f) for f in IBGE_FIELDS if f in commercial.city_id._fields), ""
            ),
            state_code=commercial.state_id.code or "",
            state_country_code=commercial.state_id.country_id.code or "",
            zip_code=commercial.zip or "",
            zip_city=self._erp_zip_city(commercial.zip),
            phone=self.phone or commercial.phone or "",
            mobile=self.mobile or commercial.mobile or "",
            email=email,
            email_normalized=normalized if single_email_re.match(normalized) else "",
            email_count=len(email_split(email)),
            country_code=commercial.country_id.code or "",
            state_registration=_value(commercial, "l10n_br_ie_code"),
            municipal_registration=_value(commercial, "l10n_br_im_code"),
            suframa=_value(commercial, "l10n_br_isuf_code"),
            field_names=names,
            labels=self._erp_field_labels(),
        )

    def _erp_street_only(self):
        """The partner's ``street`` when its name, number and complement are nothing but Odoo's
        generic split of it (imported or created over the API, never typed in the Brazilian form):
        the plain layer splits it again the Brazilian way. '' otherwise."""
        self.ensure_one()
        if not self.street or "street_name" not in self._fields:
            return ""
        stored = {"street_name": self.street_name or "", "street_number": self.street_number or ""}
        stored["street_number2"] = self.street_number2 or ""
        return self.street if stored == tools.street_split(self.street) else ""

    @api.model
    def _erp_zip_city(self, zip_code):
        """The city whose CEP range (core l10n_br's ``l10n_br.zip.range``) holds the CEP, '' when
        none does or the table is not installed."""
        cep = digits(zip_code)
        if len(cep) != 8 or "l10n_br.zip.range" not in self.env:
            return ""
        cep = f"{cep[:5]}-{cep[5:]}"  # the table's format: text compares as numbers do
        found = (
            self.env["l10n_br.zip.range"].sudo().search([("start", "<=", cep), ("end", ">=", cep)], limit=1)
        )
        return found.city_id.name or ""

    @api.model
    def _erp_field_labels(self):
        """Odoo field → what the user's partner form calls it, in the user's language."""
        return dict(self._erp_form_labels(self.env.lang or "en_US", self.env.company.country_id.id))

    @tools.ormcache("lang", "country_id")
    def _erp_form_labels(self, lang, country_id):
        """The label of each field the checks name, as the partner form shows it: the address block
        has placeholders only (core l10n_br's: "Neighborhood" on street2, "Complement" on
        street_number2), elsewhere a field has its label (or its own string)."""
        partner = self.with_context(lang=lang)
        arch = etree.fromstring(partner.get_view(view_type="form")["arch"])
        wanted = [
            name for name in {*DEFAULT_LABELS, *OCA_FIELDS.values(), "legal_name"} if name in self._fields
        ]
        described = partner.fields_get(wanted, ["string"])
        labels = {}
        for name in wanted:
            address = arch.xpath(f"//div[hasclass('o_address_format')]//field[@name='{name}'][@placeholder]")
            label = arch.xpath(f"//label[@for='{name}'][@string]")
            node = arch.xpath(f"//field[@name='{name}'][@string]")
            shown = (
                (address and address[0].get("placeholder"))
                or (label and label[0].get("string"))
                or (node and node[0].get("string"))
                or ""
            )
            labels[name] = shown.rstrip(" .…") or described[name]["string"]
        return tuple(labels.items())

    def _erp_validation_problems(self, provider, raw=None):
        """Translated messages, one per problem, each naming the field and the fix. ``raw``: the
        partner's ``_erp_raw_customer()`` when the caller already has it."""
        self.ensure_one()
        texts = Texts(self.env)  # stored in a document's error, shown in its reader's language
        return [
            texts._(problem.message, **self._erp_problem_params(problem))
            for problem in validate_customer(raw or self._erp_raw_customer(), provider)
        ]

    def _erp_problem_params(self, problem):
        """A problem's values, the field it names kept as a field (a reader reads their form's label)."""
        if "label" not in problem.params:
            return problem.params
        return {**problem.params, "label": FieldLabel(problem.params["label"], self._name, problem.field)}
