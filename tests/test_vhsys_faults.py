"""Fault injection against the VHSYS client: every failure gives the right error type, and the
retry with ``maybe_exists=True`` leaves exactly one complete live document per marker."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from vhsys_orders import OS, PV

from tecpet_erp_sync.erp.contract import Address, Customer, DocRef, Installment, Line, LineKind, OrderRequest
from tecpet_erp_sync.erp.errors import AuthError, ErpError, RateLimited, TransientError, UnknownOutcome

DELAY = 1.0  # a "timeout" fault holds the connection this long; the client gives up after 0.5 s


def order(doc_type, marker):
    address = Address("Rua das Flores", "123", "Centro", "Campinas", "SP", "13010000")
    customer = Customer("Pet Shop Feliz LTDA", "11222333000181", True, address, phone="(19) 3232-4545")
    if doc_type is OS:
        lines = (
            Line(LineKind.SERVICE, "Banho", Decimal(1), Decimal("60.00"), "BANHO"),
            Line(LineKind.SERVICE, "Hidratação", Decimal(2), Decimal("20.00"), "HIDRA"),
        )
    else:
        lines = (
            Line(LineKind.GOODS, "Ração", Decimal(3), Decimal("50.00"), "RACAO", ncm="23091000"),
            Line(LineKind.GOODS, "Petisco", Decimal(1), Decimal("12.50"), "PETISCO", ncm="23091000"),
        )
    total = sum((ln.quantity * ln.unit_price for ln in lines), Decimal(0))
    installments = (
        Installment(dt.date(2026, 7, 1), total - 10, "Boleto"),
        Installment(dt.date(2026, 8, 1), Decimal(10), "PIX"),
    )
    return OrderRequest(
        doc_type, marker, "INV/2026/00007", customer, lines, installments, dt.date(2026, 6, 1)
    )


def assert_exactly_one_complete(sandbox, marker, doc_type, external_id=None):
    state = sandbox.vhsys.snapshot()
    live = [d for d in state["documents"] if d["marker"] == marker and d["live"]]
    assert len(live) == 1, live
    doc = live[0]
    if external_id is not None:
        assert doc["id"] == external_id
    expected_total = "100.00" if doc_type is OS else "162.50"
    assert doc["items"] == 2 and doc["items_total"] == expected_total
    assert doc["installments"] == 2 and doc["installments_total"] == expected_total
    if doc_type is PV:
        assert doc["stock_exits"] == 2 and doc["stock_reversals"] == 0
        assert sorted(doc["stock_net"].values()) == ["-1.000000", "-3.000000"]
    else:
        assert doc["stock_exits"] == 0
    assert len(state["customers"]) == 1
    assert len({p["cod_produto"] for p in state["products"]}) == len(state["products"])  # no duplicates
    return doc


R = r"^/ordens-servico$"
P = r"^/pedidos$"
CASES = [
    # (case id, document, fault, method, provider-relative path regex, expected error)
    ("os-header-timeout-after", OS, "timeout_after_write", "POST", R, UnknownOutcome),
    ("os-servicos-timeout-after", OS, "timeout_after_write", "POST", r"/servicos$", UnknownOutcome),
    ("os-parcelas-timeout-after", OS, "timeout_after_write", "POST", r"/parcelas$", UnknownOutcome),
    ("pv-header-timeout-after", PV, "timeout_after_write", "POST", P, UnknownOutcome),
    (
        "pv-produtos-timeout-after",
        PV,
        "timeout_after_write",
        "POST",
        r"^/pedidos/\d+/produtos$",
        UnknownOutcome,
    ),
    ("pv-parcelas-timeout-after", PV, "timeout_after_write", "POST", r"/parcelas$", UnknownOutcome),
    ("pv-estoque-timeout-after", PV, "timeout_after_write", "POST", r"/estoque$", UnknownOutcome),
    ("customer-timeout-after", OS, "timeout_after_write", "POST", r"^/clientes$", UnknownOutcome),
    ("product-timeout-after", PV, "timeout_after_write", "POST", r"^/produtos$", UnknownOutcome),
    ("os-header-timeout-before", OS, "timeout_before_write", "POST", R, UnknownOutcome),
    ("pv-estoque-timeout-before", PV, "timeout_before_write", "POST", r"/estoque$", UnknownOutcome),
    ("os-header-rate-limit", OS, "rate_limit", "POST", R, RateLimited),
    ("pv-produtos-rate-limit", PV, "rate_limit", "POST", r"^/pedidos/\d+/produtos$", RateLimited),
    ("os-servicos-server-error", OS, "server_error", "POST", r"/servicos$", UnknownOutcome),
    ("pv-header-server-error-after", PV, "server_error_after_write", "POST", P, UnknownOutcome),
    ("os-parcelas-server-error-after", OS, "server_error_after_write", "POST", r"/parcelas$", UnknownOutcome),
    ("pv-estoque-server-error-after", PV, "server_error_after_write", "POST", r"/estoque$", UnknownOutcome),
    ("os-header-html", OS, "html_error", "POST", R, UnknownOutcome),
    ("pv-parcelas-html", PV, "html_error", "POST", r"/parcelas$", UnknownOutcome),
    ("pv-header-outage", PV, "outage", "POST", P, UnknownOutcome),
    ("os-servicos-outage", OS, "outage", "POST", r"/servicos$", UnknownOutcome),
    ("customer-search-outage", OS, "outage", "GET", r"^/clientes$", TransientError),
    ("customer-search-html", PV, "html_error", "GET", r"^/clientes$", TransientError),
    ("product-search-server-error", OS, "server_error", "GET", r"^/produtos$", TransientError),
    ("os-header-revoked", OS, "revoked_token", "POST", R, AuthError),
    ("pv-estoque-revoked", PV, "revoked_token", "POST", r"/estoque$", AuthError),
]


@pytest.mark.parametrize(
    ("doc_type", "fault", "method", "path", "error"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_fault_then_retry_leaves_one_complete_document(
    sandbox, make_vhsys, doc_type, fault, method, path, error
):
    marker = f"ODOO:fault:{fault}:{doc_type.value}"
    injected = sandbox.faults.injected  # reset() clears the rules, not this counter
    sandbox.faults.add(fault=fault, provider="vhsys", method=method, path=path, delay=DELAY)
    with pytest.raises(error) as info:
        make_vhsys().push(order(doc_type, marker))
    if error is TransientError:
        assert not isinstance(info.value, UnknownOutcome)  # a failed read is no unknown outcome
    assert sandbox.faults.injected == injected + 1
    sandbox.faults.clear()
    sandbox.control("restore_credentials", {"provider": "vhsys"})
    result = make_vhsys().push(order(doc_type, marker), maybe_exists=True)  # a new job: empty caches
    assert_exactly_one_complete(sandbox, marker, doc_type, result.external_id)
    header_applied = path not in (R, P) or fault in ("timeout_after_write", "server_error_after_write")
    expect_adopted = header_applied and path not in (r"^/clientes$", r"^/produtos$")
    assert result.adopted is expect_adopted
    assert result.external_number


def test_read_timeouts_are_retried_transparently(sandbox, make_vhsys):
    injected = sandbox.faults.injected
    sandbox.faults.add(
        fault="timeout_before_write", provider="vhsys", method="GET", path=r"^/clientes$", delay=DELAY
    )
    result = make_vhsys().push(order(OS, "ODOO:fault:read"))
    assert sandbox.faults.injected == injected + 1
    assert_exactly_one_complete(sandbox, "ODOO:fault:read", OS, result.external_id)


def test_refresh_faults_are_transient(sandbox, make_vhsys):
    client = make_vhsys()
    refs = [DocRef(OS, client.push(order(OS, "ODOO:fault:r1")).external_id)]
    for fault in ("outage", "html_error", "server_error", "rate_limit"):
        sandbox.faults.add(fault=fault, provider="vhsys", method="GET", path=r"^/ordens-servico$")
        with pytest.raises(TransientError) as info:
            client.fetch_changes(refs, "2020-01-01T00:00:00-03:00")  # a cursor: the lists are read
        assert not isinstance(info.value, UnknownOutcome)
    sandbox.faults.add(fault="revoked_token", provider="vhsys", method="GET")
    with pytest.raises(AuthError):
        client.fetch_changes(refs, None)
    sandbox.control("restore_credentials", {"provider": "vhsys"})
    assert len(client.fetch_changes(refs, None).statuses) == 1


@pytest.mark.parametrize("path", [r"^/pedidos/\d+/status$", r"^/pedidos/\d+$", r"/estoque$"])
def test_cancel_after_an_unknown_outcome_reverses_stock_once(sandbox, make_vhsys, path):
    client = make_vhsys()
    result = client.push(order(PV, "ODOO:fault:c1"))
    method = "PUT" if path == r"^/pedidos/\d+$" else "POST"
    sandbox.faults.add(fault="timeout_after_write", provider="vhsys", method=method, path=path, delay=DELAY)
    ref = DocRef(PV, result.external_id)
    with pytest.raises(UnknownOutcome):
        client.cancel(ref)
    assert client.cancel(ref).state.value == "canceled"
    [doc] = sandbox.vhsys.snapshot()["documents"]
    assert doc["status"] == "Cancelado" and doc["stock_reversals"] == 2
    assert set(doc["stock_net"].values()) == {"0.000000"}


def test_issue_note_after_an_unknown_outcome_issues_once(sandbox, make_vhsys):
    client = make_vhsys()
    ref = DocRef(OS, client.push(order(OS, "ODOO:fault:n1")).external_id)
    sandbox.faults.add(
        fault="timeout_after_write", provider="vhsys", method="POST", path=r"/emitir$", delay=DELAY
    )
    with pytest.raises(UnknownOutcome):
        client.issue_note(ref)
    status = make_vhsys().issue_note(ref)
    notes = sandbox.vhsys.snapshot()["service_notes"]
    assert len(notes) == 1 and notes[0]["NumeroNFS"] == status.note_number


@pytest.mark.parametrize("path", [r"^/notas-servico$", r"^/ordens-servico/\d+$"])
def test_a_lost_draft_create_or_tag_never_makes_a_second_nfse(sandbox, make_vhsys, path):
    """The draft create's answer lost, or the PUT tagging the OS with its id: the retry finds the
    draft by the write-ahead tag instead of creating a second one (defect A4)."""
    client = make_vhsys()
    ref = DocRef(OS, client.push(order(OS, "ODOO:fault:n2")).external_id)
    tags_done = 1 if "ordens" in path else 0  # let the write-ahead PUT through, lose the next one
    sandbox.faults.add(
        fault="timeout_after_write",
        provider="vhsys",
        method="POST" if tags_done == 0 else "PUT",
        path=path,
        delay=DELAY,
        skip=tags_done,
    )
    with pytest.raises(UnknownOutcome):
        client.issue_note(ref)
    status = make_vhsys().issue_note(ref)
    notes = sandbox.vhsys.snapshot()["service_notes"]
    assert len(notes) == 1 and notes[0]["NumeroNFS"] == status.note_number


def test_randomized_faults_never_duplicate_or_lose(sandbox):
    from tecpet_erp_sync.erp.vhsys import VhsysClient, VhsysOptions

    rng = random.Random(20260611)
    sandbox.faults.clear(seed=7)
    before = sandbox.faults.injected
    for fault, probability in (
        ("timeout_after_write", 0.02),
        ("timeout_before_write", 0.01),
        ("server_error_after_write", 0.03),
        ("server_error", 0.02),
        ("outage", 0.03),
        ("html_error", 0.02),
        ("rate_limit", 0.02),
        ("revoked_token", 0.01),
    ):
        sandbox.faults.add(
            fault=fault, provider="vhsys", method="*", path="", count=-1, probability=probability, delay=0.3
        )
    clients = []

    def make():
        clients.append(
            VhsysClient(
                sandbox.vhsys_url,
                "tok-access",
                "tok-secret",
                timeout=0.2,
                options=VhsysOptions(consistency_wait=0),
            )
        )
        return clients[-1]

    markers = [(OS if n % 2 else PV, f"ODOO:soak:{n}") for n in range(12)]
    results = {}
    failures = 0
    for doc_type, marker in markers:
        client, attempt = make(), 0
        while marker not in results:
            try:
                results[marker] = client.push(order(doc_type, marker), maybe_exists=attempt > 0)
            except (TransientError, AuthError) as exc:
                failures += 1
                if isinstance(exc, AuthError):
                    sandbox.control("restore_credentials", {"provider": "vhsys"})
                if rng.random() < 0.5:
                    client = make()  # sometimes the retry runs in another job
            attempt += 1
            assert attempt < 40
    injected = sandbox.faults.injected - before
    sandbox.faults.clear()
    sandbox.control("restore_credentials", {"provider": "vhsys"})
    for client in clients:
        client.close()
    assert injected > 5 and failures > 0
    for doc_type, marker in markers:
        assert_exactly_one_complete(sandbox, marker, doc_type, results[marker].external_id)


def test_errors_are_typed_erp_errors(sandbox, make_vhsys):
    sandbox.faults.add(fault="outage", provider="vhsys", method="POST", path=R)
    with pytest.raises(ErpError) as info:
        make_vhsys().push(order(OS, "ODOO:fault:t"))
    assert info.value.kind == "connection" and isinstance(info.value, TransientError)
