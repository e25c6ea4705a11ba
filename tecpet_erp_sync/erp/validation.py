"""Customer validation before anything is sent to an ERP (PRODUCT.md 2.3, 2.4).

Plain Python, no Odoo: the partner is read into a ``RawCustomer`` exactly as typed (document
masked or not, parts missing), and ``validate_customer`` returns every problem at once, each naming
the Odoo field and the fix, so the user corrects the partner in one go instead of one ERP
rejection at a time. Messages are English templates with ``%(name)s`` placeholders; the Odoo side
translates them with ``env._(problem.message, **problem.params)``.
"""

# pylint: disable=prefer-env-translation
# (messages are marked with messages._ and translated by the Odoo side)

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from validate_docbr import CNPJ, CPF

from .formatting import clean_text, control_character, digits, format_document, parse_phone_br, quoted
from .messages import Problem, _

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

# The 26 states and the Federal District, as their UF codes (res.country.state codes for BR).
# fmt: off
BRAZILIAN_STATES = frozenset({
    "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA",
    "PB", "PR", "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO",
})
# fmt: on

_CPF = CPF()  # rejects all-equal digits (111.111.111-11) on its own; we say so first anyway
_CNPJ = CNPJ()  # 1.11 also accepts the alphanumeric CNPJ that starts in July 2026
_VAT_CHARS = frozenset("0123456789./- ")
_CEP_CHARS = frozenset("0123456789.- ")
_EMAIL_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOMAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# A bare ASCII address (dot-atom local part, dotted domain with a letters TLD): what the ERPs and
# the fiscal note schemas take. "Ana <ana@x.com>" and IDN addresses are refused on purpose.
_EMAIL = re.compile(rf"{_EMAIL_ATOM}(?:\.{_EMAIL_ATOM})*@(?:{_DOMAIN_LABEL}\.)+[A-Za-z]{{2,63}}")
_EMAIL_SEPARATORS = re.compile(r"[,;\s]+")


@dataclass(frozen=True)
class RawCustomer:
    """A partner's fiscal data as the Odoo side reads it: nothing normalised, anything may be empty."""

    name: str
    vat: str  # as typed: masked, digits only, or empty
    identification_type: str  # "cpf", "cnpj", or "" when unknown (plain ``vat`` without l10n_br)
    is_company: bool
    street: str
    street_number: str
    district: str  # bairro: street2 with core l10n_br, ``district`` with OCA l10n_br_base
    city: str
    state_code: str  # UF
    zip_code: str  # CEP, masked or not
    phone: str
    mobile: str
    email: str
    country_code: str
    complement: str = ""  # e.g. street_number2 (base_address_extended); optional for the ERPs
    state_country_code: str = ""  # country of the state record, "" when unknown: US "AL" is not Alagoas


@dataclass(frozen=True)
class _Text:
    """A free-text field: whether it is required, and its messages (whole sentences, to translate)."""

    attr: str  # RawCustomer attribute, also the FIELD_LIMITS key
    odoo_field: str
    missing: str  # "" when the field is optional
    too_long: str
    unprintable: str


_NAME = _Text(
    "name",
    "name",
    _("Name is missing: fill in the customer's name."),
    _('Name "%(value)s" is too long for %(erp)s (max %(max)s characters): shorten the customer\'s name.'),
    _("Name contains an invisible control character (%(char)s): retype the customer's name."),
)
_ADDRESS = (
    _Text(
        "street",
        "street_name",
        _("Street is missing: fill in the customer's street."),
        _(
            'Street "%(value)s" is too long for %(erp)s (max %(max)s characters): '
            "shorten the customer's street."
        ),
        _("Street contains an invisible control character (%(char)s): retype the customer's street."),
    ),
    _Text(
        "street_number",
        "street_number",
        _('Street number is missing: fill in the customer\'s street number ("S/N" if the address has none).'),
        _(
            'Street number "%(value)s" is too long for %(erp)s (max %(max)s characters): '
            "shorten the customer's street number, or move the rest to the complement."
        ),
        _(
            "Street number contains an invisible control character (%(char)s): "
            "retype the customer's street number."
        ),
    ),
    _Text(
        "complement",
        "street_number2",
        "",
        _(
            'Complement "%(value)s" is too long for %(erp)s (max %(max)s characters): '
            "shorten the customer's address complement."
        ),
        _(
            "Complement contains an invisible control character (%(char)s): "
            "retype the customer's address complement."
        ),
    ),
    _Text(
        "district",
        "street2",
        _("Neighbourhood is missing: fill in the customer's neighbourhood (Street 2)."),
        _(
            'Neighbourhood "%(value)s" is too long for %(erp)s (max %(max)s characters): '
            "shorten the customer's neighbourhood (Street 2)."
        ),
        _(
            "Neighbourhood contains an invisible control character (%(char)s): "
            "retype the customer's neighbourhood (Street 2)."
        ),
    ),
    _Text(
        "city",
        "city",
        _("City is missing: fill in the customer's city."),
        _('City "%(value)s" is too long for %(erp)s (max %(max)s characters): shorten the customer\'s city.'),
        _("City contains an invisible control character (%(char)s): retype the customer's city."),
    ),
)

