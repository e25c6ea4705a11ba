"""Customer validation before sending (PRODUCT.md 2.4): rules, messages, and check-digit properties."""

import re
from dataclasses import fields, replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tecpet_erp_sync.erp import customer_fields, formatting
from tecpet_erp_sync.erp.contract import IeStatus
from tecpet_erp_sync.erp.validation import FIELD_LIMITS, Problem, RawCustomer, validate_customer

VALID = RawCustomer(
    name="Ana Souza",
    vat="529.982.247-25",
    identification_type="cpf",
    is_company=False,
    street="Rua das Flores",
    street_number="123",
    district="Centro",
    city="São Paulo",
    state_code="SP",
    zip_code="01310-100",
    phone="(11) 3333-4444",
    mobile="11 98765-4321",
    email="ana@example.com",
    country_code="BR",
    state_country_code="BR",
    email_normalized="ana@example.com",
    email_count=1,
)
COMPANY = replace(
    VALID, name="Pet Shop Ltda", vat="11.222.333/0001-81", identification_type="cnpj", is_company=True
)
PROVIDERS = sorted(FIELD_LIMITS)


def check(provider="vhsys", **changes):
    return validate_customer(replace(VALID, **changes), provider)


def rendered(provider="vhsys", **changes):
    return [p.render() for p in check(provider, **changes)]


def only(provider="vhsys", **changes) -> Problem:
    problems = check(provider, **changes)
    assert len(problems) == 1, [p.render() for p in problems]
    return problems[0]


# -- check digits, independent of validate-docbr --------------------------------------------------
def check_digit(base: str, weights) -> str:
    """Modulo 11 over the characters' values: a digit is itself, a letter its ASCII code - 48 (the
    rule of the alphanumeric CNPJ, Receita Federal NT 2025.001)."""
    remainder = sum((ord(c) - 48) * w for c, w in zip(base, weights, strict=True)) % 11
    return "0" if remainder < 2 else str(11 - remainder)


def with_check_digits(base: str) -> str:
    """CPF from 9 digits, CNPJ from 12 characters (Receita Federal's modulo-11 rule)."""
    if len(base) == 9:
        first = check_digit(base, range(10, 1, -1))
        return base + first + check_digit(base + first, range(11, 1, -1))
    cnpj_weights = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    first = check_digit(base, cnpj_weights)
    return base + first + check_digit(base + first, [6, *cnpj_weights])


def mathematically_valid(document: str) -> bool:
    return with_check_digits(document[:-2]) == document


bases = st.one_of(
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.text(alphabet="0123456789", min_size=12, max_size=12),
)
documents = bases.map(with_check_digits).filter(lambda d: len(set(d)) > 1)


def customer_with(document: str, masked: bool) -> RawCustomer:
    is_company = len(document) == 14
    return replace(
        COMPANY if is_company else VALID,
        vat=formatting.format_document(document) if masked else document,
        identification_type="cnpj" if is_company else "cpf",
    )


@settings(max_examples=200)
@given(documents, st.booleans(), st.sampled_from(PROVIDERS), st.booleans())
def test_valid_documents_pass_masked_or_not(document, masked, provider, known_type):
    raw = customer_with(document, masked)
    if not known_type:
        raw = replace(raw, identification_type="")
    assert validate_customer(raw, provider) == []


@settings(max_examples=200)
@given(documents, st.data())
def test_changing_one_digit_fails_unless_the_check_digits_still_match(document, data):
    """Changing a check digit always fails. Changing a base digit fails unless the new base happens
    to have the same check digits: modulo 11 maps remainders 0 and 1 to the same digit, so a few
    single-digit changes are undetectable (e.g. 509.455.624-03 → 609.455.624-03, both valid)."""
    position = data.draw(st.integers(0, len(document) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != document[position]]))
    changed = document[:position] + digit + document[position + 1 :]
    accepted = not [p for p in validate_customer(customer_with(changed, True), "vhsys") if p.field == "vat"]
    assert accepted == (mathematically_valid(changed) and len(set(changed)) > 1)
    if position >= len(document) - 2:
        assert not accepted


def test_some_single_digit_changes_keep_valid_check_digits():
    assert check(vat="509.455.624-03") == []
    assert check(vat="609.455.624-03") == []


# -- valid customers ------------------------------------------------------------------------------
@pytest.mark.parametrize("provider", PROVIDERS)
def test_valid_individual_and_company_pass(provider):
    assert validate_customer(VALID, provider) == []
    assert validate_customer(COMPANY, provider) == []


