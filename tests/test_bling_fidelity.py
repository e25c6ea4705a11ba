"""The Bling client against what real accounts do (issue 18; issue 21 N5, N6, N10, N17), over
loopback HTTP. Where the sources are silent the sandbox has a switch per plausible behaviour, and
each test that depends on one runs against each of its positions (the fixtures below)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
import requests
from sandbox_switches import SWITCHES, switched

from tecpet_erp_sync.erp.bling import BlingClient, BlingOptions
from tecpet_erp_sync.erp.bling.rps import rps_tags
from tecpet_erp_sync.erp.contract import DocRef, DocState, DocType, Installment, Line, LineKind
from tecpet_erp_sync.erp.errors import DataError, ErpError, QuotaExhausted, SetupError
from tecpet_erp_sync.erp.ratelimit import RateLimiter

SO, PV = DocType.SERVICE_ORDER, DocType.SALES_ORDER


def api(sandbox, method, path, **kwargs):
    token = sandbox.bling.control("issue_tokens", {})["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, sandbox.bling_url + path, headers=headers, timeout=5, **kwargs)


item_valor_on_get = switched("item_valor_on_get")
order_put_lock = switched("order_put_lock")
rps_numero = switched("rps_numero")
rps_api_advances = switched("rps_api_advances")
numeros_lojas_filter = switched("numeros_lojas_filter")
nfe_numero_loja_filter = switched("nfe_numero_loja_filter")
stock_refusal_wording = switched("stock_refusal_wording")
daily_quota_body = switched("daily_quota_body")


def test_every_switch_of_the_sandbox_is_run_in_each_position():
    """Each switch has its fixture here, and each fixture runs every position of its switch."""
    fixtures = {name for name, value in globals().items() if getattr(value, "_pytestfixturefunction", None)}
    assert set(SWITCHES["bling"]) <= fixtures
    assert all(len(positions) >= 2 for positions in SWITCHES["bling"].values())


def discounted_service(bling_order):
    """3 × 33.33 at 10 % (89.99), 1 × 50 at 15 % (42.50): Bling's GET answers 30.00 and 42.50."""
    lines = (
        Line(
            LineKind.SERVICE, "Consulta", Decimal(3), Decimal("33.33"), "CONS", discount_percent=Decimal(10)
        ),
        Line(LineKind.SERVICE, "Tosa", Decimal(1), Decimal("50"), "TOSA", discount_percent=Decimal(15)),
    )
    due = dt.date.today() + dt.timedelta(days=30)
    return bling_order(SO, lines=lines, installments=(Installment(due, Decimal("132.49"), "PIX"),))


# -- findings 5, 6, 10: the order PUT and the NFS-e amount ------------------------------------
def test_a_discounted_order_keeps_its_total_through_nfse_issue(
    sandbox, make_bling, bling_order, item_valor_on_get
):
    client = make_bling()
    result = client.push(discounted_service(bling_order))
    oid = int(result.external_id)
    assert sandbox.bling.orders[oid]["total"] == 132.49
    status = client.issue_note(DocRef(SO, result.external_id))
    assert status.state is DocState.ISSUED
    order = sandbox.bling.orders[oid]
    assert order["total"] == 132.49  # the tag's PUT did not discount the items again
    assert order["notaFiscal"] == {"id": 0}  # read-only: never written
    [note] = sandbox.bling.nfses.values()
    assert note["valor"] == 132.49  # the NFS-e is worth the order, not less (finding 6)
    assert [s["codigo"] for s in note["_servicos"]] == ["0501", "0501"]
    [put] = [r for r in sandbox.requests_log("bling") if r["method"] == "PUT"]
    assert put["status"] == 200
    # read back: the note is found through the RPS tag, the order stays issued
    [again] = client.fetch_changes([DocRef(SO, result.external_id)], None).statuses
    assert (again.state, again.note_number) == (DocState.ISSUED, status.note_number)


def test_the_put_sends_the_parcelas_ids_and_bling_refuses_them_missing(sandbox, make_bling, bling_order):
    result = make_bling().push(bling_order(SO))
    detail = api(sandbox, "GET", f"/pedidos/vendas/{result.external_id}").json()["data"]
    body = {
        k: v for k, v in detail.items() if k not in ("id", "total", "totalProdutos", "situacao", "notaFiscal")
    }
    body["parcelas"] = [{k: v for k, v in p.items() if k != "id"} for p in detail["parcelas"]]
    refused = api(sandbox, "PUT", f"/pedidos/vendas/{result.external_id}", json=body)
    assert refused.status_code == 400 and refused.json()["error"]["fields"][0]["element"] == "parcelas"
    body["parcelas"] = detail["parcelas"]
    body["notaFiscal"] = {"id": 123}
    refused = api(sandbox, "PUT", f"/pedidos/vendas/{result.external_id}", json=body)
    assert refused.json()["error"]["fields"][0]["element"] == "notaFiscal"


