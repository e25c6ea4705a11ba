"""The VHSYS shapes recorded in erp-apis/vhsys.md (tests/fixtures/vhsys) hold for both sides:
what the client sends during a realistic run, and what the sandbox answers to the client and to
the recorded example requests. One set of fixtures, so the client and the sandbox cannot drift
apart from the notes together."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
import requests
from tecpet_erp_sandbox.readback import VHSYS_HEADERS
from tecpet_erp_sandbox.wire import Request
from vhsys_fixtures import capture, fixtures, request_problems, response_problems

from tecpet_erp_sync.erp import mapping
from tecpet_erp_sync.erp.contract import Address, Customer, DocRef, DocType

CUSTOMER = Customer(
    name="Maria da Silva",
    document="52998224725",
    is_company=False,
    address=Address("Rua das Flores", "123", "Centro", "São Paulo", "SP", "01001000", "Apto 4"),
    phone="+55 11 98765-4321",
    email="m@example.com",
)


class Recorder:
    def __init__(self, emulator):
        self.exchanges: list[tuple[Request, int, object]] = []
        self._handle = emulator.handle

    def __call__(self, req: Request):
        resp = self._handle(req)
        self.exchanges.append((req, resp.status, copy.deepcopy(resp.body)))
        return resp


def invoice(number, lines, amount_total):
    half = (amount_total / 2).quantize(Decimal("0.01"))
    due = dt.date(2026, 12, 25)
    receivables = [(due, half), (due + dt.timedelta(days=31), amount_total - half)]
    return [
        mapping.build_order(
            doc_type=kind,
            marker=f"ODOO:fixtures:{kind.value}:{number}",
            reference=f"INV/2026/{number:05d}",
            customer=CUSTOMER,
            lines=lines,
            receivables=receivables,
            issue_date=dt.date(2026, 11, 25),
            payment_method="PIX",
            amount_total=amount_total,
        )
        for kind in sorted({mapping.doc_type_of(mapping.line_kind(line)) for line in lines})
    ]


def test_fixtures_are_consistent():
    for name, fixture in fixtures().items():
        if "example" in fixture:
            path = fixture["path"].replace("{id}", "1")
            assert request_problems(fixture["method"], path, fixture["example"]) == [], name


def test_the_client_sends_and_the_sandbox_answers_the_recorded_shapes(sandbox, make_vhsys, monkeypatch):
    recorder = Recorder(sandbox.vhsys)
    monkeypatch.setattr(sandbox.vhsys, "handle", recorder)
    client = make_vhsys()
    hours = mapping.InvoiceLine("Hora técnica", Decimal(700), Decimal("100.00"), "service", "HORA")
    goods = mapping.InvoiceLine(
        "Ração 10 kg", Decimal("1.5"), Decimal("17.53"), "consu", "RAC10", discount=Decimal(5)
    )
    pushed = []
    for order in invoice(1, [hours, goods], Decimal("117.50")) + invoice(2, [goods], Decimal("17.50")):
        pushed.append((order, client.push(order)))
    order, first = pushed[0]
    assert client.push(order, maybe_exists=True).adopted
    refs = [DocRef(o.doc_type, r.external_id, o.marker) for o, r in pushed]
    client.fetch_changes(refs, None)
    os_ref = next(r for r in refs if r.doc_type is DocType.SERVICE_ORDER)
    client.issue_note(os_ref)
    client.cancel(refs[-1])  # a PV: its stock exit is reversed
    writes = {(req.method, req.path.split("/")[1]) for req, _, _ in recorder.exchanges if req.method != "GET"}
    assert {
        ("POST", "ordens-servico"),
        ("POST", "pedidos"),
        ("POST", "produtos"),
        ("POST", "notas-servico"),
    } <= writes
    heads = [
        req.json()
        for req, _, _ in recorder.exchanges
        if req.method == "POST" and req.path in ("/pedidos", "/ordens-servico")
    ]
    assert any("desconto_pedido" in h or "valor_total_desconto" in h for h in heads), (
        "the remainder fields ran"
    )
    problems = []
    for req, status, body in recorder.exchanges:
        problems += request_problems(req.method, req.path, req.json())
        problems += response_problems(req.method, req.path, status, body)
    assert list(dict.fromkeys(problems)) == []


def test_the_checks_catch_a_drift():
    """What the checks are for: a renamed field, a comma decimal, a missing field, an object
    where VHSYS wants an array, an answer without its id."""
    item = {"id_produto": 1, "desc_produto": "x", "qtde_produto": "1,00", "valor_unitario": "1.00"}
    problems = request_problems("POST", "/pedidos/7/produtos", [item])
    assert "POST /pedidos/7/produtos[0]: valor_unit_produto is required" in problems
    assert any("qtde_produto: '1,00' is not a decimal" in p for p in problems)
    assert any("valor_unitario is not a recorded field" in p for p in problems)
    assert request_problems("POST", "/ordens-servico/7/servicos", {"id_servico": 0}) != []
    assert request_problems("POST", "/ordens-servico/7/faturar", {}) != []
    answer = {"code": 200, "status": "success", "data": {"id_pedido": 3}}
    assert "POST /ordens-servico → 200: data.id_ordem is missing" in response_problems(
        "POST", "/ordens-servico", 200, answer
    )


@pytest.fixture
def raw(sandbox):
    def call(method, path, body=None):
        resp = requests.request(method, sandbox.vhsys_url + path, headers=VHSYS_HEADERS, json=body, timeout=5)
        envelope = resp.json()
        assert response_problems(method, path, resp.status_code, envelope) == []
        assert envelope["code"] == 200, (path, envelope)
        return envelope["data"]

    return call


def test_the_sandbox_answers_the_recorded_examples_in_the_recorded_shapes(raw):
    examples = {name: copy.deepcopy(f["example"]) for name, f in fixtures().items() if "example" in f}

    def rows(name, **values):
        body = examples[name]
        for row in body if isinstance(body, list) else [body]:
            row.update({k: v for k, v in values.items() if k in row})
        return body

    customer = raw("POST", "/clientes", examples["post_clientes"])["id_cliente"]
    product = raw("POST", "/produtos", examples["post_produtos"])["id_produto"]
    raw("POST", f"/produtos/{product}/estoque", examples["post_produtos_estoque"])
    os_id = raw("POST", "/ordens-servico", rows("post_ordens_servico", id_cliente=customer))["id_ordem"]
    raw("POST", f"/ordens-servico/{os_id}/servicos", rows("post_ordens_servico_servicos", id_servico=product))
    raw("POST", f"/ordens-servico/{os_id}/produtos", rows("post_ordens_servico_produtos", id_produto=product))
    raw("POST", f"/ordens-servico/{os_id}/parcelas", examples["post_ordens_servico_parcelas"])
    raw("POST", f"/ordens-servico/{os_id}/status", examples["post_ordens_servico_status"])
    raw("PUT", f"/ordens-servico/{os_id}", examples["put_ordens_servico"])
    [pv] = raw("POST", "/pedidos", rows("post_pedidos", id_cliente=customer))
    raw("POST", f"/pedidos/{pv['id_ped']}/produtos", rows("post_pedidos_produtos", id_produto=product))
    raw("POST", f"/pedidos/{pv['id_ped']}/parcelas", examples["post_pedidos_parcelas"])
    raw("GET", f"/pedidos/{pv['id_ped']}/parcelas")
    raw("POST", f"/pedidos/{pv['id_ped']}/status", examples["post_pedidos_status"])
    raw("PUT", f"/pedidos/{pv['id_ped']}", examples["put_pedidos"])
    raw("POST", "/notas-servico", rows("post_notas_servico", id_cliente=customer))


def test_the_sandbox_answers_a_stock_move_as_the_official_example(raw):
    """The official "Lançar estoque" / "Consultar estoque" answers (capture_estoque.json): the same
    fields, identificacao "API" whatever was sent, the date in data_cad_estoque."""
    recorded = capture("estoque")
    product = raw("POST", "/produtos", fixtures()["post_produtos"]["example"])["id_produto"]
    answer = raw("POST", f"/produtos/{product}/estoque", recorded["request"])
    assert set(answer) == set(recorded["answer"])
    assert (answer["identificacao"], answer["obs_estoque"]) == ("API", recorded["request"]["obs_estoque"])
    [row] = raw("GET", f"/produtos/{product}/estoque")
    assert set(row) == set(recorded["answer"]) and row["identificacao"] == recorded["answer"]["identificacao"]