def test_unknown_provider_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown ERP provider"):
        validate_customer(VALID, "omie")


def test_odd_whitespace_and_invisible_characters_are_normalised_not_reported():
    assert (
        check(
            name="\ufeff Ana\u00a0\u00a0Souza\n",
            street="Rua\tdas Flores ",
            vat=" 529.982.247-25\u200b",
            zip_code="01.310-100",
            state_code=" sp ",
            email=" ana@example.com\n",
        )
        == []
    )


@pytest.mark.parametrize("vat", ["52998224725", "529.982.247-25", "529 982 247 25", "５２９９８２２４７２５"])
def test_document_masks_and_plain_digits_are_accepted(vat):
    assert check(vat=vat) == []


# -- Tax ID -----------------------------------------------------------------------------------
def test_invalid_cpf_names_the_document_and_the_fix():
    problem = only(vat="123.456.789-00")
    assert problem.field == "vat"
    assert (
        problem.render()
        == 'CPF 123.456.789-00 is invalid: check digits do not match. Fix the customer\'s "Tax ID".'
    )
    assert problem.params == {"kind": "CPF", "vat": "123.456.789-00", "label": "Tax ID"}


def test_invalid_cnpj_is_shown_masked():
    problem = only(vat="11222333000180", is_company=True, identification_type="cnpj")
    assert problem.render() == (
        'CNPJ 11.222.333/0001-80 is invalid: check digits do not match. Fix the customer\'s "Tax ID".'
    )


@pytest.mark.parametrize(
    ("vat", "is_company", "message"),
    [
        ("111.111.111-11", False, "CPF 111.111.111-11 is invalid: all its digits are equal."),
        ("00000000000000", True, "CNPJ 00.000.000/0000-00 is invalid: all its digits are equal."),
    ],
)
def test_placeholder_documents_are_refused(vat, is_company, message):
    assert rendered(vat=vat, is_company=is_company, identification_type="") == [
        message + ' Fix the customer\'s "Tax ID".'
    ]


def test_missing_tax_id():
    problem = only(vat="  ")
    assert (problem.field, problem.render()) == (
        "vat",
        'Tax ID is missing: fill in the customer\'s "Tax ID" with the CPF (individual) '
        "or the CNPJ (company).",
    )


@pytest.mark.parametrize(
    ("vat", "count"),
    [
        ("529.982.247-2", 10),
        ("1122233300018", 13),
        ("123456789012345", 15),
        ("BR52998224725", 13),
        ("529.982.247-2X", 11),  # letters: only in a CNPJ's first 12 characters
        ("12.ABC.345/01DE-3X", 14),
    ],
)
def test_wrong_number_of_characters(vat, count):
    assert rendered(vat=vat) == [
        f'Tax ID "{vat}" has {count} characters: a CPF has 11 digits, a CNPJ 14 characters '
        '(letters only in its first 12). Fix the customer\'s "Tax ID".'
    ]


@pytest.mark.parametrize("vat", ["529,982,247-25", "١٢٣", "12.ÁBC.345/01DE-35"])
def test_other_characters_are_refused(vat):
    assert rendered(vat=vat) == [
        f'Tax ID "{vat.upper()}" contains characters other than digits and letters: type in the '
        'customer\'s "Tax ID" the 11 digits of the CPF or the 14 characters of the CNPJ '
        "(dots, dashes and slash are fine)."
    ]


@pytest.mark.parametrize("vat", ["12.ABC.345/01DE-35", "12ABC34501DE35", "12abc34501de35"])
def test_alphanumeric_cnpj_of_the_receita_example_is_valid(vat):
    assert check(vat=vat, is_company=True, identification_type="cnpj") == []
    assert formatting.customer_from_raw(replace(COMPANY, vat=vat)).document == "12ABC34501DE35"


def test_alphanumeric_cnpj_with_wrong_check_digits_is_shown_masked():
    problem = only(vat="12ABC34501DE36", is_company=True, identification_type="cnpj")
    assert problem.render() == (
        'CNPJ 12.ABC.345/01DE-36 is invalid: check digits do not match. Fix the customer\'s "Tax ID".'
    )


alphanumeric_bases = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=12, max_size=12)


@settings(max_examples=200)
@given(alphanumeric_bases.map(with_check_digits), st.booleans(), st.sampled_from(PROVIDERS))
def test_generated_alphanumeric_cnpjs_pass_and_keep_their_letters(document, masked, provider):
    assume(len(set(document)) > 1)
    raw = customer_with(document, masked)
    assert validate_customer(raw, provider) == []
    customer = formatting.customer_from_raw(raw)
    assert customer.document == document
    assert formatting.tax_id(formatting.format_document(document)) == document


