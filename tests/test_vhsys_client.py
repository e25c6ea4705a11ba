"""Contract tests of the VHSYS client against the sandbox's VHSYS emulator, over real HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from decimal import Decimal

import pytest
import requests
from tecpet_erp_sandbox.wire import Request
from vhsys_orders import LONG_AGO, OS, PV, act

from tecpet_erp_sync.erp.contract import (
    Address,
    Customer,
    DocRef,
    DocState,
    Installment,
    Line,
    LineKind,
    OrderRequest,
)
from tecpet_erp_sync.erp.errors import AuthError, DataError, ErpError, NotSupported
from tecpet_erp_sync.erp.vhsys import NfseSettings

CPF = "52998224725"
CNPJ = "11222333000181"


def customer(document=CPF, *, number="123", district="Centro", name="Maria da Silva"):
    address = Address("Rua das Flores", number, district, "São Paulo", "SP", "01001000", "Apto 4")
    return Customer(
        name, document, len(document) == 14, address, phone="+55 11 98765-4321", email="m@example.com"
    )


def order(doc_type=OS, marker="ODOO:test:1", *, cust=None, lines=None, installments=None):
    if lines is None:
        if doc_type is OS:
            lines = (
                Line(LineKind.SERVICE, "Banho e tosa", Decimal(1), Decimal("80.00"), "BANHO"),
                Line(LineKind.SERVICE, "Consulta veterinária", Decimal(2), Decimal("35.50")),
            )
        else:
            lines = (
                Line(LineKind.GOODS, "Ração 10 kg", Decimal(2), Decimal("120.00"), "RACAO10"),
                Line(LineKind.GOODS, "Coleira", Decimal(1), Decimal("25.90"), "COLEIRA"),
            )
    total = sum(((ln.quantity * ln.unit_price).quantize(Decimal("0.01")) for ln in lines), Decimal(0))
    if installments is None:
        half = (total / 2).quantize(Decimal("0.01"))
        installments = (
            Installment(dt.date(2026, 7, 10), half, "PIX"),
            Installment(dt.date(2026, 8, 10), total - half, ""),
        )
    return OrderRequest(
        doc_type,
        marker,
        "INV/2026/00042",
        cust or customer(),
        tuple(lines),
        installments,
        dt.date(2026, 6, 10),
        notes="Pet: Rex",
    )


def docs(sandbox, marker=None):
    found = sandbox.vhsys.snapshot()["documents"]
    return [d for d in found if marker is None or d["marker"] == marker]


def ref(result, doc_type):
    return DocRef(doc_type, result.external_id)


def raw(sandbox, method, path, *, headers=None, **kwargs):
    base = {"access-token": "a", "secret-access-token": "b", "User-Agent": "tests/1"}
    if headers is not None:
        base = headers
    return requests.request(method, sandbox.vhsys_url + path, headers=base, timeout=5, **kwargs)


# -- emulator fidelity (the wire facts the client relies on) ----------------------------------
def test_emulator_envelope_auth_and_quirks(sandbox):
    denied = raw(sandbox, "GET", "/clientes", headers={"User-Agent": "t"})
    assert (
        denied.status_code == 403
        and denied.json()["code"] == 403
        and "Acesso negado" in denied.json()["data"]
    )
    mixed_case = raw(
        sandbox,
        "GET",
        "/clientes",
        headers={"Access-Token": "a", "Secret-Access-Token": "b", "User-Agent": "t"},
    )
    assert mixed_case.status_code == 403 and mixed_case.json()["data"] == "Nenhum cliente encontrado!"
    assert (
        raw(
            sandbox,
            "GET",
            "/clientes",
            headers={"access-token": "a", "secret-access-token": "b", "User-Agent": ""},
        ).status_code
        == 400
    )
    unknown = raw(sandbox, "GET", "/ordens-servico/1/nada")
    assert unknown.status_code == 200 and unknown.json()["code"] == 404
    created = raw(sandbox, "POST", "/clientes", json={"razao_cliente": "X", "numero_cliente": "12345678"})
    assert created.status_code == 403 and "(numero_cliente)" in created.json()["data"][0]
    client_id = raw(sandbox, "POST", "/clientes", json={"razao_cliente": "X"}).json()["data"]["id_cliente"]
    os_row = raw(
        sandbox, "POST", "/ordens-servico", json={"id_cliente": client_id, "nome_cliente": "X"}
    ).json()
    assert os_row["code"] == 200 and os_row["data"]["id_ordem"] != os_row["data"]["id_pedido"]
    as_object = raw(
        sandbox,
        "POST",
        f"/ordens-servico/{os_row['data']['id_ordem']}/servicos",
        json={"desc_servico": "x", "horas_servico": "1", "valor_unit_servico": "1.00"},
    )
    assert as_object.status_code == 403
    pv = raw(sandbox, "POST", "/pedidos", json={"nome_cliente": "X"}).json()
    assert isinstance(pv["data"], list) and pv["data"][0]["id_ped"]
    raw(sandbox, "POST", "/pedidos", json={"nome_cliente": "Y"})
    page = raw(sandbox, "GET", "/pedidos", params={"limit": 999}).json()
    # total_count: the records on this page; total: the overall count
    assert page["paging"]["limit"] == 250 and (page["paging"]["total_count"], page["paging"]["total"]) == (
        2,
        2,
    )
    assert len(page["data"]) == 3 and page["data"][0] == page["data"][-1]  # the duplicate-row quirk
    html = raw(sandbox, "GET", "/pedidos", params={"order": "data_mod_pedido", "sort": "Asc"})
    assert html.headers["Content-Type"].startswith("text/html")
    for name in ("rate_limit", "server_error", "html_error", "outage"):
        assert sandbox.vhsys.fault_response(name).status in (200, 429, 500)


# -- connection --------------------------------------------------------------------------------
def test_one_connection_is_reused_and_close_is_honoured(sandbox, make_vhsys):
    """The client's Session keeps one connection; a client asking to close gets a new one per call
    and no write is lost on a connection the server already closed (the benchmark relies on it)."""
    kept = make_vhsys()
    before = sandbox.connections
    for n in range(3):
        kept.push(order(marker=f"ODOO:test:kept:{n}"))
    assert sandbox.connections - before == 1
    closing = make_vhsys()
    closing.http.session.headers["Connection"] = "close"
    before, calls = sandbox.connections, closing.calls
    for n in range(2):
        closing.push(order(marker=f"ODOO:test:close:{n}"))
    assert sandbox.connections - before == closing.calls - calls > 2


def test_connection_ok_and_revoked(sandbox, make_vhsys):
    client = make_vhsys()
    assert client.test_connection().account_name.startswith("VHSYS")  # empty customer list counts as OK
    sandbox.vhsys.revoke_credentials()
    with pytest.raises(AuthError):
        client.test_connection()
    sandbox.control("restore_credentials", {"provider": "vhsys"})
    assert client.test_connection()


def test_wrong_api_url_is_reported(sandbox, make_vhsys):
    from tecpet_erp_sync.erp.vhsys import VhsysClient

    client = VhsysClient(sandbox.url + "/vhsys/v9", "a", "b", timeout=0.5)
    with pytest.raises(ErpError) as info:
        client.test_connection()
    assert not isinstance(info.value, DataError)
    client.close()


def test_secrets_never_in_errors_or_logs(sandbox, make_vhsys, caplog):
    client = make_vhsys()
    sandbox.vhsys.revoke_credentials()
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as info:
        client.push(order())
    texts = [info.value.message, info.value.erp_message, repr(client), caplog.text]
    for secret in ("sandbox-access-token", "sandbox-secret-token"):
        assert all(secret not in text for text in texts)


# -- push --------------------------------------------------------------------------------------
def test_push_service_order(sandbox, make_vhsys):
    client = make_vhsys()
    result = client.push(order(OS, "ODOO:t:10"))
    assert result.state is DocState.OPEN and not result.adopted
    assert result.external_id != result.external_number
    state = sandbox.vhsys.snapshot()
    [doc] = docs(sandbox)
    assert (doc["id"], doc["number"], doc["marker"]) == (
        result.external_id,
        result.external_number,
        "ODOO:t:10",
    )
    assert doc["services"] == 2 and doc["total"] == "151.00"
    assert doc["installments"] == 2 and doc["installments_total"] == "151.00"
    row = sandbox.vhsys.ordens[int(result.external_id)]["row"]
    assert row["referencia_ordem"] == "ODOO:t:10" and "ODOO:t:10" in row["obs_interno_pedido"]
    assert "INV/2026/00042" in row["obs_pedido"]
    parcelas = sandbox.vhsys.ordens[int(result.external_id)]["parcelas"]
    assert [p["forma_pagamento"] for p in parcelas] == ["PIX", "Outros"]
    [cust] = state["customers"]
    assert cust["cnpj_cliente"] == "529.982.247-25" and cust["tipo_pessoa"] == "PF"
    assert cust["cep_cliente"] == "01.001-000" and cust["celular_cliente"] == "(11) 98765-4321"
    products = {p["cod_produto"]: p for p in state["products"]}
    assert products["BANHO"]["tipo_produto"] == "Servico"
    generated = [code for code in products if code.startswith("ODOO-")]
    assert len(generated) == 1  # the line without internal reference gets a stable code
    servicos = sandbox.vhsys.ordens[int(result.external_id)]["servicos"]
    assert {s["id_servico"] for s in servicos} == {p["id_produto"] for p in state["products"]}
    assert state["stock_moves"] == []


def test_consistency_wait_is_what_a_new_document_needs(sandbox, make_vhsys):
    """The sandbox answers "não encontrado" for a new document's parts during its consistency lag
    (a real account's 650 ms): without the client's wait the push is retried later; with it, one
    push builds the document."""
    from tecpet_erp_sync.erp.errors import TransientError

    sandbox.control("latency", {"consistency_ms": 300})
    with pytest.raises(TransientError):
        make_vhsys().push(order(OS, "ODOO:t:lag:1"))
    result = make_vhsys(consistency_wait=0.35).push(order(OS, "ODOO:t:lag:2"))
    assert result.state is DocState.OPEN
    assert [d["services"] for d in docs(sandbox) if d["marker"] == "ODOO:t:lag:2"] == [2]


def test_catalogue_name_cut_at_the_limit_has_no_trailing_space(sandbox, make_vhsys):
    label = "Banho " * 30  # a space falls on VHSYS's 120-character limit of desc_produto
    line = Line(LineKind.SERVICE, label.strip(), Decimal(1), Decimal("80.00"), "LONGO")
    make_vhsys().push(order(OS, "ODOO:t:long", lines=(line,)))
    [product] = sandbox.vhsys.snapshot()["products"]
    assert product["desc_produto"] == product["desc_produto"].strip() and len(product["desc_produto"]) <= 120


def test_push_sales_order_posts_stock_exit(sandbox, make_vhsys):
    client = make_vhsys()
    result = client.push(order(PV, "ODOO:t:11"))
    [doc] = docs(sandbox)
    assert doc["doc_type"] == "sales_order" and doc["goods"] == 2 and doc["total"] == "265.90"
    assert doc["installments_total"] == "265.90"
    row = sandbox.vhsys.pedidos[int(result.external_id)]["row"]
    assert row["obs_interno_pedido"] == "ODOO:t:11" and row["referencia_pedido"] == ""
    moves = sandbox.vhsys.snapshot()["stock_moves"]
    # VHSYS answers "API" for the identificacao sent (official example): the exit is told by its text
    assert sorted((m["tipo_estoque"], m["identificacao"], m["qtde_estoque"]) for m in moves) == [
        ("Saida", "API", "1.000000"),
        ("Saida", "API", "2.000000"),
    ]
    assert all(m["obs_estoque"].startswith(f"[Odoo Ped_{result.external_id}] ") for m in moves)
    assert {p["tipo_produto"] for p in sandbox.vhsys.snapshot()["products"]} == {"Produto"}


def test_push_reads_back_empty_pedido_number(sandbox, make_vhsys):
    sandbox.vhsys.set_switch("pedido_number", "empty")
    result = make_vhsys().push(order(PV, "ODOO:t:12"))
    assert result.external_number == docs(sandbox)[0]["number"] != ""


def test_customer_and_products_are_reused(sandbox, make_vhsys):
    # A customer typed in VHSYS by a person, masked as VHSYS stores it.
    existing = raw(
        sandbox,
        "POST",
        "/clientes",
        json={"razao_cliente": "ACME LTDA", "cnpj_cliente": "11.222.333/0001-81", "tipo_pessoa": "PJ"},
    ).json()["data"]
    trashed = raw(
        sandbox, "POST", "/clientes", json={"razao_cliente": "Old", "cnpj_cliente": "529.982.247-25"}
    )
    raw(sandbox, "DELETE", f"/clientes/{trashed.json()['data']['id_cliente']}")
    first, second = make_vhsys(), make_vhsys()
    first.push(order(OS, "ODOO:t:20", cust=customer(CNPJ, name="Acme")))
    second.push(order(OS, "ODOO:t:21", cust=customer(CNPJ, name="Acme")))
    second.push(order(OS, "ODOO:t:22"))  # the CPF's only customer is in the trash: create a new one
    state = sandbox.vhsys.snapshot()
    assert [d["customer_id"] for d in state["documents"]][:2] == [existing["id_cliente"]] * 2
    assert len(state["customers"]) == 3
    assert len(state["products"]) == 2


def test_customer_stored_without_mask_is_found(sandbox, make_vhsys):
    existing = raw(sandbox, "POST", "/clientes", json={"razao_cliente": "Maria", "cnpj_cliente": CPF}).json()
    make_vhsys().push(order(OS, "ODOO:t:23"))
    state = sandbox.vhsys.snapshot()
    assert len(state["customers"]) == 1
    assert state["documents"][0]["customer_id"] == existing["data"]["id_cliente"]


def test_customer_rejected_field_is_named(sandbox, make_vhsys):
    with pytest.raises(DataError) as info:
        make_vhsys().push(order(OS, "ODOO:t:30", cust=customer(number="12345678")))
    assert info.value.field == "numero_cliente" and "numero_cliente" in info.value.erp_message
    assert "7 characters" in info.value.message
    assert docs(sandbox) == []


def with_address(cust, **changes):
    return dataclasses.replace(cust, address=dataclasses.replace(cust.address, **changes))


@pytest.mark.parametrize(
    ("cust", "field", "text"),
    [
        (customer("5299822472"), "cnpj_cliente", "CPF/CNPJ"),  # 10 digits: neither CPF nor CNPJ
        (with_address(customer(), zip_code="0100100"), "cep_cliente", "CEP"),
    ],
)
def test_values_the_formatters_refuse_become_data_errors(sandbox, make_vhsys, cust, field, text):
    with pytest.raises(DataError) as info:
        make_vhsys().push(order(OS, "ODOO:t:31", cust=cust))
    assert info.value.field == field and text in info.value.message
    assert docs(sandbox) == [] and sandbox.vhsys.snapshot()["customers"] == []


def test_amounts_that_are_not_numbers_become_data_errors(sandbox, make_vhsys):
    line = Line(LineKind.SERVICE, "Banho", Decimal(1), Decimal("NaN"))
    with pytest.raises(DataError, match='Line "Banho"'):
        make_vhsys().push(order(OS, "ODOO:t:32", lines=(line,), installments=()))
    assert sandbox.requests_log("vhsys") == []


def test_phone_that_is_no_landline_or_mobile_goes_as_typed(sandbox, make_vhsys):
    cust = dataclasses.replace(customer(), phone=" 0800 345 1001 ")
    make_vhsys().push(order(OS, "ODOO:t:33", cust=cust))
    [row] = sandbox.vhsys.snapshot()["customers"]
    assert row["fone_cliente"] == "0800 345 1001" and not row["celular_cliente"]


def test_a_payment_method_vhsys_does_not_have_is_refused_before_anything_is_sent(sandbox, make_vhsys):
    from tecpet_erp_sync.erp.errors import SetupError

    lower = (Installment(dt.date(2026, 7, 10), Decimal("151.00"), "cartao de credito"),)
    make_vhsys().push(order(OS, "ODOO:t:34", installments=lower))
    [parcel] = sandbox.vhsys.ordens[int(docs(sandbox)[0]["id"])]["parcelas"]
    assert parcel["forma_pagamento"] == "Cartão de Crédito"  # VHSYS's exact spelling
    bad = (Installment(dt.date(2026, 7, 10), Decimal("151.00"), "Bitcoin"),)
    before = len(docs(sandbox))
    with pytest.raises(SetupError) as info:
        make_vhsys().push(order(OS, "ODOO:t:35", installments=bad))
    assert '"Bitcoin" is not a VHSYS payment method' in info.value.message
    assert len(docs(sandbox)) == before


def test_rejected_part_rolls_the_header_back(sandbox, make_vhsys):
    client = make_vhsys()
    sandbox.faults.add(fault="forbidden", provider="vhsys", method="POST", path="/parcelas$")
    with pytest.raises(DataError) as info:
        client.push(order(OS, "ODOO:t:31"))
    assert "installments" in info.value.message
    [doc] = docs(sandbox, "ODOO:t:31")
    assert doc["in_trash"] and not doc["live"]
    fixed = client.push(order(OS, "ODOO:t:31"), maybe_exists=True)
    live = [d for d in docs(sandbox, "ODOO:t:31") if d["live"]]
    assert [d["id"] for d in live] == [fixed.external_id] and not fixed.adopted


def test_rejected_stock_exit_rolls_back_and_reverses(sandbox, make_vhsys):
    sandbox.faults.add(fault="server_error", provider="vhsys", method="POST", path="/estoque$", count=0)
    client = make_vhsys()
    # make the second product's exit be rejected by the ERP
    original = sandbox.vhsys._create_estoque
    calls = []

    def reject_second(req, pid):
        calls.append(pid)
        if len(calls) == 2:
            from tecpet_erp_sandbox.vhsys import _ApiError

            raise _ApiError(403, ["O formato do campo (qtde_estoque) não é válido"])
        return original(req, pid)

    sandbox.vhsys._create_estoque = reject_second
    try:
        with pytest.raises(DataError):
            client.push(order(PV, "ODOO:t:32"))
    finally:
        sandbox.vhsys._create_estoque = original
    [doc] = docs(sandbox, "ODOO:t:32")
    assert doc["in_trash"] and all(qty == "0.000000" for qty in doc["stock_net"].values())


def test_maybe_exists_adopts_a_complete_document_without_writing(sandbox, make_vhsys):
    first = make_vhsys().push(order(PV, "ODOO:t:40"))
    before = len(sandbox.requests_log("vhsys"))
    again = make_vhsys().push(order(PV, "ODOO:t:40"), maybe_exists=True)
    writes = [r for r in sandbox.requests_log("vhsys")[before:] if r["method"] != "GET"]
    assert again.adopted and again.external_id == first.external_id
    assert again.external_number == first.external_number
    assert [w["path"] for w in writes] == []
    assert len(docs(sandbox, "ODOO:t:40")) == 1


@pytest.mark.parametrize(
    ("doc_type", "actions", "state"),
    [
        (OS, [("pay", {})], DocState.FULFILLED),
        (PV, [("pay", {})], DocState.FULFILLED),
        (OS, [("pay", {"amount": "10.00"})], DocState.OPEN),
        (PV, [("pay", {}), ("ready", {})], DocState.AWAITING_ISSUE),
        (OS, [("issue", {})], DocState.ISSUED),
        (PV, [("issue", {})], DocState.ISSUED),
    ],
)
def test_adoption_reports_what_erp_users_did_meanwhile(sandbox, make_vhsys, doc_type, actions, state):
    # The worker died after creating the document, and its ERP users paid or issued it before the
    # retry adopted it: the refresh cursor has moved past that change, so adoption must report it
    # (found by bench/soak.py: the invoice stayed open while VHSYS had it paid).
    first = make_vhsys().push(order(doc_type, "ODOO:t:43"))
    for action, params in actions:
        act(sandbox, action, doc_type, first.external_id, **params)
    again = make_vhsys().push(order(doc_type, "ODOO:t:43"), maybe_exists=True)
    assert again.adopted and again.external_id == first.external_id
    assert again.state is state


def test_marker_match_is_exact(sandbox, make_vhsys):
    client = make_vhsys()
    client.push(order(OS, "ODOO:t:10"))
    result = client.push(order(OS, "ODOO:t:1"), maybe_exists=True)
    assert not result.adopted and len(docs(sandbox)) == 2


def test_maybe_exists_replaces_a_document_that_cannot_be_completed(sandbox, make_vhsys):
    client = make_vhsys()
    first = client.push(order(OS, "ODOO:t:41"))
    # someone edited an item in VHSYS: it no longer matches the invoice
    item = sandbox.vhsys.ordens[int(first.external_id)]["servicos"][0]
    raw(
        sandbox,
        "PUT",
        f"/ordens-servico/{first.external_id}/servicos/{item['id_ordem_servico']}",
        json={"valor_unit_servico": "1.00"},
    )
    second = client.push(order(OS, "ODOO:t:41"), maybe_exists=True)
    assert second.external_id != first.external_id and not second.adopted
    live = [d for d in docs(sandbox, "ODOO:t:41") if d["live"]]
    assert [d["id"] for d in live] == [second.external_id] and live[0]["total"] == "151.00"


# -- cancel ------------------------------------------------------------------------------------
def test_cancel_service_and_sales_orders(sandbox, make_vhsys):
    client = make_vhsys()
    os_doc, pv_doc = client.push(order(OS, "ODOO:t:50")), client.push(order(PV, "ODOO:t:51"))
    assert client.cancel(ref(os_doc, OS)).state is DocState.CANCELED
    assert client.cancel(ref(pv_doc, PV)).state is DocState.CANCELED
    assert client.cancel(ref(pv_doc, PV)).state is DocState.CANCELED  # idempotent
    by_marker = {d["marker"]: d for d in docs(sandbox)}
    assert by_marker["ODOO:t:50"]["status"] == "Cancelado"
    pv = by_marker["ODOO:t:51"]
    assert pv["status"] == "Cancelado" and pv["stock_exits"] == 2 and pv["stock_reversals"] == 2
    assert all(qty == "0.000000" for qty in pv["stock_net"].values())
    history = sandbox.vhsys.pedidos[int(pv_doc.external_id)]["status"]
    assert [h["tipo_status"] for h in history] == ["Cancelado"]


def test_cancel_refused_when_a_note_was_issued(sandbox, make_vhsys):
    client = make_vhsys()
    os_doc, pv_doc = client.push(order(OS, "ODOO:t:52")), client.push(order(PV, "ODOO:t:53"))
    act(sandbox, "issue", OS, os_doc.external_id)
    act(sandbox, "issue", PV, pv_doc.external_id)
    for result, doc_type in ((os_doc, OS), (pv_doc, PV)):
        with pytest.raises(DataError) as info:
            client.cancel(ref(result, doc_type))
        assert "first" in info.value.message
    assert {d["status"] for d in docs(sandbox)} == {"Em Aberto"}


# -- read-back ---------------------------------------------------------------------------------
def test_states_follow_the_erp(sandbox, make_vhsys):
    client = make_vhsys()
    os_doc, pv_doc = client.push(order(OS, "ODOO:t:60")), client.push(order(PV, "ODOO:t:61"))
    refs = [ref(os_doc, OS), ref(pv_doc, PV)]

    def states():
        return {s.external_id: s.state for s in client.fetch_changes(refs, None).statuses}

    assert states() == {os_doc.external_id: DocState.OPEN, pv_doc.external_id: DocState.OPEN}
    act(sandbox, "launch_receivables", OS, os_doc.external_id)
    act(sandbox, "pay", PV, pv_doc.external_id, amount="100.00")  # partial payment
    assert states() == {os_doc.external_id: DocState.OPEN, pv_doc.external_id: DocState.OPEN}
    act(sandbox, "pay", OS, os_doc.external_id)
    act(sandbox, "pay", PV, pv_doc.external_id)
    assert set(states().values()) == {DocState.FULFILLED}
    act(sandbox, "ready", OS, os_doc.external_id)
    assert states()[os_doc.external_id] is DocState.AWAITING_ISSUE
    act(sandbox, "issue", OS, os_doc.external_id)
    act(sandbox, "issue", PV, pv_doc.external_id)
    statuses = {s.external_id: s for s in client.fetch_changes(refs, None).statuses}
    assert {s.state for s in statuses.values()} == {DocState.ISSUED}
    assert statuses[pv_doc.external_id].note_number == docs(sandbox, "ODOO:t:61")[0]["note"]
    assert statuses[os_doc.external_id].external_number == os_doc.external_number
    # An NFS-e issued in VHSYS's screens: its number found by customer and amount (issue 13, 8).
    assert statuses[os_doc.external_id].note_number == docs(sandbox, "ODOO:t:60")[0]["note"]
    assert statuses[os_doc.external_id].note.number == statuses[os_doc.external_id].note_number


def test_nfse_number_issued_in_vhsys_is_not_guessed_between_two_alike(sandbox, make_vhsys):
    client = make_vhsys()
    first, second = client.push(order(OS, "ODOO:t:64")), client.push(order(OS, "ODOO:t:65"))
    for doc in (first, second):
        act(sandbox, "issue", OS, doc.external_id)
    statuses = client.fetch_changes([ref(first, OS), ref(second, OS)], None).statuses
    # Same customer, same amount: which note is whose is unknown, so no number rather than a wrong one.
    assert [(s.state, s.note_number) for s in statuses] == [(DocState.ISSUED, ""), (DocState.ISSUED, "")]


def test_canceled_and_trashed_in_the_erp(sandbox, make_vhsys):
    client = make_vhsys()
    os_doc, pv_doc = client.push(order(OS, "ODOO:t:62")), client.push(order(PV, "ODOO:t:63"))
    act(sandbox, "cancel", OS, os_doc.external_id)
    raw(sandbox, "DELETE", f"/pedidos/{pv_doc.external_id}")
    statuses = client.fetch_changes([ref(os_doc, OS), ref(pv_doc, PV)], None).statuses
    assert {s.state for s in statuses} == {DocState.CANCELED}


def seed(sandbox, doc_type, marker, *, parts=True):
    """Creates a document in the emulator in-process (fast bulk setup, same handlers as over HTTP)."""
    emulator = sandbox.vhsys

    def call(method, path, body):
        req = Request(
            method,
            path,
            {},
            {"access-token": "a", "secret-access-token": "b", "user-agent": "t"},
            json.dumps(body).encode(),
        )
        answer = emulator.handle(req).body
        assert answer["code"] == 200, answer
        return answer["data"]

    if not emulator.clientes:
        call("POST", "/clientes", {"razao_cliente": "Seed", "cnpj_cliente": "529.982.247-25"})
        call("POST", "/produtos", {"desc_produto": "Seed", "cod_produto": "SEED"})
    customer_id, product_id = next(iter(emulator.clientes)), next(iter(emulator.produtos))
    header = {"id_cliente": customer_id, "nome_cliente": "Seed", "obs_interno_pedido": marker}
    if doc_type is OS:
        doc_id = call("POST", "/ordens-servico", {**header, "referencia_ordem": marker})["id_ordem"]
        items = (
            "servicos",
            [
                {
                    "id_servico": product_id,
                    "desc_servico": "S",
                    "horas_servico": "1",
                    "valor_unit_servico": "10.00",
                }
            ],
        )
    else:
        doc_id = call("POST", "/pedidos", header)[0]["id_ped"]
        items = ("produtos", [{"id_produto": product_id, "qtde_produto": "1", "valor_unit_produto": "10.00"}])
    base = f"{'/ordens-servico' if doc_type is OS else '/pedidos'}/{doc_id}"
    if parts:
        call("POST", f"{base}/{items[0]}", items[1])
        call("POST", f"{base}/parcelas", [{"data_parcela": "2026-07-01", "valor_parcela": "10.00"}])
    return DocRef(doc_type, str(doc_id))


def test_refresh_is_incremental(sandbox, make_vhsys):
    client = make_vhsys()
    sandbox.control("clock", {"provider": "vhsys", "offset_seconds": -86400})  # created yesterday
    refs = [seed(sandbox, OS if n % 2 else PV, f"ODOO:t:7{n:02d}") for n in range(50)]
    first = client.fetch_changes(refs, None)
    assert len(first.statuses) == 50 and {s.state for s in first.statuses} == {DocState.OPEN}
    sandbox.control("clock", {"provider": "vhsys", "offset_seconds": 0})
    assert client.fetch_changes(refs, first.cursor).statuses == ()
    act(sandbox, "pay", OS, refs[1].external_id)  # receivables only
    act(sandbox, "ready", PV, refs[2].external_id)  # header only
    act(sandbox, "issue", PV, refs[4].external_id)  # NF-e only
    changes = client.fetch_changes(refs, first.cursor)
    assert {s.external_id: s.state for s in changes.statuses} == {
        refs[1].external_id: DocState.FULFILLED,
        refs[2].external_id: DocState.OPEN,
        refs[4].external_id: DocState.ISSUED,
    }
    assert changes.calls <= 12, changes.calls
    assert changes.cursor >= first.cursor


def test_refresh_falls_back_to_a_date_only_filter(sandbox, make_vhsys):
    sandbox.vhsys.set_switch("data_modificacao", "date_only")
    client = make_vhsys()
    refs = [seed(sandbox, OS, "ODOO:t:750"), seed(sandbox, PV, "ODOO:t:751")]
    first = client.fetch_changes(refs, None)
    act(sandbox, "pay", OS, refs[0].external_id)
    changes = client.fetch_changes(refs, first.cursor)
    # the whole day is read again, but the rows are re-checked client-side against the cursor
    assert {s.external_id: s.state for s in changes.statuses}[refs[0].external_id] is DocState.FULFILLED
    assert client.modified_format == "%Y-%m-%d"


def test_paging_dedupes_repeated_rows(sandbox, make_vhsys):
    refs = [seed(sandbox, OS, f"ODOO:t:8{n:03d}", parts=False) for n in range(260)]
    client = make_vhsys()
    changes = client.fetch_changes(refs, LONG_AGO)  # a cursor: the lists are read, page by page
    assert sorted(s.external_id for s in changes.statuses) == sorted(r.external_id for r in refs)
    pages = [
        r for r in sandbox.requests_log("vhsys") if r["path"] == "/ordens-servico" and r["status"] == 200
    ]
    assert len(pages) == 2  # 260 rows: two pages of at most 250, each repeating one row
    assert client.push(order(OS, "ODOO:t:8259"), maybe_exists=True).adopted  # found on the search pages


def test_refresh_without_cursor_reads_only_the_given_documents(sandbox, make_vhsys):
    """A first read-back never lists the whole account (it may hold years of documents)."""
    refs = [seed(sandbox, OS, "ODOO:t:860"), seed(sandbox, PV, "ODOO:t:861")]
    seed(sandbox, OS, "ODOO:t:862")  # not ours to read
    before = len(sandbox.requests_log("vhsys"))
    changes = make_vhsys().fetch_changes(refs, None)
    assert sorted(s.external_id for s in changes.statuses) == sorted(r.external_id for r in refs)
    lists = [
        r for r in sandbox.requests_log("vhsys")[before:] if r["path"] in ("/ordens-servico", "/pedidos")
    ]
    assert lists == []
    nfe = [r for r in sandbox.requests_log("vhsys")[before:] if r["path"] == "/notas-fiscais"]
    # the NF-e since the pedido was made (id_pedido_ref is no documented filter: never trusted)
    assert nfe and all(r["query"].get("data_modificacao") and "id_pedido_ref" not in r["query"] for r in nfe)


def test_refresh_reports_deletions_and_unreadable_documents(sandbox, make_vhsys):
    gone, kept, broken = (seed(sandbox, OS, f"ODOO:t:87{n}") for n in range(3))
    act(sandbox, "delete", OS, gone.external_id)
    sandbox.faults.add(
        fault="garbage", provider="vhsys", method="GET", path=rf"^/ordens-servico/{broken.external_id}$"
    )
    changes = make_vhsys().fetch_changes([gone, kept, broken], None)
    by_id = {s.external_id: s for s in changes.statuses}
    assert by_id[gone.external_id].deleted and by_id[gone.external_id].state is DocState.CANCELED
    assert by_id[kept.external_id].state is DocState.OPEN and not by_id[kept.external_id].deleted
    assert [u.ref.external_id for u in changes.unreadable] == [broken.external_id]


def test_a_cancelled_note_takes_the_document_back(sandbox, make_vhsys):
    client = make_vhsys()
    ref = DocRef(OS, client.push(order(OS, "ODOO:t:880")).external_id)
    act(sandbox, "pay", OS, ref.external_id)
    assert client.issue_note(ref).state is DocState.ISSUED
    assert client.fetch_changes([ref], None).statuses[0].state is DocState.ISSUED
    act(sandbox, "cancel_note", OS, ref.external_id)
    assert client.fetch_changes([ref], None).statuses[0].state is DocState.FULFILLED
    with pytest.raises(DataError) as info:  # no longer for its note: for its paid receivable
        client.cancel(ref)
    assert "is paid in VHSYS" in info.value.message


def test_a_denied_nfe_is_reported(sandbox, make_vhsys):
    client = make_vhsys()
    ref = DocRef(PV, client.push(order(PV, "ODOO:t:881")).external_id)
    act(sandbox, "reject_note", PV, ref.external_id)
    status = client.fetch_changes([ref], None).statuses[0]
    template, params = status.note_rejection
    assert "denied (denegada)" in template
    assert params == {"number": params["number"]} and params["number"]


# -- fiscal notes ------------------------------------------------------------------------------
def test_issue_service_note(sandbox, make_vhsys):
    settings = NfseSettings(
        "production", "1", "3", "2", "0", "Campinas", "0501", "Vendedor Sandbox", "265187"
    )
    client = make_vhsys(nfse=settings)
    os_doc = client.push(order(OS, "ODOO:t:90"))
    status = client.issue_note(ref(os_doc, OS))
    assert status.state is DocState.ISSUED and status.note_number
    [note] = sandbox.vhsys.snapshot()["service_notes"]
    assert note["NumeroNFS"] == status.note_number and note["ambiente"] == 1
    assert (note["serie_nota"], note["natureza_pedido"], note["regime_pedido"], note["local_prestacao"]) == (
        1,
        3,
        2,
        0,
    )
    assert (note["local_prestacao_cidade"], note["itemLista_servico"]) == ("Campinas", "0501")
    assert (note["vendedor_pedido"], note["vendedor_pedido_id"]) == ("Vendedor Sandbox", 265187)
    assert note["valor_total_servicos"] == "151.00" and "Banho e tosa" in note["desc_servicos"]
    assert client.issue_note(ref(os_doc, OS)).note_number == status.note_number  # idempotent
    assert len(sandbox.vhsys.snapshot()["service_notes"]) == 1
    [changed] = client.fetch_changes([ref(os_doc, OS)], None).statuses
    assert changed.state is DocState.ISSUED and changed.note_number == status.note_number


def test_issue_service_note_rejected_then_retried(sandbox, make_vhsys):
    client = make_vhsys()
    os_doc = client.push(order(OS, "ODOO:t:91"))
    sandbox.control(
        "nfse_reject", {"provider": "vhsys", "message": "Rejeição 999: Inscrição municipal inválida"}
    )
    with pytest.raises(DataError) as info:
        client.issue_note(ref(os_doc, OS))
    assert "Inscrição municipal" in info.value.message
    sandbox.control("nfse_reject", {"provider": "vhsys", "message": ""})
    assert client.issue_note(ref(os_doc, OS)).state is DocState.ISSUED
    assert len(sandbox.vhsys.snapshot()["service_notes"]) == 1  # the draft was reused


def test_sales_order_note_is_not_supported(sandbox, make_vhsys):
    client = make_vhsys()
    pv_doc = client.push(order(PV, "ODOO:t:92"))
    with pytest.raises(NotSupported) as info:
        client.issue_note(ref(pv_doc, PV))
    assert info.value.kind == "data"


@pytest.mark.parametrize("touch", [{"contas_pedido": "1"}, {"status_pedido": "Em Andamento"}])
def test_adoption_never_deletes_a_document_vhsys_users_worked_on(sandbox, make_vhsys, touch):
    """defect-review A5: the installments never arrived, and meanwhile VHSYS users launched the
    receivables or moved the status: the document is theirs, so it is reported, never trashed."""
    sandbox.faults.add(
        fault="timeout_before_write", provider="vhsys", method="POST", path="/parcelas$", count=1
    )
    client = make_vhsys()
    with pytest.raises(ErpError):
        client.push(order(OS, "ODOO:t:45"))
    [doc] = docs(sandbox, "ODOO:t:45")
    row = sandbox.vhsys.ordens[int(doc["id"])]["row"]
    row.update(touch)
    sandbox.vhsys.ordens[int(doc["id"])]["parcelas"] = [
        {"id_parcela": 1, "data_parcela": "2026-07-10", "valor_parcela": "10.00", "forma_pagamento": "PIX"}
    ]
    with pytest.raises(DataError, match="does not delete it"):
        client.push(order(OS, "ODOO:t:45"), maybe_exists=True)
    assert [d["id"] for d in docs(sandbox, "ODOO:t:45") if d["live"]] == [doc["id"]]


def test_stock_history_is_read_newest_first_and_only_back_to_the_document(sandbox, make_vhsys):
    """defect-review A6: a best-seller's years of stock moves are not read on every cancel; the
    pages come in a stable order (id_estoque descending) and stop past the document's date."""
    client = make_vhsys()
    pv = client.push(order(PV, "ODOO:t:46"))
    product = next(m["id_produto"] for m in sandbox.vhsys.estoque)
    old = [
        {
            "id_estoque": n,
            "id_produto": product,
            "tipo_estoque": "Saida",
            "qtde_estoque": "1.000000",
            "valor_estoque": "0.000000",
            "obs_estoque": "",
            "identificacao": f"Ped_{n}",
            "data_estoque": "2020-01-02",
            "data_cad_estoque": "2020-01-02 10:00:00",
        }
        for n in range(1, 601)
    ]
    sandbox.vhsys.estoque[:0] = old  # three pages of history older than the document
    before = len(sandbox.requests_log("vhsys"))
    client.cancel(DocRef(PV, pv.external_id))
    pages = [r for r in sandbox.requests_log("vhsys")[before:] if r["path"] == f"/produtos/{product}/estoque"]
    reads = [r for r in pages if r["method"] == "GET"]
    assert (
        len(reads) == 1 and reads[0]["query"]["order"] == "id_estoque" and reads[0]["query"]["sort"] == "Desc"
    )
    assert [r["method"] for r in pages].count("POST") == 1  # the exit reversed once
    [doc] = docs(sandbox, "ODOO:t:46")
    assert all(Decimal(qty) == 0 for qty in doc["stock_net"].values())