def test_a_locked_order_stops_the_nfse_before_anything_is_created(
    sandbox, make_bling, bling_order, order_put_lock
):
    client = make_bling()
    result = client.push(bling_order(SO))
    ref = DocRef(SO, result.external_id)
    if order_put_lock == "never":
        assert client.issue_note(ref).state is DocState.ISSUED
        return
    with pytest.raises(DataError) as caught:
        client.issue_note(ref)
    assert "Issue the NFS-e from the order in Bling" in caught.value.message
    assert "bloqueada" in caught.value.erp_message
    assert sandbox.bling.nfses == {}  # no note without the RPS written ahead


def test_a_put_that_moves_the_total_stops_the_note(sandbox, make_bling, bling_order, monkeypatch):
    client = make_bling()
    result = client.push(bling_order(SO))
    original = sandbox.bling._order_put

    def greedy(req, oid):  # an account whose PUT recomputes the order its own way
        answer = original(req, oid)
        sandbox.bling.orders[oid]["total"] += 1
        return answer

    monkeypatch.setattr(sandbox.bling, "_order_put", greedy)
    with pytest.raises(DataError, match="changed the total of order .* from 91.00 to 92.00"):
        client.issue_note(DocRef(SO, result.external_id))
    assert sandbox.bling.nfses == {}


# -- RPS numbering (B31) and N5 -----------------------------------------------------------------
def test_rps_numbers_stay_unique_in_every_numbering(
    sandbox, make_bling, bling_order, rps_numero, rps_api_advances
):
    client = make_bling()
    refs = [DocRef(SO, client.push(bling_order(SO)).external_id) for _ in range(3)]
    for ref in refs:
        assert make_bling(account_key=client.options.account_key).issue_note(ref).state is DocState.ISSUED
    numbers = sorted(int(n["numeroRPS"]) for n in sandbox.bling.nfses.values())
    assert len(set(numbers)) == 3
    for ref in refs:  # a refused number's tag is marked and never matches
        tags = rps_tags(sandbox.bling.orders[int(ref.external_id)])
        assert len(tags) == 1


def test_with_the_account_checked_no_rps_number_is_refused(
    sandbox, make_bling, bling_order, rps_numero, rps_api_advances
):
    client = make_bling()
    first = DocRef(SO, client.push(bling_order(SO)).external_id)
    client.issue_note(first)  # a note to compare the settings with
    facts = {f.key: f.value for f in client.check_account()}
    informed = make_bling(facts=facts)
    ref = DocRef(SO, informed.push(bling_order(SO)).external_id)
    start = len(sandbox.requests_log("bling"))
    assert informed.issue_note(ref).state is DocState.ISSUED
    posts = [
        r["status"]
        for r in sandbox.requests_log("bling")[start:]
        if r["path"] == "/nfse" and r["method"] == "POST"
    ]
    assert posts == [201]


def test_a_retried_nfse_never_adopts_another_orders_note(sandbox, make_bling, bling_order):
    """N5: order B's RPS number is tagged on order A (its create was refused, or an old tag):
    another customer's note, or the same customer's note of another amount, is never A's."""
    client = make_bling()
    other = dataclasses.replace(bling_order(SO).customer, name="Bia", document="11144477735")
    b = DocRef(SO, client.push(bling_order(SO, customer=other)).external_id)
    client.issue_note(b)
    [b_note] = sandbox.bling.nfses.values()
    a = DocRef(SO, client.push(bling_order(SO)).external_id)
    today = dt.date.today().isoformat()
    sandbox.bling.orders[int(a.external_id)]["observacoesInternas"] += (
        f" [NFS-e RPS {b_note['numeroRPS']}/{b_note['serie']} {today}]"
    )
    assert client.issue_note(a).state is DocState.ISSUED
    assert len(sandbox.bling.nfses) == 2  # A got a note of its own
    mine = [n for n in sandbox.bling.nfses.values() if n["id"] != b_note["id"]]
    assert mine[0]["contato"]["id"] == sandbox.bling.orders[int(a.external_id)]["contato"]["id"]