@settings(max_examples=200)
@given(alphanumeric_bases.map(with_check_digits), st.data())
def test_alphanumeric_cnpj_with_one_character_changed_fails_unless_still_valid(document, data):
    position = data.draw(st.integers(0, 11))
    char = data.draw(
        st.sampled_from([c for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != document[position]])
    )
    changed = document[:position] + char + document[position + 1 :]
    accepted = not [p for p in validate_customer(customer_with(changed, True), "vhsys") if p.field == "vat"]
    assert accepted == (mathematically_valid(changed) and len(set(changed)) > 1)


def test_company_with_a_cpf():
    problem = only(is_company=True)
    assert problem.field == "is_company"
    assert problem.render() == (
        "The customer is a company but the Tax ID is a CPF: use the CNPJ, "
        "or mark the customer as an individual."
    )


def test_individual_with_a_cnpj():
    problem = only(vat="11.222.333/0001-81", identification_type="")
    assert problem.field == "is_company"
    assert problem.render() == (
        "The customer is an individual but the Tax ID is a CNPJ: use the CPF, "
        "or mark the customer as a company."
    )


def test_identification_type_must_match_the_digit_count():
    cnpj_as_cpf = only(vat="11.222.333/0001-81", is_company=True, identification_type="cpf")
    assert cnpj_as_cpf.field == "l10n_latam_identification_type_id"
    assert cnpj_as_cpf.render() == (
        "The identification type is CPF but 11.222.333/0001-81 is a CNPJ (14 characters): "
        "set the identification type to CNPJ, or fix the Tax ID."
    )
    cpf_as_cnpj = only(identification_type="cnpj")
    assert cpf_as_cnpj.render() == (
        "The identification type is CNPJ but 529.982.247-25 is a CPF (11 digits): "
        "set the identification type to CPF, or fix the Tax ID."
    )


def test_unknown_identification_type_relies_on_the_digit_count():
    assert check(identification_type="") == []
    assert validate_customer(replace(COMPANY, identification_type=""), "bling") == []


# -- name and address -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("attr", "field", "message"),
    [
        ("name", "name", 'Name is missing: fill in the customer\'s "Name".'),
        ("street", "street_name", 'Street is missing: fill in the customer\'s "Street".'),
        (
            "street_number",
            "street_number",
            'Street number is missing: fill in the customer\'s "Street #" ("S/N" if the address has none).',
        ),
        ("district", "street2", 'Neighbourhood is missing: fill in the customer\'s "Neighborhood".'),
        ("city", "city", 'City is missing: fill in the customer\'s "City".'),
        ("state_code", "state_id", 'State is missing: fill in the customer\'s "State".'),
        ("zip_code", "zip", 'ZIP is missing: fill in the customer\'s "ZIP" (8 digits).'),
    ],
)
@pytest.mark.parametrize("blank", ["", "   ", "\u200b\n"])
def test_required_fields(attr, field, message, blank):
    problem = only(**{attr: blank})
    assert (problem.field, problem.render()) == (field, message)


def test_complement_is_optional():
    assert check(complement="") == []
    assert check(complement="Apto 12") == []


def test_street_number_too_long_for_vhsys_fits_bling():
    problem = only(street_number="12345678")
    assert problem.field == "street_number"
    assert problem.render() == (
        'Street number "12345678" is too long for VHSYS (max 7 characters): '
        'shorten the customer\'s "Street #", or move the rest to the complement.'
    )
    assert check("bling", street_number="12345678") == []


def test_neighbourhood_too_long_for_bling_fits_vhsys():
    district = "Jardim Residencial das Palmeiras"  # 32 characters
    assert rendered("bling", district=district) == [
        f'Neighbourhood "{district}" is too long for Bling (max 30 characters): '
        'shorten the customer\'s "Neighborhood".'
    ]
    assert check("vhsys", district=district) == []


TEXT_LIMITS = [
    (provider, attr, limit)
    for provider, limits in FIELD_LIMITS.items()
    for attr, limit in limits.items()
    if attr not in ("email", "phone")  # own formats: tested apart
]


