"""Values as the ERPs expect them: masks, phone numbers, decimals, and the contract customer.

Plain functions, no Odoo. VHSYS stores CPF/CNPJ/CEP/phone masked and compares them as text, Bling
wants digits or its own masks, and both want decimals with a dot (``erp-apis/vhsys.md`` §7,
``erp-apis/bling.md`` §7). Keeping every format here means each client formats the same way and
the formats are tested once.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import phonenumbers
from phonenumbers import PhoneNumberFormat
from stdnum.br import cnpj as stdnum_cnpj
from stdnum.br import cpf as stdnum_cpf

from .contract import CENT, Address, Customer, IeStatus

if TYPE_CHECKING:  # validation imports this module; the annotation is all we need from it
    from .validation import RawCustomer

QUANTITY_STEP = Decimal("0.0001")  # ERPs take up to 4 decimals in quantities

# Numbers a person can be called on with an area code (DDD): what "(11) 99999-9999" can express.
# Toll-free (0800), shared-cost (0300, 4004) and the like are valid numbers but have no DDD,
# and Bling rejects them (erp-apis/bling.md §7).
_DDD_PHONE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)
_NON_DIGITS = re.compile(r"[^0-9]")  # not \D: that keeps non-ASCII digits such as "١"
_NON_TAX_ID = re.compile(r"[^0-9A-Z]")


def clean_text(value: str) -> str:
    """Text as typed, minus what nobody means to send: NFC form, no invisible format characters
    (zero-width spaces, BOM, soft hyphen, bidi marks: copy-paste leftovers), and every run of
    whitespace (tabs, newlines, no-break spaces) turned into one space, trimmed.

    Other control characters are kept, so that validation can report them instead of hiding them.
    """
    text = unicodedata.normalize("NFC", value or "")
    return " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Cf").split())


QUOTE_MAX = 60  # characters of a value quoted back in a message


def control_character(text: str) -> str:
    """First control character of ``text`` (NUL, ESC, DEL, C1 codes, lone surrogates), '' if none.

    ``clean_text`` keeps them on purpose: they are refused with a message, not silently dropped.
    """
    return next((ch for ch in text if unicodedata.category(ch) in ("Cc", "Cs")), "")


def quoted(text: str) -> str:
    """A value quoted in a message: printable (U+FFFD for control characters), short enough to read."""
    text = "".join("\ufffd" if control_character(ch) else ch for ch in text)
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1] + "…"


def clean_lines(value: str) -> str:
    """``clean_text`` line by line, keeping one line break between the lines that have text.

    For invoice line labels, whose second line (Odoo's "[code] product" then the description)
    is meant to be kept, while invisible characters and odd spaces are not.
    """
    return "\n".join(line for line in map(clean_text, (value or "").splitlines()) if line)


def digits(value: object) -> str:
    """The ASCII digits of ``value``, in order: strips masks from CPF, CNPJ, CEP and phones.

    NFKC first, so full-width digits typed on some keyboards count as the digits they look like.
    Takes what an ERP answers as well (a number, None), as its text.
    """
    return _NON_DIGITS.sub("", unicodedata.normalize("NFKC", str(value or "")))


def tax_id(value: object) -> str:
    """A CPF or CNPJ without its mask, upper case, letters kept: ``"12.abc.345/01de-35"`` gives
    ``"12ABC34501DE35"``. A CNPJ issued since July 2026 holds letters in its first 12 characters:
    compare and send documents with this, never with ``digits()``. NFKC first, as ``digits``."""
    return _NON_TAX_ID.sub("", unicodedata.normalize("NFKC", str(value or "")).upper())


def _exact_digits(value: str, length: int, what: str) -> str:
    found = digits(value)
    if len(found) != length:
        raise ValueError(f"a {what} has {length} digits, got {len(found)} in {value!r}")
    return found


def format_cpf(value: str) -> str:
    """CPF as ``000.000.000-00`` (the VHSYS mask)."""
    return stdnum_cpf.format(_exact_digits(value, 11, "CPF"))


def format_cnpj(value: str) -> str:
    """CNPJ as ``00.000.000/0000-00`` (the VHSYS mask), letters kept: ``12.ABC.345/01DE-35``."""
    number = tax_id(value)
    if len(number) != 14 or not number[12:].isdigit():
        raise ValueError(f"a CNPJ has 14 digits (letters allowed in the first 12), got {value!r}")
    return stdnum_cnpj.format(number)


def format_document(value: str) -> str:
    """CPF or CNPJ, masked, chosen by the number of characters (11 or 14)."""
    return format_cpf(value) if len(tax_id(value)) == 11 else format_cnpj(value)


def format_cep_vhsys(value: str) -> str:
    """CEP as ``00.000-000``: the mask of the VHSYS examples (erp-apis/vhsys.md §3.1)."""
    d = _exact_digits(value, 8, "CEP")
    return f"{d[:2]}.{d[2:5]}-{d[5:]}"


def format_cep_bling(value: str) -> str:
    """CEP as ``00000-000``: the mask of the Bling examples (erp-apis/bling.md §7)."""
    d = _exact_digits(value, 8, "CEP")
    return f"{d[:5]}-{d[5:]}"


def parse_phone_br(value: str) -> str | None:
    """National significant number (DDD + 8 or 9 digits) of a Brazilian landline or mobile, or None.

    ``phonenumbers`` knows the DDDs and which prefixes are mobiles; it accepts +55, a leading 0 and
    any punctuation. Numbers of other countries and numbers without a DDD give None.
    """
    try:
        number = phonenumbers.parse(value or "", "BR")
    except phonenumbers.NumberParseException:
        return None
    if (
        phonenumbers.region_code_for_number(number) != "BR"
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _DDD_PHONE_TYPES
    ):
        return None
    return phonenumbers.national_significant_number(number)


def format_phone_br(value: str) -> str:
    """``(11) 99999-9999`` or ``(11) 3333-4444``: the mask both ERPs show in their examples.

    Raises ValueError when ``value`` is not a Brazilian landline or mobile (validate first).
    """
    national = parse_phone_br(value)
    if national is None:
        raise ValueError(f"not a Brazilian landline or mobile number: {value!r}")
    return phonenumbers.format_number(phonenumbers.parse(national, "BR"), PhoneNumberFormat.NATIONAL)


def _finite(value: Decimal | int | str) -> Decimal:
    number = value if isinstance(value, Decimal) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def money(value: Decimal | int | str) -> str:
    """Amount with a dot and exactly 2 decimals, rounded half up: ``"10.00"``.

    VHSYS rejects commas (erp-apis/vhsys.md §7); ``:f`` avoids exponent forms such as ``1E+2``,
    and a rounded-away negative zero is sent as ``0.00``.
    """
    rounded = _finite(value).quantize(CENT, ROUND_HALF_UP)
    return f"{rounded.copy_abs() if rounded.is_zero() else rounded:f}"


def quantity(value: Decimal | int | str) -> str:
    """Quantity with a dot, 2 to 4 decimals, rounded half up: ``"1.00"``, ``"0.333"``, ``"2.50"``."""
    rounded = _finite(value).quantize(QUANTITY_STEP, ROUND_HALF_UP)
    whole, _, fraction = f"{rounded.copy_abs() if rounded.is_zero() else rounded:f}".partition(".")
    return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"


# Words that open an address complement (apartment, room, block, lot...), or a location on a road
# (km): a number after one of them is not the street number.
_COMPLEMENT_WORDS = (
    "ap|apt|apto|apartamento|sala|sl|bloco|bl|casa|cs|loja|lj|andar|conj|conjunto|cj|lote|lt|quadra|qd"
    "|fundos|frente|box|galpao|galpão|km|torre|edificio|edifício|ed"
)
_NAME_ENDS_IN_COMPLEMENT = re.compile(rf"(?:^|[\s,])(?:{_COMPLEMENT_WORDS})\.?$", re.IGNORECASE)
# "Rua das Flores, s/n", "Av. Paulista 1000, apto 5", "Rua Augusta, 1500", "Rua X 12 - fundos":
# name, then (after a comma or a space, maybe "nº") the number or "s/n", then the complement after a
# comma, a dash or a slash, or after a space when it opens with a complement word.
_STREET_BR = re.compile(
    r"^(?P<name>.+?)(?:\s*,\s*|\s+)(?:n(?:[º°o]|\.)\s*)?"
    r"(?P<number>\d+(?:-?[A-Za-z](?![A-Za-z]))?|s\.?\s?/?\s?n\.?º?(?![A-Za-z]))"
    rf"(?:(?:\s*[,;/]\s*|\s+[-–]\s*|\s+(?=(?:{_COMPLEMENT_WORDS})\b))(?P<complement>.+))?$",
    re.IGNORECASE,
)
NO_NUMBER = "S/N"
_NO_NUMBER = re.compile(r"s\.?\s?/?\s?n\.?º?|sem n[úu]mero", re.IGNORECASE)


def split_street_br(street: str) -> tuple[str, str, str] | None:
    """(street name, number, complement) of a Brazilian street line, or None when it cannot be
    told with confidence (no number, a one-word name, or the number follows "apto", "km"...).

    "Rua das Flores, s/n" gives ("Rua das Flores", "S/N", ""); "Av. Paulista 1000, apto 5" gives
    ("Av. Paulista", "1000", "apto 5"), never 5 as the number.
    """
    match = _STREET_BR.match(clean_text(street))
    if not match:
        return None
    name = match["name"].rstrip(" ,-–")
    # "Travessa 2, 15-B": a street type alone is no name, so 2 is not told from the number
    if len(name.split()) < 2 or _NAME_ENDS_IN_COMPLEMENT.search(name):
        return None
    number = NO_NUMBER if _NO_NUMBER.fullmatch(match["number"]) else match["number"].upper()
    return name, number, (match["complement"] or "").strip(" ,-–")


def doubtful_street_name(name: str) -> bool:
    """A street name that still holds part of the number line (a trailing comma, "apto", "km")."""
    name = clean_text(name)
    return name.endswith((",", "-")) or bool(_NAME_ENDS_IN_COMPLEMENT.search(name))


def street_parts(raw: RawCustomer) -> tuple[str, str, str]:
    """(street, number, complement) of a partner as they are sent: the fields as typed, unless the
    partner holds only ``street`` (``raw.full_street``) and it splits the Brazilian way."""
    split = split_street_br(raw.full_street) if raw.full_street else None
    if split is None:
        return raw.street, raw.street_number, raw.complement
    # OCA l10n_br_base keeps the complement apart from `street` (in street2): it stays
    return split[0], split[1], split[2] or raw.complement


def place_key(name: str) -> str:
    """A city name as compared: no accents, case, spaces or punctuation ("Santa Bárbara d'Oeste")."""
    text = unicodedata.normalize("NFKD", clean_text(name)).casefold()
    return "".join(ch for ch in text if ch.isalnum())


EXEMPT_IE = frozenset({"ISENTO", "ISENTA"})


def ie_status(raw: RawCustomer) -> IeStatus | None:
    """The customer's position towards ICMS from what the partner says: a given IE makes a
    contributor, "ISENTO" an exempt one, an individual (CPF) without IE a non-contributor. A company
    without IE says nothing (None): the ERP keeps its own value."""
    ie = clean_text(raw.state_registration).upper()
    if ie in EXEMPT_IE:
        return IeStatus.EXEMPT
    if ie:
        return IeStatus.CONTRIBUTOR
    return IeStatus.NON_CONTRIBUTOR if len(tax_id(raw.vat)) == 11 else None


def customer_from_raw(raw: RawCustomer) -> Customer:
    """The contract customer of a partner that passed ``validation.validate_customer``.

    The document keeps its letters (``tax_id``), the CEP becomes digits, texts are cleaned as
    validation saw them, the UF is upper case, the e-mail is the address Odoo normalised, and the
    phone is the landline if there is one, else the mobile (still as typed: each client formats it
    its own way). The IE is its characters or "ISENTO"; ``ie_status`` says what it means.
    """
    street, number, complement = street_parts(raw)
    ie = clean_text(raw.state_registration).upper()
    name = clean_text(raw.name)
    trade_name = clean_text(raw.trade_name)
    return Customer(
        name=name,
        document=tax_id(raw.vat),
        is_company=raw.is_company,
        address=Address(
            street=clean_text(street),
            number=NO_NUMBER if _NO_NUMBER.fullmatch(clean_text(number)) else clean_text(number),
            district=clean_text(raw.district),
            city=clean_text(raw.city),
            state_code=clean_text(raw.state_code).upper(),
            zip_code=digits(raw.zip_code),
            complement=clean_text(complement),
            ibge_code=digits(raw.ibge_code),
        ),
        phone=clean_text(raw.phone) or clean_text(raw.mobile),
        email=clean_text(raw.email_normalized),
        state_registration="ISENTO" if ie in EXEMPT_IE else tax_id(ie),
        ie_status=ie_status(raw),
        municipal_registration=clean_text(raw.municipal_registration),
        suframa=digits(raw.suframa),
        trade_name=trade_name if trade_name != name else "",
    )
