"""Contract tests of the Bling v3 client against the sandbox emulator (real loopback HTTP)."""

import dataclasses
import datetime as dt
import time
from decimal import Decimal

import pytest
import requests

from tecpet_erp_sync.erp.contract import (
    Address,
    Customer,
    DocRef,
    DocState,
    DocType,
    IeStatus,
    Installment,
    Line,
    LineKind,
)
from tecpet_erp_sync.erp.errors import DataError, SetupError
from tecpet_erp_sync.erp.states import bling_order_state

SO, PV = DocType.SERVICE_ORDER, DocType.SALES_ORDER


def cpf(seed: int) -> str:
    """A valid CPF built from ``seed``."""
    base = [int(c) for c in f"{seed:09d}"[-9:]]
    for n in (9, 10):
        total = sum(d * (n + 1 - i) for i, d in enumerate(base))
        base.append(total * 10 % 11 % 10)
    return "".join(map(str, base))


def docs(sandbox, marker=None):
    rows = sandbox.bling.snapshot()["documents"]
    return [d for d in rows if marker is None or d["marker"] == marker]


def api(sandbox, method, path, **kwargs):
    token = sandbox.bling.control("issue_tokens", {})["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, sandbox.bling_url + path, headers=headers, timeout=5, **kwargs)


def test_connection(sandbox, make_bling):
    info = make_bling().test_connection()
    assert info.account_name == "Sandbox Pet Shop Ltda"
    assert "11.222.333/0001-81" in info.detail


def test_push_service_order(sandbox, make_bling, bling_order):
    order = bling_order(SO)
    result = make_bling().push(order)
    assert result.state is DocState.OPEN and not result.adopted
    [doc] = docs(sandbox, order.marker)
    assert str(doc["id"]) == result.external_id
    assert doc["total"] == 91.0 and doc["status"] == "Em aberto"
    assert sandbox.bling.snapshot()["stock_postings"][result.external_id] == 0  # services move no stock
    pedido = sandbox.bling.orders[int(result.external_id)]
    assert pedido["numeroLoja"] == order.marker
    assert pedido["itens"][0]["codigo"] == "BANHO" and pedido["itens"][0]["produto"] == {"id": 0}
    assert pedido["parcelas"][0]["formaPagamento"]["id"] == 2101003  # "PIX" resolved by name
    assert [c["situacao"] for c in sandbox.bling.snapshot()["contas"]] == [1]  # receivable launched
    [contact] = sandbox.bling.snapshot()["contacts"]
    assert (
        contact["tipo"] == "F" and contact["indicadorIe"] == 9 and contact["numeroDocumento"] == "52998224725"
    )
    assert contact["endereco"]["geral"]["cep"] == "01310-100"
    assert contact["celular"] == contact["telefone"] == "(11) 98765-4321"


def test_push_sales_order_posts_stock_and_links_products(sandbox, make_bling, bling_order):
    resp = api(
        sandbox,
        "POST",
        "/produtos",
        json={
            "nome": "Ração 10 kg",
            "codigo": "RAC10",
            "tipo": "P",
            "situacao": "A",
            "formato": "S",
            "estoque": {"saldoVirtualTotal": 10},
        },
    )
    product_id = resp.json()["data"]["id"]
    result = make_bling().push(bling_order(PV))
    assert sandbox.bling.snapshot()["stock_postings"] == {result.external_id: 1}
    pedido = sandbox.bling.orders[int(result.external_id)]
    assert pedido["itens"][0]["produto"] == {"id": product_id}
    assert sandbox.bling.produtos[product_id]["estoque"]["saldoVirtualTotal"] == 8
    assert docs(sandbox)[0]["doc_type"] == "sales_order"


RACAO = {"nome": "Ração 10 kg", "codigo": "RAC10", "tipo": "P", "situacao": "A", "formato": "S"}


def test_push_costs_create_and_follow_ups_only(sandbox, make_bling, bling_order):
    """A returning customer and product: the create, its receivables and (goods) the stock exit,
    nothing more; the number Bling gave the order comes with the next read-back."""
    api(sandbox, "POST", "/produtos", json=RACAO)
    client = make_bling()
    first = client.push(bling_order(PV))
    assert first.external_number == ""
    # the next job run: a new client of the same account, the customer remembered
    again = make_bling(account_key=client.options.account_key)
    start = len(sandbox.requests_log("bling"))
    services = again.push(dataclasses.replace(bling_order(SO), customer_binding=first.customer))
    goods = again.push(dataclasses.replace(bling_order(PV), customer_binding=first.customer))
    paths = [(r["method"], r["path"]) for r in sandbox.requests_log("bling")[start:]]
    so, pv = services.external_id, goods.external_id
    assert paths == [
        ("GET", "/formas-pagamentos"),  # once per job run: "PIX" by name
        ("GET", "/formas-pagamentos/2101003"),  # its destino: does it make receivables?
        ("POST", "/pedidos/vendas"),
        ("POST", f"/pedidos/vendas/{so}/lancar-contas"),
        ("POST", "/pedidos/vendas"),
        ("POST", f"/pedidos/vendas/{pv}/lancar-estoque"),
        ("POST", f"/pedidos/vendas/{pv}/lancar-contas"),
    ]
    [status] = again.fetch_changes([DocRef(PV, pv, "")], None).statuses
    assert status.external_number == str(docs(sandbox)[-1]["number"])


def test_remembered_product_deleted_in_bling_is_looked_up_again(sandbox, make_bling, bling_order):
    resp = api(sandbox, "POST", "/produtos", json=RACAO)
    old_id = resp.json()["data"]["id"]
    client = make_bling()
    client.push(bling_order(PV))
    del sandbox.bling.produtos[old_id]  # deleted in Bling, then created again under a new id
    resp = api(sandbox, "POST", "/produtos", json=RACAO)
    new_id = resp.json()["data"]["id"]
    result = make_bling(account_key=client.options.account_key).push(bling_order(PV))
    assert sandbox.bling.orders[int(result.external_id)]["itens"][0]["produto"] == {"id": new_id}
    assert len(docs(sandbox)) == 2  # the refused create left nothing behind


def test_contact_reused_and_company_with_ie(sandbox, make_bling, bling_order):
    client = make_bling()
    client.push(bling_order(SO))
    client.push(bling_order(PV))
    assert len(sandbox.bling.snapshot()["contacts"]) == 1
    company = Customer(
        "Pet Corp Ltda",
        "11222333000181",
        True,
        Address("Av. Brasil", "1000", "Jardins", "São Paulo", "sp", "01430001"),
        phone="(11) 3333-4444",
        state_registration="110.042.490.114",
        ie_status=IeStatus.CONTRIBUTOR,
    )
    client.push(bling_order(SO, customer=company))
    contact = sandbox.bling.snapshot()["contacts"][-1]
    assert (contact["tipo"], contact["indicadorIe"], contact["ie"]) == ("J", 1, "110.042.490.114")
    assert contact["telefone"] == "(11) 3333-4444" and not contact["celular"]
    assert contact["endereco"]["geral"]["uf"] == "SP"


def test_inactive_contact_is_reactivated(sandbox, make_bling, bling_order):
    created = api(
        sandbox,
        "POST",
        "/contatos",
        json={"nome": "Ana", "tipo": "F", "situacao": "I", "numeroDocumento": "529.982.247-25"},
    )
    contact_id = created.json()["data"]["id"]
    result = make_bling().push(bling_order(SO))
    assert sandbox.bling.orders[int(result.external_id)]["contato"]["id"] == contact_id
    assert sandbox.bling.contacts[contact_id]["situacao"] == "A"
    assert len(sandbox.bling.contacts) == 1


def test_criterio_quirk_contact_found_beyond_last_five(sandbox, make_bling, bling_order):
    client = make_bling()
    client.push(bling_order(SO))
    for seed in range(1, 8):  # seven newer contacts push Ana out of the "últimos incluídos"
        resp = api(
            sandbox,
            "POST",
            "/contatos",
            json={"nome": f"Outro {seed}", "tipo": "F", "numeroDocumento": cpf(100000000 + seed)},
        )
        assert resp.status_code == 201, resp.text
    default = api(sandbox, "GET", "/contatos", params={"numeroDocumento": "52998224725"}).json()["data"]
    assert default == []  # the quirk: criterio defaults to 3 and misses her
    client.push(bling_order(SO))
    same_doc = [c for c in sandbox.bling.contacts.values() if c["numeroDocumento"] == "52998224725"]
    assert len(same_doc) == 1
    searches = [
        r["query"].get("criterio")
        for r in sandbox.requests_log("bling")
        if r["path"] == "/contatos" and r["method"] == "GET"
    ]
    assert searches == ["1", None, "1"]  # the client's two searches, and the bare one above


def test_push_maybe_exists_adopts(sandbox, make_bling, bling_order):
    client = make_bling()
    order = bling_order(PV)
    first = client.push(order)
    again = client.push(order, maybe_exists=True)
    assert again.adopted and again.external_id == first.external_id and again.state is DocState.OPEN
    assert len(docs(sandbox, order.marker)) == 1
    assert sandbox.bling.snapshot()["stock_postings"] == {first.external_id: 1}
    fresh = client.push(bling_order(SO), maybe_exists=True)  # nothing found: created normally
    assert not fresh.adopted and len(docs(sandbox)) == 2


@pytest.mark.parametrize(
    ("customer_change", "field", "text"),
    [
        ({"document": "11222333000182", "is_company": True}, "numeroDocumento", "O campo CNPJ é inválido"),
        ({"document": "52998224726"}, "numeroDocumento", "O campo CPF é inválido"),
        ({"phone": "0800 345 1001"}, "telefone", "campo Telefone"),
    ],
)
def test_contact_rejections_become_data_errors(
    sandbox, make_bling, bling_order, customer_change, field, text
):
    order = bling_order(SO)
    order = dataclasses.replace(order, customer=dataclasses.replace(order.customer, **customer_change))
    with pytest.raises(DataError) as caught:
        make_bling().push(order)
    assert caught.value.field == field
    assert text in caught.value.message and text in caught.value.erp_message
    assert docs(sandbox) == []


def test_cep_the_formatter_refuses_becomes_a_data_error(sandbox, make_bling, bling_order):
    order = bling_order(SO)
    address = dataclasses.replace(order.customer.address, zip_code="013101000")  # 9 digits
    order = dataclasses.replace(order, customer=dataclasses.replace(order.customer, address=address))
    with pytest.raises(DataError) as caught:
        make_bling().push(order)
    assert caught.value.field == "cep" and "CEP" in caught.value.message
    assert docs(sandbox) == [] and sandbox.bling.snapshot()["contacts"] == []


def test_payment_methods(sandbox, make_bling, bling_order):
    client = make_bling()
    due = dt.date.today() + dt.timedelta(days=10)
    two = (Installment(due, Decimal("45.49"), "2101002"), Installment(due, Decimal("45.49"), "2101002"))
    with pytest.raises(DataError) as caught:  # 90.98 for an order of 91.00: refused, not patched
        client.push(bling_order(SO, installments=two))
    assert caught.value.field == "parcelas" and "90.98" in caught.value.message
    two = (Installment(due, Decimal("45.49"), "2101002"), Installment(due, Decimal("45.51"), "2101002"))
    result = client.push(bling_order(SO, installments=two))
    parcelas = sandbox.bling.orders[int(result.external_id)]["parcelas"]
    assert [p["valor"] for p in parcelas] == [45.49, 45.51]
    unknown = client.push(bling_order(SO, installments=(Installment(due, Decimal("91"), "Vale"),)))
    # no method known: the account's default one (padrao 1), as Bling requires parcelas
    assert sandbox.bling.orders[int(unknown.external_id)]["parcelas"][0]["formaPagamento"] == {"id": 2101001}
    with pytest.raises(SetupError, match="no payment method with the id 999"):
        client.push(bling_order(SO, installments=(Installment(due, Decimal("91"), "999"),)))
    default = make_bling(payment_method_id=2101001)
    result = default.push(bling_order(SO, installments=(Installment(due, Decimal("91"), "Vale"),)))
    assert sandbox.bling.orders[int(result.external_id)]["parcelas"][0]["formaPagamento"] == {"id": 2101001}


def test_parcelas_always_go_in_the_order_create(sandbox, make_bling, bling_order, monkeypatch):
    """The OpenAPI requires ``parcelas``: one of the document's total when the invoice has none,
    and a clear data error, before any order is created, when no payment method can be found."""
    result = make_bling().push(bling_order(SO, installments=()))
    [parcela] = sandbox.bling.orders[int(result.external_id)]["parcelas"]
    assert parcela["valor"] == 91.0 and parcela["formaPagamento"] == {"id": 2101001}  # account default
    posts = [r for r in sandbox.requests_log("bling") if r["method"] == "POST"]
    assert not any(r["path"].startswith("/contas/receber") for r in posts)  # no receivable of our own
    from tecpet_erp_sandbox.bling import common as emulator

    monkeypatch.setattr(emulator, "FORMAS", [{**f, "padrao": 0} for f in emulator.FORMAS])  # no default
    with pytest.raises(DataError) as caught:
        make_bling(payment_method_id="Vale").push(bling_order(SO, installments=()))
    assert caught.value.field == "formaPagamento" and "Vale" in caught.value.message
    assert len(sandbox.bling.orders) == 1


def test_emulator_refuses_an_order_without_parcelas(sandbox):
    contact = api(sandbox, "POST", "/contatos", json={"nome": "Ana", "tipo": "F", "situacao": "A"})
    body = {
        "contato": {"id": contact.json()["data"]["id"]},
        "data": "2026-11-25",
        "dataSaida": "2026-11-25",
        "dataPrevista": "2026-11-25",
        "itens": [{"descricao": "Banho", "quantidade": 1, "valor": 80}],
    }
    refused = api(sandbox, "POST", "/pedidos/vendas", json=body)
    assert refused.status_code == 400
    assert [f["element"] for f in refused.json()["error"]["fields"]] == ["parcelas"]
    forma = {"id": 2101001}
    body["parcelas"] = [{"dataVencimento": "2026-12-25", "valor": 80, "formaPagamento": forma}]
    assert api(sandbox, "POST", "/pedidos/vendas", json=body).status_code == 201


def test_fetch_changes_follows_the_lifecycle(sandbox, make_bling, bling_order):
    client = make_bling(change_margin_seconds=0)
    pushed = {
        name: client.push(bling_order(kind))
        for name, kind in [
            ("paid", SO),
            ("ready", SO),
            ("issued_os", SO),
            ("issued_pv", PV),
            ("cancelled", PV),
            ("idle", SO),
        ]
    }
    refs = [
        DocRef(
            SO if n in ("paid", "ready", "issued_os", "idle") else PV,
            r.external_id,
            sandbox.bling.orders[int(r.external_id)]["numeroLoja"],
        )
        for n, r in pushed.items()
    ]
    time.sleep(1.1)  # Bling's change dates have second resolution
    first = client.fetch_changes(refs, None)
    assert {s.state for s in first.statuses} == {DocState.OPEN} and len(first.statuses) == 6
    idle = client.fetch_changes(refs, first.cursor)
    assert idle.statuses == () and idle.calls <= 4  # only list calls, however many refs
    time.sleep(1.1)
    control = sandbox.bling.control
    control("pay", {"id": pushed["paid"].external_id})
    control("pay", {"id": pushed["ready"].external_id})  # ready for the note = paid and Atendido
    control("ready", {"id": pushed["ready"].external_id})
    control("issue", {"id": pushed["issued_os"].external_id, "doc_type": "service_order"})
    control("issue", {"id": pushed["issued_pv"].external_id, "doc_type": "sales_order"})
    control("cancel", {"id": pushed["cancelled"].external_id})
    changes = client.fetch_changes(refs, idle.cursor)
    states = {
        next(n for n, r in pushed.items() if r.external_id == s.external_id): s for s in changes.statuses
    }
    assert {n: s.state for n, s in states.items()} == {
        "paid": DocState.FULFILLED,
        "ready": DocState.AWAITING_ISSUE,
        "issued_os": DocState.ISSUED,
        "issued_pv": DocState.ISSUED,
        "cancelled": DocState.CANCELED,
    }
    assert states["issued_pv"].note_number and states["issued_os"].note_number
    assert dt.datetime.fromisoformat(changes.cursor) > dt.datetime.fromisoformat(idle.cursor)


def test_ready_needs_payment_and_a_cancelled_note_is_not_a_cancelled_order(sandbox, make_bling, bling_order):
    """One rule with states.py (PRODUCT.md 2.2): Atendido but unpaid is still open; a cancelled note
    is not a cancelled order (paid and Atendido, it waits for a new note again)."""
    client = make_bling()
    result = client.push(bling_order(SO))
    ref = DocRef(SO, result.external_id)
    sandbox.bling.control("ready", {"id": result.external_id})
    assert [s.state for s in client.fetch_changes([ref], None).statuses] == [DocState.OPEN]
    sandbox.bling.control("pay", {"id": result.external_id})
    assert [s.state for s in client.fetch_changes([ref], None).statuses] == [DocState.AWAITING_ISSUE]
    issued = client.issue_note(ref)
    assert issued.state is DocState.ISSUED and issued.note_number
    [note] = sandbox.bling.nfses.values()
    note["situacao"] = 3  # cancelled in Bling
    [status] = client.fetch_changes([ref], None).statuses
    assert (status.state, status.note_number) == (DocState.AWAITING_ISSUE, "")
    sandbox.bling.control("cancel", {"id": result.external_id})
    assert [s.state for s in client.fetch_changes([ref], None).statuses] == [DocState.CANCELED]


def test_fetch_changes_reads_each_ref_when_no_cursor_and_deleted_orders(sandbox, make_bling, bling_order):
    client = make_bling()
    result = client.push(bling_order(SO))
    sandbox.bling.control("pay", {"id": result.external_id})
    ref = DocRef(SO, result.external_id)
    assert [s.state for s in client.fetch_changes([ref], None).statuses] == [DocState.FULFILLED]
    sandbox.bling.meta[int(result.external_id)]["contas_lancadas"] = False
    sandbox.bling.contas.clear()
    assert api(sandbox, "DELETE", f"/pedidos/vendas/{result.external_id}").status_code == 204
    [status] = client.fetch_changes([ref], None).statuses
    assert (status.state, status.deleted) == (DocState.CANCELED, True)


def test_one_unreadable_order_does_not_stop_the_others(sandbox, make_bling, bling_order):
    client = make_bling()
    good, bad = (DocRef(SO, client.push(bling_order(SO)).external_id) for _ in range(2))
    sandbox.faults.add(
        fault="garbage", provider="bling", method="GET", path=rf"^/pedidos/vendas/{bad.external_id}$"
    )
    changes = client.fetch_changes([good, bad], None)
    assert [s.external_id for s in changes.statuses] == [good.external_id]
    assert [u.ref.external_id for u in changes.unreadable] == [bad.external_id]


@pytest.mark.parametrize("doc_type", [SO, PV])
def test_a_note_cancelled_in_bling_takes_the_order_back(sandbox, make_bling, bling_order, doc_type):
    client = make_bling()
    ref = DocRef(doc_type, client.push(bling_order(doc_type)).external_id)
    issued = client.issue_note(ref)
    assert issued.state is DocState.ISSUED and issued.note and issued.note.number == issued.note_number
    sandbox.bling.control("cancel_note", {"id": ref.external_id})
    [status] = client.fetch_changes([ref], None).statuses
    assert status.state is DocState.OPEN and not status.note_number
    client.cancel(ref)  # no longer refused


@pytest.mark.parametrize(("situacao", "word"), [(4, "Rejeitada"), (9, "Denegada")])
def test_a_rejected_nfe_is_reported(sandbox, make_bling, bling_order, situacao, word):
    client = make_bling()
    ref = DocRef(PV, client.push(bling_order(PV)).external_id)
    sandbox.bling.control("reject_note", {"id": ref.external_id, "situacao": situacao})
    [status] = client.fetch_changes([ref], None).statuses
    template, params = status.note_rejection
    assert f"({word})" in template and set(params) == {"number"}


def test_cancel(sandbox, make_bling, bling_order):
    client = make_bling()
    os_ = client.push(bling_order(SO))
    pv = client.push(bling_order(PV))
    status = client.cancel(DocRef(PV, pv.external_id))
    assert status.state is DocState.CANCELED
    assert {d["id"]: d["status"] for d in docs(sandbox)}[int(pv.external_id)] == "Cancelado"
    assert not sandbox.bling.meta[int(pv.external_id)]["stock_posted"]  # stock reversed
    assert not [c for c in sandbox.bling.contas.values() if c["origem"]["id"] == int(pv.external_id)]
    assert client.cancel(DocRef(PV, pv.external_id)).state is DocState.CANCELED  # idempotent
    sandbox.bling.control("issue", {"id": os_.external_id, "doc_type": "service_order"})
    with pytest.raises(DataError, match="Cancel the NFS-e in Bling first"):
        client.cancel(DocRef(SO, os_.external_id))
    assert {d["id"]: d["status"] for d in docs(sandbox)}[int(os_.external_id)] == "Em aberto"


def test_cancel_resolves_the_situacao_by_name(sandbox, make_bling, bling_order):
    custom = sandbox.bling.control("add_situacao", {"nome": "Cancelada pela loja", "idHerdado": 12})["id"]
    client = make_bling(cancel_situacao="Cancelada pela loja")
    result = client.push(bling_order(SO))
    assert client.cancel(DocRef(SO, result.external_id)).state is DocState.CANCELED
    assert sandbox.bling.orders[int(result.external_id)]["situacao"] == {"id": custom, "valor": 2}
    with pytest.raises(DataError, match="no sales order situação named"):
        make_bling(cancel_situacao="Inexistente").cancel(DocRef(SO, client.push(bling_order(SO)).external_id))


def test_issue_note_sales_order(sandbox, make_bling, bling_order):
    client = make_bling()
    pv = client.push(bling_order(PV))
    status = client.issue_note(DocRef(PV, pv.external_id))
    assert status.state is DocState.ISSUED and status.note_number
    again = client.issue_note(DocRef(PV, pv.external_id))
    assert again.note_number == status.note_number
    assert len(sandbox.bling.nfes) == 1
    assert sandbox.bling.orders[int(pv.external_id)]["notaFiscal"]["id"] in sandbox.bling.nfes


def test_issue_note_service_order(sandbox, make_bling, bling_order):
    client = make_bling()
    os_ = client.push(bling_order(SO))
    status = client.issue_note(DocRef(SO, os_.external_id))
    assert status.state is DocState.ISSUED and status.note_number
    [note] = sandbox.bling.nfses.values()
    assert note["valor"] == 91.0 and note["_servicos"][0]["codigo"] == "0501"
    pedido = sandbox.bling.orders[int(os_.external_id)]
    assert pedido["notaFiscal"] == {"id": 0}  # read-only: Bling links only the notes it makes itself
    assert f"[NFS-e RPS {note['numeroRPS']}/{note['serie']} " in pedido["observacoesInternas"]
    assert client.issue_note(DocRef(SO, os_.external_id)).note_number == status.note_number
    assert len(sandbox.bling.nfses) == 1
    fetched = client.fetch_changes([DocRef(SO, os_.external_id)], None).statuses
    assert [(s.state, s.note_number) for s in fetched] == [(DocState.ISSUED, status.note_number)]


def test_issue_note_service_order_errors(sandbox, make_bling, bling_order):
    no_code = make_bling(service_code="")
    os_ = no_code.push(bling_order(SO))
    with pytest.raises(DataError, match="municipal service code"):
        no_code.issue_note(DocRef(SO, os_.external_id))
    order = bling_order(SO)
    order = dataclasses.replace(
        order, customer=dataclasses.replace(order.customer, email="", document=cpf(7))
    )
    client = make_bling()
    pushed = client.push(order)
    with pytest.raises(DataError, match="e-mail do tomador"):
        client.issue_note(DocRef(SO, pushed.external_id))


def test_fault_free_push_costs(sandbox, make_bling, bling_order):
    client = make_bling()
    before = client.calls
    first = client.push(bling_order(SO))
    # contact search + create, order create, lancar-contas (+ formas for the "PIX" name, and the
    # method's detail for its destino)
    assert client.calls - before == 6
    before = client.calls
    # The contact Odoo remembers (binding), unchanged: no contact call. Product search, the
    # product created in the catalogue with its NCM, order create, stock, contas.
    client.push(dataclasses.replace(bling_order(PV), customer_binding=first.customer))
    assert client.calls - before == 5
    before = client.calls
    # Not remembered: contact search and read (same data: no PUT); the product is known by now.
    client.push(bling_order(PV))
    assert client.calls - before == 5


@pytest.mark.parametrize(
    ("valor", "receivables", "note", "kind", "awaiting", "expected"),
    [
        (0, [], None, "nfe", False, DocState.OPEN),
        (0, [1, 2], None, "nfe", False, DocState.OPEN),
        (0, [2, 7, 5], None, "nfe", False, DocState.FULFILLED),
        (
            0,
            [5, 5],
            None,
            "nfe",
            False,
            DocState.OPEN,
        ),  # all contas cancelled: not paid, not a cancelled order
        (1, [1], None, "nfe", True, DocState.OPEN),  # ready but not paid
        (0, [2], 1, "nfe", False, DocState.AWAITING_ISSUE),
        (0, [2], 5, "nfe", False, DocState.ISSUED),
        (0, [2], 0, "nfse", False, DocState.AWAITING_ISSUE),
        (0, [2], 2, "nfse", False, DocState.ISSUED),
        (0, [2], 3, "nfse", False, DocState.FULFILLED),  # cancelled note: the sale goes on
        (2, [2], 5, "nfe", False, DocState.CANCELED),
    ],
)
def test_order_state_mapping(valor, receivables, note, kind, awaiting, expected):
    """The client reads states with ``states.bling_order_state`` (``awaiting``: a custom "ready" situação)."""
    assert bling_order_state(valor, receivables, note, kind, ready=awaiting) is expected


def test_emulator_wire_quirks(sandbox, bling_order):
    sandbox.bling.control("rate_limit", {"enabled": 0})
    contact = api(
        sandbox,
        "POST",
        "/contatos",
        json={"nome": "Ana", "tipo": "F", "numeroDocumento": "52998224725", "indicadorIe": 1, "ie": "ISENTO"},
    )
    assert contact.status_code == 400
    assert contact.json()["error"]["fields"][0]["msg"].startswith("Para contribuintes do ICMS")
    cid = api(sandbox, "POST", "/contatos", json={"nome": "Ana", "tipo": "F"}).json()["data"]["id"]
    body = {
        "contato": {"id": cid},
        "data": "2026-01-10",
        "numeroLoja": 42,
        "itens": [{"descricao": "x", "quantidade": 1, "valor": 10}],
        "parcelas": [{"dataVencimento": "2026-02-10", "valor": 9, "formaPagamento": {"id": 2101001}}],
    }
    error = api(sandbox, "POST", "/pedidos/vendas", json=body).json()["error"]
    assert error["type"] == "VALIDATION_ERROR" and error["fields"][0]["element"] == "numeroLoja"
    body["numeroLoja"] = "M-1"
    error = api(sandbox, "POST", "/pedidos/vendas", json=body).json()["error"]
    assert "soma das parcelas" in error["fields"][0]["msg"]
    body["parcelas"][0]["valor"] = 10
    created = api(sandbox, "POST", "/pedidos/vendas", json=body)
    assert created.status_code == 201 and set(created.json()["data"]) == {"id", "alertas", "rastreamento"}
    oid = created.json()["data"]["id"]
    assert api(sandbox, "POST", f"/pedidos/vendas/{oid}/lancar-estoque").status_code == 204
    twice = api(sandbox, "POST", f"/pedidos/vendas/{oid}/lancar-estoque")
    assert twice.status_code == 400 and "já foi lançado" in twice.text
    rows = api(sandbox, "GET", "/pedidos/vendas", params={"numerosLojas[]": "M-1"}).json()["data"]
    assert [r["id"] for r in rows] == [oid] and "itens" not in rows[0]
    detail = api(sandbox, "GET", f"/pedidos/vendas/{oid}").json()["data"]
    assert detail["situacao"] == {"id": 6, "valor": 0} and detail["notaFiscal"] == {"id": 0}
    too_long = api(
        sandbox,
        "GET",
        "/pedidos/vendas",
        params={"dataAlteracaoInicial": "2024-01-01 00:00:00", "dataAlteracaoFinal": "2026-01-01 00:00:00"},
    )
    assert too_long.status_code == 400
    assert requests.get(sandbox.bling_url + "/pedidos/vendas", timeout=5).status_code == 401
    sandbox.bling.contacts[cid]["endereco"]["geral"].update(endereco="Rua A", bairro="Centro", municipio="X")
    refused = api(sandbox, "POST", f"/pedidos/vendas/{oid}/gerar-nfe")  # a free-text item: no NCM
    assert refused.status_code == 400 and refused.json()["error"]["fields"][0]["element"] == "ncm"
    product = dict(RACAO, tributacao={"ncm": "23091000"})
    body["itens"][0]["produto"] = {"id": api(sandbox, "POST", "/produtos", json=product).json()["data"]["id"]}
    body["numeroLoja"] = "M-2"
    oid = api(sandbox, "POST", "/pedidos/vendas", json=body).json()["data"]["id"]
    generated = api(sandbox, "POST", f"/pedidos/vendas/{oid}/gerar-nfe")
    assert generated.status_code == 201 and set(generated.json()) == {"idNotaFiscal"}


def test_line_discount_and_long_description(sandbox, make_bling, bling_order):
    line = Line(
        LineKind.SERVICE,
        "Consulta " + "x" * 200,
        Decimal("3"),
        Decimal("33.33"),
        discount_percent=Decimal("10"),
    )
    due = dt.date.today()
    result = make_bling().push(
        bling_order(SO, lines=(line,), installments=(Installment(due, Decimal("89.99"), "PIX"),))
    )
    pedido = sandbox.bling.orders[int(result.external_id)]
    assert pedido["total"] == 89.99 and pedido["parcelas"][0]["valor"] == 89.99
    assert len(pedido["itens"][0]["descricao"]) == 120 and pedido["itens"][0]["descricaoDetalhada"]


def test_marker_search_survives_an_ignored_filter(sandbox, make_bling, bling_order, monkeypatch):
    """bling.md: whether ``numerosLojas[]`` works without ``idLoja`` is unconfirmed."""
    original = sandbox.bling._orders_list

    def ignoring_filter(req):
        req.query.pop("numerosLojas[]", None)
        return original(req)

    monkeypatch.setattr(sandbox.bling, "_orders_list", ignoring_filter)
    client = make_bling()
    order = bling_order(SO)
    client.push(bling_order(SO))  # another order, listed first by the unfiltered search
    first = client.push(order)
    again = client.push(order, maybe_exists=True)
    assert again.adopted and again.external_id == first.external_id
    assert len(docs(sandbox, order.marker)) == 1


def test_default_payment_method_by_name(sandbox, make_bling, bling_order):
    due = dt.date.today()
    client = make_bling(payment_method_id="Boleto")
    result = client.push(bling_order(SO, installments=(Installment(due, Decimal("91"), ""),)))
    assert sandbox.bling.orders[int(result.external_id)]["parcelas"][0]["formaPagamento"] == {"id": 2101002}


def test_nfse_rps_numbers(sandbox, make_bling, bling_order):
    client = make_bling()
    refs = [DocRef(SO, client.push(bling_order(SO)).external_id) for _ in range(2)]
    client.issue_note(refs[0])
    sandbox.bling.rps_next -= 1  # another worker's note took the number we are about to read
    assert client.issue_note(refs[1]).state is DocState.ISSUED
    assert sorted(n["numeroRPS"] for n in sandbox.bling.nfses.values()) == ["1", "2"]
    posts = [
        r["status"] for r in sandbox.requests_log("bling") if r["path"] == "/nfse" and r["method"] == "POST"
    ]
    assert posts == [201, 400, 201]