@pytest.mark.parametrize(("provider", "attr", "limit"), TEXT_LIMITS)
def test_every_text_limit_is_enforced_at_its_boundary(provider, attr, limit):
    assert check(provider, **{attr: "x" * limit}) == []
    problem = only(provider, **{attr: "x" * (limit + 1)})
    assert problem.params["max"] == limit
    assert "too long for" in problem.render()
    assert len(problem.params["value"]) <= 60  # long values are shortened in the message


def test_limits_count_cleaned_characters_not_whitespace_or_bytes():
    assert check(street_number="  S/N\t ") == []
    assert check(street_number="ÁÉÍÓÚÇÃ") == []  # 7 characters, 14 bytes


@pytest.mark.parametrize(
    ("attr", "field"),
    [
        ("name", "name"),
        ("street", "street_name"),
        ("street_number", "street_number"),
        ("complement", "street_number2"),
        ("district", "street2"),
        ("city", "city"),
    ],
)
def test_control_characters_are_reported_with_the_field_and_the_fix(attr, field):
    problem = only(**{attr: "A\x1b1"})  # short enough for every limit
    assert problem.field == field
    assert problem.params == {"char": "U+001B", "label": customer_fields.DEFAULT_LABELS[field]}
    assert "invisible control character (U+001B): retype the customer's" in problem.render()


def test_control_character_is_not_echoed_in_other_messages():
    problems = check("vhsys", street_number="1\x00345678")
    assert [p.field for p in problems] == ["street_number", "street_number"]
    assert "\x00" not in "".join(p.render() for p in problems)


@pytest.mark.parametrize(("state", "country", "shown"), [("AL", "US", "AL (US)"), ("PA", "", "PA")])
def test_state_must_be_a_state_of_brazil(state, country, shown):
    """The Odoo side passes the state's country (res.country.state): US "AL" is not Alagoas."""
    problem = only(state_code=state, state_country_code=country)
    assert problem.field == "state_id"
    assert problem.render() == (
        f'State "{shown}" is not a Brazilian state: pick the customer\'s "State" (e.g. SP).'
    )


@pytest.mark.parametrize("zip_code", ["01310100", "01310-100", "01.310-100", " 01310 100 "])
def test_cep_masks_are_accepted(zip_code):
    assert check(zip_code=zip_code) == []


@pytest.mark.parametrize("zip_code", ["0131010", "013101000", "00000-000", "01310-10A", "CEP 01310-100"])
def test_invalid_cep(zip_code):
    problem = only(zip_code=zip_code)
    assert problem.field == "zip"
    assert problem.render() == (
        f'ZIP "{zip_code}" is not a valid CEP: a CEP has 8 digits, e.g. 01310-100. Fix the customer\'s "ZIP".'
    )


def test_cep_of_another_city_is_refused_accents_and_case_aside():
    assert check(zip_code="01310-100", zip_city="SÃO PAULO") == []
    assert check(city="Santa Barbara d Oeste", zip_city="Santa Bárbara d'Oeste") == []
    problem = only(zip_code="20040-020", zip_city="Rio de Janeiro")
    assert problem.field == "zip"
    assert problem.render() == (
        'CEP 20040-020 belongs to Rio de Janeiro, not to São Paulo: fix the customer\'s "ZIP" or the city.'
    )


def test_country_if_given_must_be_brazil():
    assert check(country_code="") == []
    assert check(country_code="br") == []
    problem = only(country_code="AR")
    assert problem.field == "country_id"
    assert problem.render() == (
        'Country "AR" is not Brazil: the ERP integration only sends Brazilian customers. '
        'Set the customer\'s "Country" to Brazil.'
    )


# -- phone ------------------------------------------------------------------------------------
def test_phone_is_optional():
    """Neither ERP nor the fiscal notes need one (round 3)."""
    assert check(phone="", mobile=" ") == []
    assert check(phone="") == []
    assert check(mobile="") == []


@pytest.mark.parametrize("number", ["0800 345 1001", "4004-0001", "+1 650 253 0000", "98765-4321", "fone"])
def test_invalid_phone(number):
    problem = only(phone=number)
    assert problem.field == "phone"
    assert problem.render() == (
        f'"{number}" is not a Brazilian landline or mobile number: type the customer\'s "Phone" '
        "with the area code (DDD), e.g. (11) 3333-4444, or leave it empty."
    )


def test_both_numbers_are_checked():
    assert [p.field for p in check(phone="123", mobile="456")] == ["phone", "mobile"]


# -- e-mail: read by Odoo (email_normalize, email_split), its reading judged here --------------
def test_email_is_optional():
    assert check(email="", email_normalized="", email_count=0) == []


