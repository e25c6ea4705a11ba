"""Formats sent to the ERPs and the contract customer built from a partner (pure Python, no Odoo)."""

import re
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tecpet_erp_sync.erp import formatting
from tecpet_erp_sync.erp.contract import Address, Customer, IeStatus
from tecpet_erp_sync.erp.validation import FIELD_LIMITS, RawCustomer

# Every DDD in use in Brazil (Anatel), to build numbers phonenumbers must accept.
DDDS = [
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69,
    71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99,
]  # fmt: skip


def digit_strings(size):
    return st.text(alphabet="0123456789", min_size=size, max_size=size)


@st.composite
def br_phones(draw):
    """(national number, as a person might type it): mobiles 9+8 digits, landlines [2-5]+7 digits."""
    ddd = draw(st.sampled_from(DDDS))
    local = draw(
        st.one_of(
            digit_strings(8).map("9".__add__),
            st.tuples(st.sampled_from("2345"), digit_strings(7)).map("".join),
        )
    )
    national = f"{ddd}{local}"
    typed = draw(
        st.sampled_from(
            [
                national,
                f"+55 {ddd} {local}",
                f"0{ddd} {local[:-4]}-{local[-4:]}",
                f"({ddd}) {local[:-4]}-{local[-4:]}",
                f"55{national}",
            ]
        )
    )
    return national, typed


# -- digits and masks -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("529.982.247-25", "52998224725"),
        ("11.222.333/0001-81", "11222333000181"),
        (" 01310-100 ", "01310100"),
        ("", ""),
        ("１２３", "123"),  # full-width digits count (NFKC)
        ("١٢٣4", "4"),  # other scripts' digits are not ASCII digits: dropped, so the count check catches them
    ],
)
def test_digits(value, expected):
    assert formatting.digits(value) == expected


def test_masks():
    assert formatting.format_cpf("52998224725") == "529.982.247-25"
    assert formatting.format_cpf("529.982.247-25") == "529.982.247-25"
    assert formatting.format_cnpj("11222333000181") == "11.222.333/0001-81"
    assert formatting.format_document("52998224725") == "529.982.247-25"
    assert formatting.format_document("11.222.333/0001-81") == "11.222.333/0001-81"
    # the alphanumeric CNPJ keeps its letters (Receita's example), in any case and mask
    assert formatting.format_cnpj("12abc34501de35") == "12.ABC.345/01DE-35"
    assert formatting.format_document("12.ABC.345/01DE-35") == "12.ABC.345/01DE-35"
    assert formatting.tax_id(" 12.abc.345/01de-35 ") == "12ABC34501DE35"
    assert formatting.format_cep_vhsys("01310100") == "01.310-100"
    assert formatting.format_cep_bling("01.310-100") == "01310-100"


@pytest.mark.parametrize(
    "call",
    [
        lambda: formatting.format_cpf("5299822472"),
        lambda: formatting.format_cnpj("52998224725"),
        lambda: formatting.format_document("123"),
        lambda: formatting.format_cnpj("12ABC34501DEXX"),  # the check digits are digits
        lambda: formatting.format_cep_vhsys("0131010"),
        lambda: formatting.format_cep_bling("013101000"),
    ],
)
def test_masks_refuse_a_wrong_number_of_digits(call):
    with pytest.raises(ValueError, match="digits"):
        call()


@settings(max_examples=200)
@given(digit_strings(11), digit_strings(14), digit_strings(8))
def test_masks_round_trip(cpf, cnpj, cep):
    assert formatting.digits(formatting.format_cpf(cpf)) == cpf
    assert formatting.digits(formatting.format_cnpj(cnpj)) == cnpj
    assert formatting.digits(formatting.format_document(cpf)) == cpf
    assert formatting.digits(formatting.format_document(cnpj)) == cnpj
    assert re.fullmatch(r"\d{2}\.\d{3}-\d{3}", formatting.format_cep_vhsys(cep))
    assert re.fullmatch(r"\d{5}-\d{3}", formatting.format_cep_bling(cep))
    assert formatting.digits(formatting.format_cep_vhsys(cep)) == cep
    assert formatting.digits(formatting.format_cep_bling(cep)) == cep
    assert len(formatting.format_document(cnpj)) == 18  # VHSYS cnpj_cliente ≤ 18
    # the library's masks (python-stdnum) give what the hand-written ones gave
    assert formatting.format_cpf(cpf) == f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"
    assert formatting.format_cnpj(cnpj) == f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"


