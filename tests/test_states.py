"""ERP facts → addon states (erp-apis/vhsys.md §4, bling.md §4) and the invoice aggregate (PRODUCT 2.2)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tecpet_erp_sync.erp.contract import DocState
from tecpet_erp_sync.erp.states import (
    BLING_ORDER_CANCELLED,
    aggregate_invoice_state,
    bling_order_state,
    vhsys_state,
)

D = Decimal
PAID = [(True, D("60.00"), D("60.00")), (True, D("40.00"), D("40.00"))]
UNPAID = [(True, D("60.00"), D("60.00")), (False, D("40.00"), D("0"))]
PARTIAL = [(True, D("100.00"), D("50.00"))]  # VHSYS shows "Sim" on partial payments too


# -- VHSYS ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "trash", "note", "receivables", "expected"),
    [
        ("Em Aberto", False, False, [], DocState.OPEN),
        ("Em Andamento", False, False, UNPAID, DocState.OPEN),
        ("Atendido", False, False, [], DocState.OPEN),  # work done is not paid
        ("Atendido", False, False, UNPAID, DocState.OPEN),
        ("Em Aberto", False, False, PARTIAL, DocState.OPEN),
        ("Em Aberto", False, False, PAID, DocState.FULFILLED),
        ("Atendido", False, False, PAID, DocState.AWAITING_ISSUE),
        ("Atendido", False, True, PAID, DocState.ISSUED),
        ("Em Aberto", False, True, [], DocState.ISSUED),
        ("Cancelado", False, True, PAID, DocState.CANCELED),
        ("Atendido", True, True, PAID, DocState.CANCELED),  # in the trash
        ("Faturado", False, False, [], DocState.OPEN),  # unknown/custom status: open
        ("Faturado", False, False, PAID, DocState.FULFILLED),
        (" cancelado ", False, False, [], DocState.CANCELED),
        ("ATENDIDO", False, False, PAID, DocState.AWAITING_ISSUE),
    ],
)
def test_vhsys_state(status, trash, note, receivables, expected):
    assert vhsys_state(status, trash, note, receivables, D("100.00")) is expected


@pytest.mark.parametrize(
    ("paid", "expected"),
    [(D("99.995"), DocState.FULFILLED), (D("99.99"), DocState.OPEN), (D("100.01"), DocState.FULFILLED)],
)
def test_vhsys_paid_amount_must_cover_the_total(paid, expected):
    assert vhsys_state("Em Aberto", False, False, [(True, D("100.00"), paid)], D("100.00")) is expected


def test_vhsys_agreed_status_names():
    assert vhsys_state("Pronto", False, False, PAID, D("100"), done="Pronto") is DocState.AWAITING_ISSUE
    assert vhsys_state("Anulado", False, False, PAID, D("100"), canceled="Anulado") is DocState.CANCELED


# -- Bling ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("valor", "receivables", "note", "kind", "expected"),
    [
        (0, [], None, None, DocState.OPEN),
        (3, [1, 2], None, None, DocState.OPEN),
        (0, [3], None, None, DocState.OPEN),  # parcial
        (0, [2, 7], None, None, DocState.FULFILLED),
        (1, [2], None, None, DocState.AWAITING_ISSUE),  # Atendido and paid
        (11, [2], None, None, DocState.AWAITING_ISSUE),  # Verificado and paid
        (1, [1], None, None, DocState.OPEN),  # ready but not paid
        (0, [2], 1, "nfe", DocState.AWAITING_ISSUE),  # NF-e pending
        (0, [2], 4, "nfe", DocState.FULFILLED),  # NF-e rejected: the client reports the rejection
        (0, [2], 8, "nfe", DocState.AWAITING_ISSUE),  # NF-e awaiting protocol
        (0, [2], 0, "nfse", DocState.AWAITING_ISSUE),  # NFS-e pending
        (0, [1], 1, "nfe", DocState.OPEN),  # a note pending is not payment
        (0, [1], 5, "nfe", DocState.ISSUED),
        (0, [], 6, "nfe", DocState.ISSUED),
        (0, [], 1, "nfse", DocState.ISSUED),
        (0, [], 2, "nfse", DocState.ISSUED),
        (0, [2], 2, "nfe", DocState.FULFILLED),  # cancelled note: the sale goes on
        (0, [2], 3, "nfse", DocState.FULFILLED),
        (0, [2], 9, "nfe", DocState.FULFILLED),  # denied
        (0, [2, 5], None, None, DocState.FULFILLED),  # a cancelled (replaced) receivable is left out
        (0, [5, 5], None, None, DocState.OPEN),  # all cancelled: not paid
        (0, [2, 4], None, None, DocState.OPEN),  # devolvido
        (BLING_ORDER_CANCELLED, [2], 5, "nfe", DocState.CANCELED),
        (0, [2], 5, None, DocState.FULFILLED),  # a note of unknown kind cannot be read
    ],
)
def test_bling_order_state(valor, receivables, note, kind, expected):
    assert bling_order_state(valor, receivables, note, kind) is expected


def test_bling_ready_situacoes_are_configurable():
    assert bling_order_state(1, [2], None, None, ready_valores=()) is DocState.FULFILLED
    assert bling_order_state(8, [2], None, None, ready_valores=(8,)) is DocState.AWAITING_ISSUE
    assert bling_order_state(0, [2], None, None, ready=True) is DocState.AWAITING_ISSUE
    assert bling_order_state(0, [1], None, None, ready=True) is DocState.OPEN


# -- invoice aggregate ----------------------------------------------------------------------------
S = DocState


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([], None),
        ([S.ISSUED], S.ISSUED),
        ([S.ERROR, S.PROCESSING, S.ISSUED], S.ERROR),
        ([S.PROCESSING, S.ISSUED], S.PROCESSING),
        ([S.CANCELED, S.CANCELED], S.CANCELED),
        ([S.ISSUED, S.FULFILLED], S.FULFILLED),
        ([S.AWAITING_ISSUE, S.ISSUED], S.AWAITING_ISSUE),
        ([S.OPEN, S.ISSUED], S.OPEN),
        ([S.CANCELED, S.ISSUED], S.ISSUED),  # a cancelled document does not hold the live one back
        ([S.CANCELED, S.ERROR], S.ERROR),
        (["fulfilled", "awaiting_issue"], S.FULFILLED),  # Odoo selection keys
    ],
)
def test_aggregate_invoice_state(states, expected):
    assert aggregate_invoice_state(states) is expected


def test_aggregate_refuses_unknown_states():
    with pytest.raises(ValueError):
        aggregate_invoice_state(["paid"])


@settings(max_examples=200)
@given(st.lists(st.sampled_from(list(DocState)), min_size=1, max_size=6), st.randoms())
def test_aggregate_is_one_of_the_states_and_ignores_order(states, rnd):
    result = aggregate_invoice_state(states)
    assert result in states
    shuffled = list(states)
    rnd.shuffle(shuffled)
    assert aggregate_invoice_state(shuffled) is result
    assert (result is DocState.CANCELED) == all(s is DocState.CANCELED for s in states)
