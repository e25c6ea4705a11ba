"""Bling client under injected faults: the right error, then a retry that neither duplicates nor loses.

After each fault the caller retries with ``maybe_exists=True`` (as the Odoo job does after any
attempt that may have reached the ERP): exactly one order per marker, exactly one stock posting
per sales order, whatever the fault hit.
"""

import pytest

from tecpet_erp_sync.erp.bling_oauth import TokenSet
from tecpet_erp_sync.erp.contract import DocRef, DocState, DocType
from tecpet_erp_sync.erp.errors import AuthError, DataError, RateLimited, TransientError, UnknownOutcome

SO, PV = DocType.SERVICE_ORDER, DocType.SALES_ORDER
CREATE = r"^/pedidos/vendas$"


def reissue_tokens(sandbox, tokens):
    """An administrator reconnects Bling (the OAuth flow, shortened)."""
    import time

    tokens.store.save(TokenSet.from_response(sandbox.bling.control("issue_tokens", {}), time.time()))


def assert_exactly_once(sandbox, order, result):
    snapshot = sandbox.bling.snapshot()
    mine = [d for d in snapshot["documents"] if d["marker"] == order.marker]
    assert [str(d["id"]) for d in mine] == [result.external_id]
    expected_postings = 1 if order.doc_type is PV else 0
    assert snapshot["stock_postings"][result.external_id] == expected_postings
    contas = [c for c in snapshot["contas"] if c["origem"]["id"] == int(result.external_id)]
    assert len(contas) == len(sandbox.bling.orders[int(result.external_id)]["parcelas"]) == 1
    assert len(snapshot["contacts"]) == 1


FAULTS = [
    ("timeout_after_write", CREATE, UnknownOutcome),
    ("timeout_before_write", CREATE, UnknownOutcome),
    ("server_error", CREATE, UnknownOutcome),
    ("server_error_after_write", CREATE, UnknownOutcome),
    ("html_error", CREATE, UnknownOutcome),
    ("outage", CREATE, UnknownOutcome),
    ("rate_limit", CREATE, RateLimited),
    ("revoked_token", CREATE, AuthError),
    ("timeout_before_write", r"/lancar-contas$", UnknownOutcome),
    ("timeout_after_write", r"^/contatos$", UnknownOutcome),
]
STOCK_FAULTS = [  # sales orders only: services post no stock
    ("timeout_after_write", r"/lancar-estoque$", UnknownOutcome),
    ("server_error_after_write", r"/lancar-estoque$", UnknownOutcome),
    ("revoked_token", r"/lancar-estoque$", AuthError),
]


@pytest.mark.parametrize(
    ("doc_type", "fault", "path", "error"),
    [(SO, *f) for f in FAULTS] + [(PV, *f) for f in FAULTS + STOCK_FAULTS],
)
def test_fault_then_retry_is_exactly_once(
    sandbox, make_bling, bling_tokens, bling_order, doc_type, fault, path, error
):
    client = make_bling(rate_limit_retries=0)
    order = bling_order(doc_type)
    rule = sandbox.faults.add(fault=fault, provider="bling", method="POST", path=path, count=1, delay=0.2)
    with pytest.raises(error) as caught:
        client.push(order)
    assert (
        "Bearer" not in caught.value.message
        and bling_tokens.store.load().access_token not in caught.value.message
    )
    if isinstance(caught.value, TransientError):
        assert isinstance(caught.value, TransientError)
    if fault == "revoked_token":
        assert "reconnect" in caught.value.message.lower()
        with pytest.raises(AuthError):  # stays locked out until an administrator reconnects
            client.push(order, maybe_exists=True)
        reissue_tokens(sandbox, bling_tokens)
    result = client.push(order, maybe_exists=True)
    assert result.state is DocState.OPEN
    assert_exactly_once(sandbox, order, result)
    assert rule.hits == 1


@pytest.mark.parametrize("fault", ["server_error", "html_error", "outage", "timeout_before_write"])
def test_read_faults_are_retried_by_the_transport(sandbox, make_bling, bling_order, fault):
    client = make_bling()
    sandbox.faults.add(fault=fault, provider="bling", method="GET", path=r"^/contatos$", count=1, delay=0.2)
    if fault == "server_error":  # HTTP 500 on a read is not retried: the job retries later
        with pytest.raises(TransientError) as caught:
            client.push(bling_order(SO))
        assert not isinstance(caught.value, UnknownOutcome)
        result = client.push(bling_order(SO, marker="ODOO:test:retry"))
    else:  # 502/503 and dropped connections on reads are retried at once
        result = client.push(bling_order(SO, marker="ODOO:test:retry"))
    assert [d["marker"] for d in sandbox.bling.snapshot()["documents"]] == ["ODOO:test:retry"]
    assert result.state is DocState.OPEN


def test_single_429_is_absorbed_after_the_pause(sandbox, make_bling, bling_order):
    client = make_bling()  # rate_limit_retries=1 by default
    sandbox.faults.add(fault="rate_limit", provider="bling", method="POST", path=CREATE, count=1)
    order = bling_order(PV)
    result = client.push(order)
    assert_exactly_once(sandbox, order, result)
    statuses = [
        r["status"]
        for r in sandbox.requests_log("bling")
        if r["path"] == "/pedidos/vendas" and r["method"] == "POST"
    ]
    assert statuses == [429, 201]


def test_faults_on_cancel_and_issue_resume(sandbox, make_bling, bling_order):
    client = make_bling()
    pv = client.push(bling_order(PV))
    ref = DocRef(PV, pv.external_id)
    sandbox.faults.add(
        fault="timeout_after_write", provider="bling", method="POST", path="estornar-estoque$", delay=0.2
    )
    with pytest.raises(UnknownOutcome):
        client.cancel(ref)
    assert client.cancel(ref).state is DocState.CANCELED
    assert sandbox.bling.meta[int(pv.external_id)]["stock_reversals"] == 1

    other = client.push(bling_order(PV))
    ref = DocRef(PV, other.external_id)
    sandbox.faults.add(
        fault="timeout_after_write", provider="bling", method="POST", path="gerar-nfe$", delay=0.2
    )
    with pytest.raises(UnknownOutcome):
        client.issue_note(ref)
    status = client.issue_note(ref)
    assert status.state is DocState.ISSUED
    assert len(sandbox.bling.nfes) == 1

    service = client.push(bling_order(SO))
    ref = DocRef(SO, service.external_id)
    sandbox.faults.add(
        fault="timeout_after_write", provider="bling", method="POST", path=r"^/nfse$", delay=0.2
    )
    with pytest.raises(UnknownOutcome):
        client.issue_note(ref)
    assert client.issue_note(ref).state is DocState.ISSUED
    assert len(sandbox.bling.nfses) == 1  # the lost note was found and adopted, not created twice
    [note] = sandbox.bling.nfses.values()
    assert (
        f"[NFS-e RPS {note['numeroRPS']}/{note['serie']} "
        in sandbox.bling.orders[int(ref.external_id)]["observacoesInternas"]
    )  # the RPS written ahead, which found it again


def test_validation_error_is_not_retryable(sandbox, make_bling, bling_order):
    order = bling_order(SO)
    sandbox.bling.control("rate_limit", {"enabled": 0})
    bad = order.__class__(**{**order.__dict__, "lines": ()})
    with pytest.raises(DataError) as caught:
        make_bling().push(bad)
    assert not isinstance(caught.value, TransientError) and caught.value.kind == "data"