# -- phones -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("11 98765-4321", "(11) 98765-4321"),
        ("(11) 3333-4444", "(11) 3333-4444"),
        ("+55 21 2345-6789", "(21) 2345-6789"),
        ("011 98765 4321", "(11) 98765-4321"),
        ("5511987654321", "(11) 98765-4321"),
    ],
)
def test_format_phone_br(typed, expected):
    assert formatting.format_phone_br(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "abc",
        "987654321",
        "(11) 2345-678",
        "0800 345 1001",
        "0300 115 9999",
        "4004-0001",
        "+1 650 253 0000",
    ],
)
def test_format_phone_br_refuses_numbers_without_a_ddd(typed):
    assert formatting.parse_phone_br(typed) is None
    with pytest.raises(ValueError, match="landline or mobile"):
        formatting.format_phone_br(typed)


@settings(max_examples=200)
@given(br_phones())
def test_format_phone_br_round_trips(phone):
    national, typed = phone
    formatted = formatting.format_phone_br(typed)
    assert re.fullmatch(r"\(\d{2}\) \d{4,5}-\d{4}", formatted)
    assert formatting.digits(formatted) == national
    assert formatting.format_phone_br(formatted) == formatted
    # phonenumbers' NATIONAL format is the mask the addon wrote by hand before
    assert formatted == f"({national[:2]}) {national[2:-4]}-{national[-4:]}"
    assert len(formatted) <= FIELD_LIMITS["vhsys"]["phone"]


# -- numbers ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("10"), "10.00"),
        (Decimal("0.005"), "0.01"),  # half up, not banker's rounding
        (Decimal("2.675"), "2.68"),
        (Decimal("-1.005"), "-1.01"),
        (Decimal("-0.004"), "0.00"),  # no "-0.00"
        (Decimal("1E+3"), "1000.00"),  # no exponent
        (7, "7.00"),
        ("19.9", "19.90"),
    ],
)
def test_money(value, expected):
    assert formatting.money(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1"), "1.00"),
        (Decimal("2.5"), "2.50"),
        (Decimal("0.333"), "0.333"),
        (Decimal("0.33335"), "0.3334"),
        (Decimal("-0.00001"), "0.00"),
        (Decimal("1.5E+2"), "150.00"),
    ],
)
def test_quantity(value, expected):
    assert formatting.quantity(value) == expected


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), "-Infinity"])
def test_numbers_refuse_non_finite_values(value):
    with pytest.raises(ValueError, match="finite"):
        formatting.money(value)
    with pytest.raises(ValueError, match="finite"):
        formatting.quantity(value)


finite_decimals = st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False)


@settings(max_examples=200)
@given(finite_decimals)
def test_money_always_has_a_dot_and_two_decimals(value):
    text = formatting.money(value)
    assert re.fullmatch(r"-?\d+\.\d{2}", text)
    assert Decimal(text) == value.quantize(Decimal("0.01"), ROUND_HALF_UP)


@settings(max_examples=200)
@given(finite_decimals)
def test_quantity_has_a_dot_and_two_to_four_decimals(value):
    text = formatting.quantity(value)
    assert re.fullmatch(r"-?\d+\.\d{2,4}", text)
    assert Decimal(text) == value.quantize(Decimal("0.0001"), ROUND_HALF_UP)


# -- text and the contract customer -----------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Ana \t Souza\n", "Ana Souza"),
        ("Ana\u00a0Souza", "Ana Souza"),  # no-break space
        ("\ufeffAna\u200bSouza\u00ad", "AnaSouza"),  # BOM, zero-width space, soft hyphen
        ("Jose\u0301", "José"),  # decomposed accent → NFC
        ("Ana\x00", "Ana\x00"),  # control characters stay, for validation to report
        ("", ""),
    ],
)
def test_clean_text(value, expected):
    assert formatting.clean_text(value) == expected


RAW = RawCustomer(
    name="  Ana\u00a0Souza ",
    vat="529.982.247-25",
    identification_type="cpf",
    is_company=False,
    street=" Rua das Flores",
    street_number="123 ",
    district="Centro",
    city="São Paulo",
    state_code="sp",
    zip_code="01310-100",
    phone="",
    mobile="(11) 98765-4321",
    email=" Ana@Example.com ",
    country_code="BR",
    complement="Apto 12",
    state_country_code="BR",
    email_normalized="ana@example.com",
    email_count=1,
)


def test_customer_from_raw_normalises():
    assert formatting.customer_from_raw(RAW) == Customer(
        name="Ana Souza",
        document="52998224725",
        is_company=False,
        address=Address("Rua das Flores", "123", "Centro", "São Paulo", "SP", "01310100", "Apto 12"),
        phone="(11) 98765-4321",
        email="ana@example.com",
        ie_status=IeStatus.NON_CONTRIBUTOR,
    )


def test_customer_from_raw_prefers_the_landline():
    customer = formatting.customer_from_raw(replace(RAW, phone="11 3333-4444", vat="11.222.333/0001-81"))
    assert customer.phone == "11 3333-4444"
    assert customer.document == "11222333000181"