_EMAIL_TEXT = _Text(
    "email",
    "email",
    "",
    _(
        'E-mail "%(value)s" is too long for %(erp)s (max %(max)s characters): '
        "use a shorter address for the customer."
    ),
    "",  # control characters never pass the address pattern
)


def validate_customer(raw: RawCustomer, provider: str) -> list[Problem]:
    """Every problem that would make ``provider`` reject the customer or its fiscal notes.

    An empty list means ``formatting.customer_from_raw(raw)`` is safe to send. Raises ValueError
    for an unknown provider (a programming error, not a data problem).
    """
    if provider not in FIELD_LIMITS:
        raise ValueError(f"unknown ERP provider {provider!r}")
    erp, limits = PROVIDER_NAMES[provider], FIELD_LIMITS[provider]
    problems = _check_text(raw, _NAME, erp, limits)
    problems += _check_document(raw)
    for spec in _ADDRESS:
        problems += _check_text(raw, spec, erp, limits)
    problems += _check_state(raw.state_code, raw.state_country_code)
    problems += _check_zip(raw.zip_code)
    problems += _check_country(raw.country_code)
    problems += _check_phones(raw.phone, raw.mobile)
    problems += _check_email(raw.email, erp, limits)
    return problems


def shown_name(name: str) -> str:
    """A customer's name as a message quotes it: cleaned, printable, and short ('' when empty)."""
    return quoted(clean_text(name))


def _too_long(spec: _Text, value: str, erp: str, limits: dict[str, int]) -> list[Problem]:
    limit = limits.get(spec.attr)
    if limit is None or len(value) <= limit:
        return []
    return [Problem(spec.odoo_field, spec.too_long, {"value": quoted(value), "erp": erp, "max": limit})]


def _check_text(raw: RawCustomer, spec: _Text, erp: str, limits: dict[str, int]) -> list[Problem]:
    value = clean_text(getattr(raw, spec.attr))
    if not value:
        return [Problem(spec.odoo_field, spec.missing)] if spec.missing else []
    problems = []
    bad = control_character(value)
    if bad:
        problems.append(Problem(spec.odoo_field, spec.unprintable, {"char": f"U+{ord(bad):04X}"}))
    return problems + _too_long(spec, value, erp, limits)


def _check_document(raw: RawCustomer) -> list[Problem]:
    """CPF/CNPJ: present, well formed, check digits right, and matching the kind of person."""
    vat = unicodedata.normalize("NFKC", clean_text(raw.vat))
    if not vat:
        return [
            Problem("vat", _("Tax ID is missing: fill in the customer's CPF (individual) or CNPJ (company)."))
        ]
    if set(vat) - _VAT_CHARS:
        if vat.isascii() and _CNPJ.validate(vat.upper()):
            return [
                Problem(
                    "vat",
                    _(
                        "CNPJ %(vat)s is alphanumeric, which the ERP integration does not support yet: "
                        "contact support."
                    ),
                    {"vat": quoted(vat)},
                )
            ]
        return [
            Problem(
                "vat",
                _(
                    'Tax ID "%(vat)s" contains characters other than digits: type the 11 digits of the CPF '
                    "or the 14 of the CNPJ (dots, dashes and slash are fine)."
                ),
                {"vat": quoted(vat)},
            )
        ]
    number = digits(vat)
    if len(number) not in (11, 14):
        return [
            Problem(
                "vat",
                _(
                    'Tax ID "%(vat)s" has %(count)s digits: a CPF has 11 and a CNPJ 14. '
                    "Fix the customer's Tax ID."
                ),
                {"vat": quoted(vat), "count": len(number)},
            )
        ]
    is_cnpj = len(number) == 14
    shown = format_document(number)
    params: dict[str, str | int] = {"kind": "CNPJ" if is_cnpj else "CPF", "vat": shown}
    problems = []
    if len(set(number)) == 1:
        problems.append(
            Problem(
                "vat",
                _("%(kind)s %(vat)s is invalid: all its digits are equal. Fix the customer's Tax ID."),
                params,
            )
        )
    elif not (_CNPJ if is_cnpj else _CPF).validate(number):
        problems.append(
            Problem(
                "vat",
                _("%(kind)s %(vat)s is invalid: check digits do not match. Fix the customer's Tax ID."),
                params,
            )
        )
    return problems + _check_person_type(raw, is_cnpj, shown)