def test_a_refused_rps_is_marked_and_the_lost_note_is_found(sandbox, make_bling, bling_order):
    client = make_bling()
    a = DocRef(SO, client.push(bling_order(SO)).external_id)
    b = DocRef(SO, client.push(bling_order(SO)).external_id)
    client.issue_note(b)  # takes RPS 1
    sandbox.bling.rps_next = 1  # the settings lag: A tries 1, is refused, then takes 2
    sandbox.faults.add(
        fault="timeout_after_write", provider="bling", method="POST", path=r"^/nfse$", skip=1, delay=0.2
    )
    with pytest.raises(ErpError):
        client.issue_note(a)  # 1 refused as taken, 2 created but the answer lost
    notes = sandbox.bling.orders[int(a.external_id)]["observacoesInternas"]
    assert "[NFS-e RPS 1/1 " in notes and " recusado]" in notes
    assert client.issue_note(a).state is DocState.ISSUED  # found by RPS 2, not 1 (B's note)
    assert sorted(n["numeroRPS"] for n in sandbox.bling.nfses.values()) == ["1", "2"]


# -- finding 7: cancel with a received receivable -----------------------------------------------
def test_a_cancel_with_a_paid_receivable_leaves_the_order_whole(sandbox, make_bling, bling_order):
    client = make_bling()
    pv = client.push(bling_order(PV))
    oid = int(pv.external_id)
    sandbox.bling.control("pay", {"id": oid})
    with pytest.raises(DataError) as caught:
        client.cancel(DocRef(PV, pv.external_id))
    assert "already received" in caught.value.message and "Contas a receber" in caught.value.message
    assert sandbox.bling.meta[oid]["stock_posted"]  # the stock was never touched
    assert [c["situacao"] for c in sandbox.bling.contas.values()] == [2]
    assert sandbox.bling.orders[oid]["situacao"]["valor"] == 0
    posts = [r["path"] for r in sandbox.requests_log("bling") if "estornar" in r["path"]]
    assert posts == [f"/pedidos/vendas/{oid}/estornar-contas"]


def test_cancel_and_resume_whatever_bling_says_of_stock(
    sandbox, make_bling, bling_order, stock_refusal_wording
):
    client = make_bling()
    order = bling_order(PV)
    first = client.push(order)
    again = client.push(order, maybe_exists=True)  # lancar-estoque repeated: "already posted"
    assert again.adopted and sandbox.bling.meta[int(first.external_id)]["stock_postings"] == 1
    sandbox.faults.add(
        fault="timeout_after_write", provider="bling", method="POST", path="estornar-estoque$", delay=0.2
    )
    ref = DocRef(PV, first.external_id)
    with pytest.raises(ErpError):
        client.cancel(ref)
    assert client.cancel(ref).state is DocState.CANCELED  # estornar-estoque again: "not posted"
    assert sandbox.bling.meta[int(first.external_id)]["stock_reversals"] == 1


# -- finding 8: the daily quota ----------------------------------------------------------------
def test_the_daily_quota_is_recognised_in_both_shapes(sandbox, make_bling, daily_quota_body):
    sandbox.faults.add(fault="daily_quota", provider="bling", path="^/empresas", count=3)
    with pytest.raises(QuotaExhausted) as caught:
        make_bling().test_connection()
    assert caught.value.retry_after > 60  # until midnight in Brasília, not a second


# -- finding 9: payment methods ------------------------------------------------------------------
def test_a_method_that_makes_no_receivable_is_a_setup_error_before_sending(sandbox, make_bling, bling_order):
    due = dt.date.today()
    debit = (Installment(due, Decimal("91"), "Cartão de débito"),)  # destino Caixa e bancos
    with pytest.raises(SetupError, match='goes to "Caixa e bancos"'):
        make_bling().push(bling_order(SO, installments=debit))
    sandbox.bling.control("set_forma", {"id": 2101003, "situacao": 0})
    with pytest.raises(SetupError, match="is inactive"):
        make_bling().push(bling_order(SO, installments=(Installment(due, Decimal("91"), "2101003"),)))
    assert sandbox.bling.orders == {} and sandbox.bling.contacts == {}


def test_each_installment_keeps_its_own_method(sandbox, make_bling, bling_order):
    due = dt.date.today()
    two = (Installment(due, Decimal("45.50"), "PIX"), Installment(due, Decimal("45.50"), "Boleto"))
    result = make_bling().push(bling_order(SO, installments=two))
    parcelas = sandbox.bling.orders[int(result.external_id)]["parcelas"]
    assert [p["formaPagamento"]["id"] for p in parcelas] == [2101003, 2101002]
    assert len(sandbox.bling.contas) == 2