def test_only_one_email_is_allowed():
    problem = only(email="a@b.com; c@d.com", email_normalized="", email_count=2)
    assert problem.field == "email"
    assert problem.render() == (
        'E-mail "a@b.com; c@d.com" holds 2 addresses, but only one e-mail is allowed: '
        'keep a single address in the customer\'s "Email".'
    )


def test_an_email_odoo_could_not_read_is_invalid():
    problem = only(email="ana@", email_normalized="", email_count=0)
    assert problem.render() == 'E-mail "ana@" is not a valid address: fix the customer\'s "Email".'


def test_the_normalised_address_is_sent():
    raw = replace(VALID, email="Ana <Ana@Example.com>", email_normalized="ana@example.com")
    assert validate_customer(raw, "vhsys") == []
    assert formatting.customer_from_raw(raw).email == "ana@example.com"


def test_email_limit_is_per_provider():
    email = "a" * 49 + "@example.com"  # 61 characters
    assert check("vhsys", email=email, email_normalized=email) == []
    problem = only("bling", email=email, email_normalized=email)
    assert problem.params == {"value": email[:59] + "…", "erp": "Bling", "max": 60, "label": "Email"}


# -- everything at once -------------------------------------------------------------------------
BROKEN = RawCustomer(
    name="",
    vat="123.456.789-00",
    identification_type="cnpj",
    is_company=True,
    street="",
    street_number="12345678",
    district="",
    city="\x07Campinas",
    state_code="XX",
    zip_code="123",
    phone="0800 345 1001",
    mobile="",
    email="a@b.com; c@d.com",
    country_code="AR",
    complement="x" * 46,
    email_count=2,
    state_registration="12A",
    suframa="12",
)


def test_every_problem_is_reported_at_once():
    fields_with_problems = [p.field for p in validate_customer(BROKEN, "vhsys")]
    assert fields_with_problems == [
        "name",
        "vat",
        "is_company",
        "l10n_latam_identification_type_id",
        "l10n_br_ie_code",
        "l10n_br_isuf_code",
        "street_name",
        "street_number",
        "street_number2",
        "street2",
        "city",
        "state_id",
        "zip",
        "country_id",
        "phone",
        "email",
    ]


def test_messages_are_translatable_templates():
    """Placeholders are exactly the params, so env._(message, **params) works in any language."""
    for problem in validate_customer(BROKEN, "vhsys") + validate_customer(BROKEN, "bling"):
        assert set(re.findall(r"%\((\w+)\)s", problem.message)) == set(problem.params)
        assert "%(" not in problem.render()


# -- robustness -------------------------------------------------------------------------------
weird_text = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Cs"]), max_size=40)
text_fields = [f.name for f in fields(RawCustomer) if f.type == "str"]


@settings(max_examples=200)
@given(
    st.fixed_dictionaries(dict.fromkeys(text_fields, weird_text)), st.booleans(), st.sampled_from(PROVIDERS)
)
def test_any_text_is_reported_never_crashes(values, is_company, provider):
    raw = replace(VALID, is_company=is_company, **values)
    problems = validate_customer(raw, provider)
    for problem in problems:
        assert problem.render()
    if not problems:  # what passes can be sent
        customer = formatting.customer_from_raw(raw)
        assert len(customer.document) in (11, 14)
        assert len(customer.address.zip_code) == 8
        formatting.format_phone_br(customer.phone)


# -- fiscal identity: IE, IM, SUFRAMA, names ----------------------------------------------------------
@pytest.mark.parametrize(
    ("ie", "status", "sent"),
    [
        ("110.042.490.114", IeStatus.CONTRIBUTOR, "110042490114"),
        ("P-01100424.3/002", IeStatus.CONTRIBUTOR, "P011004243002"),  # SP rural producer
        ("isento", IeStatus.EXEMPT, "ISENTO"),
        (" ISENTA ", IeStatus.EXEMPT, "ISENTO"),
    ],
)
def test_ie_kinds_give_their_status(ie, status, sent):
    raw = replace(COMPANY, state_registration=ie)
    assert validate_customer(raw, "vhsys") == []
    customer = formatting.customer_from_raw(raw)
    assert (customer.ie_status, customer.state_registration) == (status, sent)


def test_without_ie_an_individual_is_a_non_contributor_and_a_company_says_nothing():
    assert formatting.customer_from_raw(VALID).ie_status is IeStatus.NON_CONTRIBUTOR
    # None: the ERP keeps the indicator its own users set (never overwritten with "9")
    assert formatting.customer_from_raw(COMPANY).ie_status is None


