"""Customer validation before anything is sent to an ERP (PRODUCT.md 2.3, 2.4, 2.11).

Plain Python, no Odoo: the partner is read into a ``RawCustomer`` exactly as typed (document
masked or not, parts missing), and ``validate_customer`` returns every problem at once, each naming
the Odoo field by its label in the user's form and the fix, so the user corrects the partner in one
go instead of one ERP rejection at a time. Messages are English templates with ``%(name)s``
placeholders; the Odoo side translates them with ``env._(problem.message, **problem.params)``.
"""

# pylint: disable=prefer-env-translation
# (messages are marked with messages._ and translated by the Odoo side)

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from validate_docbr import CNPJ, CPF

from .customer_fields import (
    ADDRESS,
    CORE_FIELDS,
    DEFAULT_LABELS,
    EMAIL_TOO_LONG,
    FIELD_LIMITS,
    FISCAL_TEXTS,
    NAME,
    PROVIDER_NAMES,
    Text,
)
from .formatting import (
    EXEMPT_IE,
    clean_text,
    control_character,
    digits,
    doubtful_street_name,
    format_document,
    parse_phone_br,
    place_key,
    quoted,
    split_street_br,
    street_parts,
    tax_id,
)
from .messages import Problem, _

_CPF = CPF()  # rejects all-equal digits (111.111.111-11) on its own; we say so first anyway
_CNPJ = CNPJ()  # 1.11 accepts the alphanumeric CNPJ in force since July 2026 (letters = ASCII - 48)
_VAT_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ./- ")
_CEP_CHARS = frozenset("0123456789.- ")
_IE_CHARS = frozenset("0123456789./- ")
IE_DIGITS = (8, 14)  # fewest and most digits of a state registration among the 27 states


@dataclass(frozen=True)
class RawCustomer:
    """A partner's fiscal data as the Odoo side reads it: nothing normalised, anything may be empty."""

    name: str  # the name on fiscal documents: OCA's ``legal_name`` when it has one, else the name
    vat: str  # as typed: masked, digits only (or letters: alphanumeric CNPJ), or empty
    identification_type: str  # "cpf", "cnpj", or "" when unknown (plain ``vat`` without l10n_br)
    is_company: bool
    street: str
    street_number: str
    district: str  # bairro: street2 with core l10n_br, ``district`` with OCA l10n_br_base
    city: str
    state_code: str  # UF: the code of a res.country.state
    zip_code: str  # CEP, masked or not
    phone: str
    mobile: str
    email: str  # as typed
    country_code: str
    complement: str = ""  # street_number2 (core), street2 (OCA); optional for the ERPs
    state_country_code: str = ""  # country of the state record: US "AL" is not Alagoas
    # Odoo's reading of ``email`` (``email_normalize``, one plain address): "" when it found none,
    # and how many addresses ``email_split`` found in it.
    email_normalized: str = ""
    email_count: int = 0
    state_registration: str = ""  # IE as typed, or "ISENTO"
    municipal_registration: str = ""  # IM
    suframa: str = ""
    trade_name: str = ""  # the partner's name when the fiscal name (OCA legal_name) differs
    ibge_code: str = ""  # IBGE code of the partner's city, where the localization has one
    # The partner's ``street`` when its name/number/complement are only Odoo's generic split of it
    # (imported, or created over the API): split again the Brazilian way (``street_parts``).
    full_street: str = ""
    zip_city: str = ""  # the city l10n_br's CEP ranges give for the CEP, "" when unknown
    # attribute -> Odoo field it was read from (CORE_FIELDS by default); Odoo field -> its label
    field_names: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def odoo_field(self, attr: str) -> str:
        return self.field_names.get(attr) or CORE_FIELDS.get(attr, attr)

    def label(self, odoo_field: str) -> str:
        return self.labels.get(odoo_field) or DEFAULT_LABELS.get(odoo_field, odoo_field)


def validate_customer(raw: RawCustomer, provider: str) -> list[Problem]:
    """Every problem that would make ``provider`` reject the customer or its fiscal notes.

    An empty list means ``formatting.customer_from_raw(raw)`` is safe to send. Raises ValueError
    for an unknown provider (a programming error, not a data problem).
    """
    if provider not in FIELD_LIMITS:
        raise ValueError(f"unknown ERP provider {provider!r}")
    erp, limits = PROVIDER_NAMES[provider], FIELD_LIMITS[provider]
    street, number, complement = street_parts(raw)
    sent = {"street": street, "street_number": number, "complement": complement}
    problems = _check_text(raw, NAME, raw.name, erp, limits)
    problems += _check_document(raw)
    problems += _check_ie(raw) + _check_suframa(raw)
    for spec in FISCAL_TEXTS:
        problems += _check_text(raw, spec, getattr(raw, spec.attr), erp, limits)
    problems += _check_street_split(raw)
    for spec in ADDRESS:
        problems += _check_text(raw, spec, sent.get(spec.attr, getattr(raw, spec.attr)), erp, limits)
    problems += _check_state(raw)
    problems += _check_zip(raw)
    problems += _check_country(raw)
    problems += _check_phones(raw)
    problems += _check_email(raw, erp, limits)
    return problems