def _check_person_type(raw: RawCustomer, is_cnpj: bool, shown_vat: str) -> list[Problem]:
    """CPF ↔ individual, CNPJ ↔ company; and the l10n_br identification type, when known."""
    problems = []
    if raw.is_company and not is_cnpj:
        problems.append(
            Problem(
                "is_company",
                _(
                    "The customer is a company but the Tax ID is a CPF: use the CNPJ, "
                    "or mark the customer as an individual."
                ),
            )
        )
    elif not raw.is_company and is_cnpj:
        problems.append(
            Problem(
                "is_company",
                _(
                    "The customer is an individual but the Tax ID is a CNPJ: use the CPF, "
                    "or mark the customer as a company."
                ),
            )
        )
    if raw.identification_type == "cpf" and is_cnpj:
        problems.append(
            Problem(
                "l10n_latam_identification_type_id",
                _(
                    "The identification type is CPF but %(vat)s is a CNPJ (14 digits): "
                    "set the identification type to CNPJ, or fix the Tax ID."
                ),
                {"vat": shown_vat},
            )
        )
    elif raw.identification_type == "cnpj" and not is_cnpj:
        problems.append(
            Problem(
                "l10n_latam_identification_type_id",
                _(
                    "The identification type is CNPJ but %(vat)s is a CPF (11 digits): "
                    "set the identification type to CPF, or fix the Tax ID."
                ),
                {"vat": shown_vat},
            )
        )
    return problems


def _check_state(state_code: str, state_country_code: str = "") -> list[Problem]:
    """A UF, and a state of Brazil: many other countries' states have UF-like codes (AL, PA, MA)."""
    code = clean_text(state_code).upper()
    if not code:
        return [Problem("state_id", _("State is missing: fill in the customer's state."))]
    country = clean_text(state_country_code).upper()
    if code not in BRAZILIAN_STATES or country not in ("", "BR"):
        return [
            Problem(
                "state_id",
                _('State "%(value)s" is not a Brazilian state: pick the customer\'s state (UF, e.g. SP).'),
                {"value": quoted(f"{code} ({country})" if country not in ("", "BR") else code)},
            )
        ]
    return []


def _check_zip(zip_code: str) -> list[Problem]:
    """CEP: 8 digits once the mask is gone; all zeros is a placeholder, not a CEP."""
    value = unicodedata.normalize("NFKC", clean_text(zip_code))
    if not value:
        return [Problem("zip", _("ZIP is missing: fill in the customer's CEP (8 digits)."))]
    number = digits(value)
    if set(value) - _CEP_CHARS or len(number) != 8 or not number.strip("0"):
        return [
            Problem(
                "zip",
                _(
                    'ZIP "%(value)s" is not a valid CEP: a CEP has 8 digits, e.g. 01310-100. '
                    "Fix the customer's ZIP."
                ),
                {"value": quoted(value)},
            )
        ]
    return []


def _check_country(country_code: str) -> list[Problem]:
    code = clean_text(country_code).upper()
    if code and code != "BR":
        return [
            Problem(
                "country_id",
                _(
                    'Country "%(value)s" is not Brazil: the ERP integration only sends Brazilian customers. '
                    "Set the customer's country to Brazil."
                ),
                {"value": quoted(code)},
            )
        ]
    return []


def _check_phones(phone: str, mobile: str) -> list[Problem]:
    """At least one number; each one given must be a Brazilian landline or mobile with its DDD."""
    phone, mobile = clean_text(phone), clean_text(mobile)
    if not phone and not mobile:
        return [Problem("phone", _("Phone is missing: fill in the customer's phone or mobile."))]
    problems = []
    if phone and parse_phone_br(phone) is None:
        problems.append(
            Problem(
                "phone",
                _(
                    'Phone "%(value)s" is not a Brazilian landline or mobile number: '
                    "type it with the area code (DDD), e.g. (11) 3333-4444."
                ),
                {"value": quoted(phone)},
            )
        )
    if mobile and parse_phone_br(mobile) is None:
        problems.append(
            Problem(
                "mobile",
                _(
                    'Mobile "%(value)s" is not a Brazilian landline or mobile number: '
                    "type it with the area code (DDD), e.g. (11) 99999-9999."
                ),
                {"value": quoted(mobile)},
            )
        )
    return problems


def _check_email(email: str, erp: str, limits: dict[str, int]) -> list[Problem]:
    """Optional; when given, exactly one bare address (NFS-e Nacional takes only one, vhsys.md §7)."""
    value = clean_text(email)
    if not value:
        return []
    count = sum("@" in part for part in _EMAIL_SEPARATORS.split(value))
    if count > 1:
        return [
            Problem(
                "email",
                _(
                    'E-mail "%(value)s" holds %(count)s addresses, but only one e-mail is allowed: '
                    "keep a single address in the customer's e-mail."
                ),
                {"value": quoted(value), "count": count},
            )
        ]
    if not _EMAIL.fullmatch(value):
        return [
            Problem(
                "email",
                _('E-mail "%(value)s" is not a valid address: fix the customer\'s e-mail.'),
                {"value": quoted(value)},
            )
        ]
    return _too_long(_EMAIL_TEXT, value, erp, limits)