@pytest.mark.parametrize("ie", ["123", "1234567890123456", "ABC123456789", "12.345-X78"])
def test_a_malformed_ie_names_the_field_and_the_fix(ie):
    problem = only(state_registration=ie)
    assert problem.field == "l10n_br_ie_code"
    assert problem.render() == (
        f'State registration (IE) "{ie.upper()}" is not valid: an IE has 8 to 14 digits (dots, dashes and '
        'slash are fine), or write ISENTO for an exempt customer. Fix the customer\'s "IE".'
    )


def test_im_and_suframa_reach_the_customer():
    raw = replace(COMPANY, municipal_registration=" 1.234.567-8 ", suframa="20.0123.45-6")
    assert validate_customer(raw, "bling") == []
    customer = formatting.customer_from_raw(raw)
    assert (customer.municipal_registration, customer.suframa) == ("1.234.567-8", "200123456")
    assert only(suframa="123").field == "l10n_br_isuf_code"
    assert only(municipal_registration="12\x0034").field == "l10n_br_im_code"


def test_legal_name_is_sent_as_the_name_and_the_partner_name_as_trade_name():
    raw = replace(COMPANY, name="Pet Shop Amigo Comércio Ltda", trade_name="Pet Shop Amigo")
    customer = formatting.customer_from_raw(raw)
    assert (customer.name, customer.trade_name) == ("Pet Shop Amigo Comércio Ltda", "Pet Shop Amigo")
    assert (
        formatting.customer_from_raw(replace(raw, trade_name=" Pet Shop Amigo Comércio Ltda")).trade_name
        == ""
    )


# -- the installed localization's fields and the user's labels ----------------------------------------
OCA_FIELDS = {"district": "district", "complement": "street2", "name": "legal_name"}


def test_problems_name_the_field_the_value_came_from_by_its_label():
    raw = replace(
        VALID,
        district="",
        complement="x" * 46,
        name="",
        field_names=OCA_FIELDS,
        labels={"district": "Bairro", "street2": "Complemento", "legal_name": "Razão Social"},
    )
    problems = {p.field: p.render() for p in validate_customer(raw, "vhsys")}
    assert problems == {
        "legal_name": 'Name is missing: fill in the customer\'s "Razão Social".',
        "street2": f'Complement "{"x" * 46}" is too long for VHSYS (max 45 characters): '
        'shorten the customer\'s "Complemento".',
        "district": 'Neighbourhood is missing: fill in the customer\'s "Bairro".',
    }


# -- a partner holding only `street` ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("street", "parts"),
    [
        ("Rua das Flores, s/n", ("Rua das Flores", "S/N", "")),
        ("Av. Paulista 1000, apto 5", ("Av. Paulista", "1000", "apto 5")),
        ("Rua Augusta, 1500", ("Rua Augusta", "1500", "")),
        ("Rua 7 de Setembro 45 - fundos", ("Rua 7 de Setembro", "45", "fundos")),
        ("Rua XV de Novembro, nº 200, sala 3", ("Rua XV de Novembro", "200", "sala 3")),
    ],
)
def test_a_street_only_partner_is_split_the_brazilian_way(street, parts):
    # what Odoo's generic split (base_address_extended) stored, e.g. "Av. Paulista 1000, apto" / "5"
    raw = replace(VALID, street="whatever Odoo split", street_number="5", complement="", full_street=street)
    assert validate_customer(raw, "vhsys") == []
    address = formatting.customer_from_raw(raw).address
    assert (address.street, address.number, address.complement) == parts


@pytest.mark.parametrize("street", ["Rodovia BR-101, km 12", "Av. Paulista, apto 5", "Quadra 5 Lote 10"])
def test_a_street_that_cannot_be_split_is_a_clear_problem_never_a_wrong_number(street):
    raw = replace(
        VALID, street=street.rsplit(" ", 1)[0], street_number=street.rsplit(" ", 1)[1], full_street=street
    )
    problem = only(**{f.name: getattr(raw, f.name) for f in fields(RawCustomer)})
    assert problem.field == "street_name"
    assert problem.render() == (
        f'Address "{street}" cannot be split into street, number and complement: fill in the customer\'s '
        '"Street", number and complement separately.'
    )


def test_the_typed_fields_win_when_the_partner_was_filled_in_the_form():
    raw = replace(VALID, street="Rua das Flores", street_number="S/N", full_street="")
    assert formatting.customer_from_raw(raw).address.number == "S/N"
