"""Defects found by the bad-input campaign (bench/bad_input.py), pinned without Odoo."""

import unicodedata
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_validation import VALID as SAO_PAULO

from tecpet_erp_sync.erp import formatting, mapping, validation
from tecpet_erp_sync.erp.contract import DocType
from tecpet_erp_sync.erp.validation import validate_customer

# Alagoas on purpose: "AL" is also a US state code.
VALID = replace(
    SAO_PAULO,
    city="Maceió",
    state_code="AL",
    zip_code="57020-050",
    phone="(82) 3333-4444",
    mobile="",
    state_country_code="BR",
)


def label(text: str, price: str = "10.00", quantity: str = "1") -> mapping.InvoiceLine:
    return mapping.InvoiceLine(text, Decimal(quantity), Decimal(price), "")


def rendered(lines: list[mapping.InvoiceLine]) -> list[str]:
    return [p.render() for p in mapping.check_invoice("BRL", lines, Decimal("10.00"))]


def sent_labels(lines: list[mapping.InvoiceLine]) -> list[str]:
    return [line.description for line in mapping.order_lines(lines, DocType.SERVICE_ORDER)]


# -- a state of another country whose code is also a UF ------------------------------------------
@pytest.mark.parametrize(("code", "country"), [("AL", "US"), ("PA", "US"), ("MA", "US"), ("SP", "AR")])
def test_a_state_of_another_country_is_not_a_brazilian_state(code, country):
    """Alabama (US, code AL) was sent to the ERP as Alagoas."""
    problems = validate_customer(replace(VALID, state_code=code, state_country_code=country), "vhsys")
    assert [(p.field, p.render()) for p in problems] == [
        (
            "state_id",
            f'State "{code} ({country})" is not a Brazilian state: pick the customer\'s "State" (e.g. SP).',
        )
    ]


@pytest.mark.parametrize("country", ["BR", "br"])
def test_a_brazilian_state_is_fine(country):
    assert validate_customer(replace(VALID, state_country_code=country), "bling") == []


# -- invoice line labels: what the ERP receives is clean -------------------------------------------
@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("Consulta\u2007veterin\u200ba\u0301ria", "Consulta veterinária"),  # figure space, ZWSP, NFD
        ("\u202eTaxa de \u00adentrega\u00a0", "Taxa de entrega"),  # bidi override, soft hyphen, NBSP
        ("Banho\u3000\r\n \n\u200b\nPelo longo\u2028", "Banho\nPelo longo"),  # blank and odd line breaks
        ("[SRV] Banho\nPelo  longo", "[SRV] Banho\nPelo longo"),  # Odoo's two-line labels keep both
    ],
)
def test_labels_are_sent_clean(typed, sent):
    assert rendered([label(typed)]) == []
    assert sent_labels([label(typed)]) == [sent]


def test_a_long_label_is_cut_at_255_without_a_trailing_space():
    text = "a" * 254 + " b" + "c" * 50
    assert sent_labels([label(text)]) == ["a" * 254]


@pytest.mark.parametrize("typed", ["\u200b\u202b", "\ufeff \u00a0", "\u2060\n\u2066"])
def test_a_label_of_invisible_characters_is_no_description(typed):
    """Was sent to VHSYS as the item description."""
    assert rendered([label(typed)]) == ["A line has no description: describe every invoice line."]


@pytest.mark.parametrize("char", ["\x07", "\x1b", "\x7f", "\x9b"])
def test_a_control_character_in_a_label_is_reported_not_sent(char):
    problems = mapping.check_invoice("BRL", [label(f"Consulta{char} veterinária")], Decimal("10.00"))
    assert [(p.field, p.render()) for p in problems] == [
        (
            "invoice_line_ids",
            f'Line "Consulta\ufffd veterinária" contains an invisible control character '
            f"(U+{ord(char):04X}): retype the line's label.",
        )
    ]


def test_messages_quote_a_label_on_one_short_line():
    (problem,) = mapping.check_invoice("BRL", [label("Banho\n" + "x" * 100, quantity="0")], Decimal("10"))
    assert problem.params["line"] == "Banho " + "x" * 53 + "…"


@settings(max_examples=300)
@given(st.text(st.characters(categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cf"]), max_size=300))
def test_whatever_passes_the_check_is_sent_clean(text):
    if rendered([label(text)]):
        return
    (sent,) = sent_labels([label(text)])
    assert sent and len(sent) <= 255
    assert unicodedata.normalize("NFC", sent) == sent or len(sent) == 255  # a cut may split a sequence
    for part in sent.split("\n"):
        assert part == part.strip() and "  " not in part
        assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp") for ch in part)
        assert all(ch == " " or unicodedata.category(ch) != "Zs" for ch in part)


# -- the customer's name in a message ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("\u200c\u3000\u2069", ""),  # invisible only: the caller shows the record id instead
        ("Ana\x07 Souza", "Ana\ufffd Souza"),
        ("Doutor " * 50, ("Doutor " * 9)[:59] + "…"),
    ],
)
def test_shown_name_is_printable_and_short(name, shown):
    assert validation.shown_name(name) == shown


def test_clean_lines_of_nothing():
    assert formatting.clean_lines("") == ""
    assert formatting.clean_lines(None) == ""
