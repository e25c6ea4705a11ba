"""The customer's fields as validation knows them: where each comes from in Odoo, its label when
the Odoo side passes none, each ERP's length limits, and the messages of the free-text fields.

Plain Python, no Odoo; ``validation.py`` applies them.
"""

# pylint: disable=prefer-env-translation
# (messages are marked with messages._ and translated by the Odoo side)

from __future__ import annotations

from dataclasses import dataclass

from .messages import _

PROVIDER_NAMES = {"vhsys": "VHSYS", "bling": "Bling"}

# Maximum lengths, per provider, of the values as sent (after clean_text). Keys are RawCustomer
# attributes. All limits live here; validation reports a value over its limit instead of letting
# the ERP truncate or reject it.
FIELD_LIMITS: dict[str, dict[str, int]] = {
    "vhsys": {  # documented maximum lengths of /clientes (erp-apis/vhsys.md §3.1)
        "name": 255,  # razao_cliente
        "street": 255,  # endereco_cliente
        "street_number": 7,  # numero_cliente
        "complement": 45,  # complemento_cliente
        "district": 45,  # bairro_cliente
        "city": 255,  # cidade_cliente
        "email": 255,  # email_cliente
        "phone": 20,  # fone_cliente/celular_cliente: format_phone_br() gives 15 at most (tested, not checked)
    },
    # Bling documents no lengths: these are the caps of the ecomplus connector (erp-apis/bling.md §7).
    "bling": {
        "name": 120,  # GUESS: ecomplus caps item descriptions at 120; no source for the contact name
        "street": 50,  # endereco
        "street_number": 10,  # numero
        "complement": 50,  # complemento
        "district": 30,  # bairro
        "city": 30,  # municipio
        "email": 60,  # email
    },
}

# Where each RawCustomer attribute comes from with core l10n_br (base_address_extended): the Odoo
# side passes its own map when the installed localization differs (OCA l10n_br_base keeps the
# neighbourhood in ``district`` and the complement in ``street2``).
CORE_FIELDS: dict[str, str] = {
    "name": "name",
    "vat": "vat",
    "street": "street_name",
    "street_number": "street_number",
    "complement": "street_number2",
    "district": "street2",
    "city": "city",
    "state_code": "state_id",
    "zip_code": "zip",
    "country_code": "country_id",
    "phone": "phone",
    "mobile": "mobile",
    "email": "email",
    "state_registration": "l10n_br_ie_code",
    "municipal_registration": "l10n_br_im_code",
    "suframa": "l10n_br_isuf_code",
    "trade_name": "name",
}
# Labels used when the Odoo side passes none (tests, scripts): the Odoo side passes the labels of
# the user's form, in the user's language.
DEFAULT_LABELS: dict[str, str] = {
    "name": "Name",
    "legal_name": "Legal Name",
    "vat": "Tax ID",
    "street_name": "Street",
    "street_number": "Street #",
    "street_number2": "Complement",
    "street2": "Neighborhood",
    "district": "District",
    "city": "City",
    "state_id": "State",
    "zip": "ZIP",
    "country_id": "Country",
    "phone": "Phone",
    "mobile": "Mobile",
    "email": "Email",
    "is_company": "Company",
    "l10n_latam_identification_type_id": "Identification Type",
    "l10n_br_ie_code": "IE",
    "l10n_br_im_code": "IM",
    "l10n_br_isuf_code": "SUFRAMA code",
}


@dataclass(frozen=True)
class Text:
    """A free-text field: whether it is required, and its messages (whole sentences, to translate)."""

    attr: str  # RawCustomer attribute, also the FIELD_LIMITS key
    missing: str  # "" when the field is optional
    too_long: str
    unprintable: str


NAME = Text(
    "name",
    _('Name is missing: fill in the customer\'s "%(label)s".'),
    _(
        'Name "%(value)s" is too long for %(erp)s (max %(max)s characters): '
        'shorten the customer\'s "%(label)s".'
    ),
    _('Name contains an invisible control character (%(char)s): retype the customer\'s "%(label)s".'),
)
ADDRESS = (
    Text(
        "street",
        _('Street is missing: fill in the customer\'s "%(label)s".'),
        _(
            'Street "%(value)s" is too long for %(erp)s (max %(max)s characters): '
            'shorten the customer\'s "%(label)s".'
        ),
        _('Street contains an invisible control character (%(char)s): retype the customer\'s "%(label)s".'),
    ),
    Text(
        "street_number",
        _('Street number is missing: fill in the customer\'s "%(label)s" ("S/N" if the address has none).'),
        _(
            'Street number "%(value)s" is too long for %(erp)s (max %(max)s characters): '
            'shorten the customer\'s "%(label)s", or move the rest to the complement.'
        ),
        _(
            "Street number contains an invisible control character (%(char)s): "
            'retype the customer\'s "%(label)s".'
        ),
    ),
    Text(
        "complement",
        "",
        _(
            'Complement "%(value)s" is too long for %(erp)s (max %(max)s characters): '
            'shorten the customer\'s "%(label)s".'
        ),
        _(
            "Complement contains an invisible control character (%(char)s): "
            'retype the customer\'s "%(label)s".'
        ),
    ),
    Text(
        "district",
        _('Neighbourhood is missing: fill in the customer\'s "%(label)s".'),
        _(
            'Neighbourhood "%(value)s" is too long for %(erp)s (max %(max)s characters): '
            'shorten the customer\'s "%(label)s".'
        ),
        _(
            "Neighbourhood contains an invisible control character (%(char)s): "
            'retype the customer\'s "%(label)s".'
        ),
    ),
    Text(
        "city",
        _('City is missing: fill in the customer\'s "%(label)s".'),
        _(
            'City "%(value)s" is too long for %(erp)s (max %(max)s characters): '
            'shorten the customer\'s "%(label)s".'
        ),
        _('City contains an invisible control character (%(char)s): retype the customer\'s "%(label)s".'),
    ),
)
# Optional fiscal texts: only what they may not hold is checked (their format is the ERP's).
FISCAL_TEXTS = (
    Text(
        "municipal_registration",
        "",
        "",
        _(
            "Municipal registration (IM) contains an invisible control character (%(char)s): "
            'retype the customer\'s "%(label)s".'
        ),
    ),
    Text(
        "trade_name",
        "",
        "",
        _(
            "Trade name contains an invisible control character (%(char)s): "
            'retype the customer\'s "%(label)s".'
        ),
    ),
)
EMAIL_TOO_LONG = Text(
    "email",
    "",
    _('E-mail "%(value)s" is too long for %(erp)s (max %(max)s characters): use a shorter "%(label)s".'),
    "",
)