def valid_cnpj(value: str) -> bool:
    """A CNPJ by the 2026 rule, masked or not: 14 characters, letters allowed in the first 12 (each
    counts as its ASCII code - 48 in the check digits), never all equal."""
    text = unicodedata.normalize("NFKC", clean_text(value)).upper()
    number = tax_id(text)
    return (
        not set(text) - _VAT_CHARS
        and len(number) == 14
        and number[12:].isdigit()
        and len(set(number)) > 1
        and _CNPJ.validate(number)
    )


def shown_name(name: str) -> str:
    """A customer's name as a message quotes it: cleaned, printable, and short ('' when empty)."""
    return quoted(clean_text(name))


def _problem(raw: RawCustomer, attr: str, message: str, **params: str | int) -> Problem:
    """A problem of the field ``attr`` was read from, its label among the message's values."""
    odoo_field = raw.odoo_field(attr)
    return Problem(odoo_field, message, {**params, "label": raw.label(odoo_field)})


def _too_long(raw: RawCustomer, spec: Text, value: str, erp: str, limits: dict[str, int]) -> list[Problem]:
    limit = limits.get(spec.attr)
    if limit is None or len(value) <= limit:
        return []
    return [_problem(raw, spec.attr, spec.too_long, value=quoted(value), erp=erp, max=limit)]


def _check_text(raw: RawCustomer, spec: Text, value: str, erp: str, limits: dict[str, int]) -> list[Problem]:
    value = clean_text(value)
    if not value:
        return [_problem(raw, spec.attr, spec.missing)] if spec.missing else []
    problems = []
    bad = control_character(value)
    if bad:
        problems.append(_problem(raw, spec.attr, spec.unprintable, char=f"U+{ord(bad):04X}"))
    return problems + _too_long(raw, spec, value, erp, limits)


def _check_document(raw: RawCustomer) -> list[Problem]:
    """CPF/CNPJ: present, well formed, check digits right, and matching the kind of person.

    A CNPJ may hold letters in its first 12 characters (issued since July 2026); a CPF never does.
    """
    vat = unicodedata.normalize("NFKC", clean_text(raw.vat)).upper()
    if not vat:
        return [
            _problem(
                raw,
                "vat",
                _(
                    'Tax ID is missing: fill in the customer\'s "%(label)s" with the CPF (individual) or '
                    "the CNPJ (company)."
                ),
            )
        ]
    if set(vat) - _VAT_CHARS:
        return [
            _problem(
                raw,
                "vat",
                _(
                    'Tax ID "%(vat)s" contains characters other than digits and letters: type in the '
                    'customer\'s "%(label)s" the 11 digits of the CPF or the 14 characters of the CNPJ '
                    "(dots, dashes and slash are fine)."
                ),
                vat=quoted(vat),
            )
        ]
    number = tax_id(vat)
    if (
        len(number) not in (11, 14)
        or not number[-2:].isdigit()
        or (len(number) == 11 and not number.isdigit())
    ):
        return [
            _problem(
                raw,
                "vat",
                _(
                    'Tax ID "%(vat)s" has %(count)s characters: a CPF has 11 digits, a CNPJ 14 characters '
                    '(letters only in its first 12). Fix the customer\'s "%(label)s".'
                ),
                vat=quoted(vat),
                count=len(number),
            )
        ]
    is_cnpj = len(number) == 14
    shown = format_document(number)
    params: dict[str, str | int] = {"kind": "CNPJ" if is_cnpj else "CPF", "vat": shown}
    problems = []
    if len(set(number)) == 1:
        message = _('%(kind)s %(vat)s is invalid: all its digits are equal. Fix the customer\'s "%(label)s".')
        problems.append(_problem(raw, "vat", message, **params))
    elif not (_CNPJ if is_cnpj else _CPF).validate(number):
        message = _(
            '%(kind)s %(vat)s is invalid: check digits do not match. Fix the customer\'s "%(label)s".'
        )
        problems.append(_problem(raw, "vat", message, **params))
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
                    "The identification type is CPF but %(vat)s is a CNPJ (14 characters): "
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


def _check_ie(raw: RawCustomer) -> list[Problem]:
    """IE: optional; "ISENTO", or 8 to 14 digits (an SP rural producer's starts with P).

    No library in the environment checks each state's IE check digits (erpbrasil.base does); the
    ERP's own check names them.
    """
    value = unicodedata.normalize("NFKC", clean_text(raw.state_registration)).upper()
    if not value or value in EXEMPT_IE:
        return []
    body = value[1:] if value.startswith("P") else value
    count = len(digits(body))
    if set(body) - _IE_CHARS or not IE_DIGITS[0] <= count <= IE_DIGITS[1]:
        message = _(
            'State registration (IE) "%(value)s" is not valid: an IE has 8 to 14 digits (dots, dashes '
            'and slash are fine), or write ISENTO for an exempt customer. Fix the customer\'s "%(label)s".'
        )
        return [_problem(raw, "state_registration", message, value=quoted(value))]
    return []