def test_bling_launches_no_receivable_for_a_cash_method_and_refuses_an_inactive_one(sandbox):
    sandbox.bling.control("rate_limit", {"enabled": 0})
    contact = api(sandbox, "POST", "/contatos", json={"nome": "Ana", "tipo": "F"}).json()["data"]["id"]
    body = {
        "contato": {"id": contact},
        "data": "2026-12-01",
        "itens": [{"descricao": "Banho", "quantidade": 1, "valor": 80}],
        "parcelas": [{"dataVencimento": "2026-12-01", "valor": 80, "formaPagamento": {"id": 2101006}}],
    }
    oid = api(sandbox, "POST", "/pedidos/vendas", json=body).json()["data"]["id"]
    assert api(sandbox, "POST", f"/pedidos/vendas/{oid}/lancar-contas").status_code == 204
    assert sandbox.bling.contas == {}  # destino 3: no receivable
    body["parcelas"][0]["formaPagamento"] = {"id": 2101003}
    oid = api(sandbox, "POST", "/pedidos/vendas", json=body).json()["data"]["id"]
    sandbox.bling.control("set_forma", {"id": 2101003, "situacao": 0})
    refused = api(sandbox, "POST", f"/pedidos/vendas/{oid}/lancar-contas")
    assert refused.status_code == 400 and refused.json()["error"]["fields"][0]["code"] == 84


# -- the marker filters (B21, N6) -----------------------------------------------------------------
def test_adoption_by_marker_whatever_bling_does_with_the_filter(
    sandbox, make_bling, bling_order, numeros_lojas_filter
):
    client = make_bling()
    client.push(bling_order(SO))  # another order the unfiltered list shows first
    order = bling_order(SO)
    first = client.push(order)
    for facts in ({}, {"bling_numeros_lojas_filter": numeros_lojas_filter == "honoured"}):
        again = make_bling(facts=facts).push(order, maybe_exists=True)
        assert again.adopted and again.external_id == first.external_id
    assert len([o for o in sandbox.bling.orders.values() if o["numeroLoja"] == order.marker]) == 1


def test_an_order_never_adopts_another_orders_nfe(sandbox, make_bling, bling_order, nfe_numero_loja_filter):
    """N6: order B has no note yet; the search by its numeroLoja, when Bling ignores the filter,
    lists order A's note of the same customer: B gets a note of its own."""
    client = make_bling()
    a = DocRef(PV, client.push(bling_order(PV)).external_id)
    b = DocRef(PV, client.push(bling_order(PV)).external_id)
    client.issue_note(a)
    status = client.issue_note(b)
    assert status.state is DocState.ISSUED and len(sandbox.bling.nfes) == 2
    by_order = {n["_pedido"]: n["numeroPedidoLoja"] for n in sandbox.bling.nfes.values()}
    assert by_order[int(b.external_id)] == sandbox.bling.orders[int(b.external_id)]["numeroLoja"]


# -- N10: an old order's receivables ---------------------------------------------------------------
def test_a_year_old_paid_order_stays_fulfilled(sandbox, make_bling, bling_order):
    client = make_bling()
    result = client.push(bling_order(SO))
    sandbox.bling.control("pay", {"id": result.external_id})
    sandbox.bling.control("age", {"id": result.external_id, "days": 400})
    [status] = client.fetch_changes([DocRef(SO, result.external_id)], None).statuses
    assert status.state is DocState.FULFILLED


# -- N17: only Bling's own "not found" is a deletion ------------------------------------------------
def test_a_404_of_another_shape_is_never_a_deletion(sandbox, make_bling, bling_tokens, bling_order):
    result = make_bling().push(bling_order(SO))
    ref = DocRef(SO, result.external_id)
    wrong = BlingClient(
        sandbox.url + "/bling/Api/v2",  # a wrong base path: the server's own 404
        bling_tokens,
        options=BlingOptions(account_key="wrong-path"),
        rate_limiter=RateLimiter(1000, 1.0),
    )
    changes = wrong.fetch_changes([ref], None)
    assert changes.statuses == () and [u.ref for u in changes.unreadable] == [ref]
    assert "check the API URL" in changes.unreadable[0].error.message
    with pytest.raises(ErpError, match="check the API URL"):
        wrong.cancel(ref)
    wrong.close()
    assert sandbox.bling.orders[int(result.external_id)]["situacao"]["valor"] == 0


def test_a_deletion_is_read_twice(sandbox, make_bling, bling_order):
    client = make_bling()
    result = client.push(bling_order(SO))
    sandbox.bling.control("delete", {"id": result.external_id})
    [status] = client.fetch_changes([DocRef(SO, result.external_id)], None).statuses
    assert status.deleted and status.state is DocState.CANCELED
    gets = [r for r in sandbox.requests_log("bling") if r["path"] == f"/pedidos/vendas/{result.external_id}"]
    assert [r["status"] for r in gets] == [404, 404]