def _check_suframa(raw: RawCustomer) -> list[Problem]:
    value = clean_text(raw.suframa)
    if value and (set(value) - _IE_CHARS or len(digits(value)) not in (8, 9)):
        message = _(
            'SUFRAMA registration "%(value)s" is not valid: it has 8 or 9 digits. '
            'Fix or empty the customer\'s "%(label)s".'
        )
        return [_problem(raw, "suframa", message, value=quoted(value))]
    return []


def _check_street_split(raw: RawCustomer) -> list[Problem]:
    """A partner holding only ``street`` that cannot be split the Brazilian way, while Odoo's
    generic split left part of the number line in the name ("Rodovia BR-101, km" / 12)."""
    if not raw.full_street or split_street_br(raw.full_street) or not doubtful_street_name(raw.street):
        return []
    message = _(
        'Address "%(value)s" cannot be split into street, number and complement: fill in the customer\'s '
        '"%(label)s", number and complement separately.'
    )
    return [_problem(raw, "street", message, value=quoted(clean_text(raw.full_street)))]


def _check_state(raw: RawCustomer) -> list[Problem]:
    """A state of Brazil: many other countries' states have UF-like codes (US AL, PA, MA)."""
    code = clean_text(raw.state_code).upper()
    if not code:
        return [_problem(raw, "state_code", _('State is missing: fill in the customer\'s "%(label)s".'))]
    country = clean_text(raw.state_country_code).upper()
    if country != "BR":
        return [
            _problem(
                raw,
                "state_code",
                _('State "%(value)s" is not a Brazilian state: pick the customer\'s "%(label)s" (e.g. SP).'),
                value=quoted(f"{code} ({country})" if country else code),
            )
        ]
    return []


def _check_zip(raw: RawCustomer) -> list[Problem]:
    """CEP: 8 digits once the mask is gone; all zeros is a placeholder, not a CEP; and a CEP of
    the customer's city when l10n_br's CEP ranges tell it."""
    value = unicodedata.normalize("NFKC", clean_text(raw.zip_code))
    if not value:
        return [
            _problem(raw, "zip_code", _('ZIP is missing: fill in the customer\'s "%(label)s" (8 digits).'))
        ]
    number = digits(value)
    if set(value) - _CEP_CHARS or len(number) != 8 or not number.strip("0"):
        message = _(
            'ZIP "%(value)s" is not a valid CEP: a CEP has 8 digits, e.g. 01310-100. '
            'Fix the customer\'s "%(label)s".'
        )
        return [_problem(raw, "zip_code", message, value=quoted(value))]
    if raw.zip_city and clean_text(raw.city) and place_key(raw.zip_city) != place_key(raw.city):
        message = _(
            'CEP %(value)s belongs to %(zip_city)s, not to %(city)s: fix the customer\'s "%(label)s" '
            "or the city."
        )
        return [
            _problem(
                raw,
                "zip_code",
                message,
                value=quoted(value),
                zip_city=quoted(clean_text(raw.zip_city)),
                city=quoted(clean_text(raw.city)),
            )
        ]
    return []


def _check_country(raw: RawCustomer) -> list[Problem]:
    code = clean_text(raw.country_code).upper()
    if code and code != "BR":
        message = _(
            'Country "%(value)s" is not Brazil: the ERP integration only sends Brazilian customers. '
            'Set the customer\'s "%(label)s" to Brazil.'
        )
        return [_problem(raw, "country_code", message, value=quoted(code))]
    return []


def _check_phones(raw: RawCustomer) -> list[Problem]:
    """Optional (neither ERP nor the notes need one); each one given must be a Brazilian landline
    or mobile with its DDD."""
    problems = []
    for attr, example in (("phone", "(11) 3333-4444"), ("mobile", "(11) 99999-9999")):
        value = clean_text(getattr(raw, attr))
        if value and parse_phone_br(value) is None:
            message = _(
                '"%(value)s" is not a Brazilian landline or mobile number: type the customer\'s "%(label)s" '
                "with the area code (DDD), e.g. %(example)s, or leave it empty."
            )
            problems.append(_problem(raw, attr, message, value=quoted(value), example=example))
    return problems


def _check_email(raw: RawCustomer, erp: str, limits: dict[str, int]) -> list[Problem]:
    """Optional; when given, exactly one address that Odoo's ``email_normalize`` reads as one plain
    address (NFS-e Nacional takes only one, vhsys.md §7)."""
    value = clean_text(raw.email)
    if not value:
        return []
    if raw.email_count > 1:
        message = _(
            'E-mail "%(value)s" holds %(count)s addresses, but only one e-mail is allowed: '
            'keep a single address in the customer\'s "%(label)s".'
        )
        return [_problem(raw, "email", message, value=quoted(value), count=raw.email_count)]
    if not raw.email_normalized:
        message = _('E-mail "%(value)s" is not a valid address: fix the customer\'s "%(label)s".')
        return [_problem(raw, "email", message, value=quoted(value))]
    return _too_long(raw, EMAIL_TOO_LONG, raw.email_normalized, erp, limits)
