"""The VHSYS client against every position of the sandbox's switches (``VhsysEmulator.SWITCHES``,
one moved at a time: ``vhsys_position``): what no source settles must work either way, and "Check
account" must tell which way an account goes."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
import vhsys_orders
from sandbox_switches import one_at_a_time
from vhsys_orders import ADDRESS, LONG_AGO, OS, PV, act, service

from tecpet_erp_sync.erp.contract import Customer, DocRef, DocState, Line, LineKind
from tecpet_erp_sync.erp.errors import AuthError, DataError
from tecpet_erp_sync.erp.vhsys import VhsysClient, from_settings

MARIA = Customer("Maria da Silva", "52998224725", False, ADDRESS, email="m@example.com")
ACME = Customer("Pet Shop Feliz LTDA", "11222333000181", True, ADDRESS)


# The switches the client must work with either way (the defaults: filters ignored, identificacao
# "API", strict NFS-e drafts, 403 on a bad token...); each test runs once per position.
MOVED = (
    "undocumented_filters",
    "stock_identificacao",
    "stock_order",
    "nfse_draft",
    "nfse_rows",
    "auth_status",
    "data_modificacao",
)
vhsys_position = one_at_a_time("vhsys", MOVED)


def goods(label, qty, price, ncm="23091000"):
    return Line(LineKind.GOODS, label, Decimal(qty), Decimal(price), label.upper()[:6], ncm=ncm)


def order(doc_type, marker, lines, *, customer=MARIA, freight=Decimal(0)):
    """Paid with "Pix": VHSYS's spelling ("PIX") is the client's to find."""
    return vhsys_orders.order(
        doc_type, marker, lines, customer, reference="INV/2026/00100", method="Pix", freight=freight
    )


def live(sandbox, marker):
    return [d for d in sandbox.vhsys.snapshot()["documents"] if d["marker"] == marker and d["live"]]


def writes_since(sandbox, start):
    return [r for r in sandbox.requests_log("vhsys")[start:] if r["method"] != "GET"]


def test_a_whole_life_in_every_position(sandbox, make_vhsys, vhsys_position):
    client = make_vhsys(allow_free_text_items=False)
    os_order = order(
        OS, "ODOO:life:os", [service("Consulta", "100.00", "05.01"), service("Banho", "51.00", "05.08")]
    )
    pv_order = order(
        PV, "ODOO:life:pv", [goods("Ração", 2, "60.00"), goods("Coleira", 1, "25.90")], freight=Decimal(15)
    )
    os_doc, pv_doc = client.push(os_order), client.push(pv_order)
    start = len(sandbox.requests_log("vhsys"))
    assert (
        client.push(os_order, maybe_exists=True).adopted and client.push(pv_order, maybe_exists=True).adopted
    )
    assert writes_since(sandbox, start) == []  # adopted whole: nothing written again
    [pv] = live(sandbox, "ODOO:life:pv")
    assert pv["total"] == "160.90" and pv["stock_exits"] == 2
    assert sandbox.vhsys.pedidos[int(pv_doc.external_id)]["row"]["frete_pedido"] == "15.00"
    act(sandbox, "pay", OS, os_doc.external_id)
    act(sandbox, "ready", OS, os_doc.external_id)
    act(sandbox, "pay", PV, pv_doc.external_id)
    refs = [DocRef(OS, os_doc.external_id), DocRef(PV, pv_doc.external_id)]
    states = {s.external_id: s.state for s in client.fetch_changes(refs, LONG_AGO).statuses}
    assert states == {os_doc.external_id: DocState.AWAITING_ISSUE, pv_doc.external_id: DocState.FULFILLED}
    issued = client.issue_note(refs[0])
    notes = sandbox.vhsys.snapshot()["service_notes"]
    assert issued.state is DocState.ISSUED and issued.note_number == ", ".join(n["NumeroNFS"] for n in notes)
    assert sorted((n["itemLista_servico"], n["valor_total_servicos"]) for n in notes) == [
        ("05.01", "100.00"),
        ("05.08", "51.00"),
    ]
    assert client.fetch_changes(refs[:1], None).statuses[0].state is DocState.ISSUED
    # A sales order cancelled with its receivables launched, not paid: they go too, its stock comes back.
    other = client.push(order(PV, "ODOO:life:pv2", [goods("Ração", 1, "60.00")]))
    act(sandbox, "launch_receivables", PV, other.external_id)
    for _ in range(2):  # a repeated cancel changes nothing
        assert client.cancel(DocRef(PV, other.external_id)).state is DocState.CANCELED
    [gone] = [d for d in sandbox.vhsys.snapshot()["documents"] if d["marker"] == "ODOO:life:pv2"]
    assert (gone["status"], gone["receivables"], gone["stock_exits"], gone["stock_reversals"]) == (
        "Cancelado",
        0,
        1,
        1,
    )


@pytest.mark.parametrize("where", [r"^/produtos/\d+/estoque$", r"^/pedidos/\d+/parcelas$"])
def test_a_resumed_push_never_posts_a_stock_exit_twice(sandbox, make_vhsys, vhsys_position, where):
    from tecpet_erp_sync.erp.errors import UnknownOutcome

    pv_order = order(PV, "ODOO:resume:pv", [goods("Ração", 2, "60.00"), goods("Coleira", 1, "25.90")])
    sandbox.faults.add(fault="timeout_after_write", provider="vhsys", method="POST", path=where, delay=0.6)
    with pytest.raises(UnknownOutcome):
        make_vhsys().push(pv_order)
    result = make_vhsys().push(pv_order, maybe_exists=True)
    [doc] = live(sandbox, "ODOO:resume:pv")
    assert result.adopted and (doc["stock_exits"], doc["stock_reversals"]) == (2, 0)
    assert sorted(doc["stock_net"].values()) == ["-1.000000", "-2.000000"]
    make_vhsys().cancel(DocRef(PV, result.external_id))
    make_vhsys().cancel(DocRef(PV, result.external_id))
    [doc] = [d for d in sandbox.vhsys.snapshot()["documents"] if d["marker"] == "ODOO:resume:pv"]
    assert doc["stock_reversals"] == 2 and set(doc["stock_net"].values()) == {"0.000000"}


def test_a_wrong_token_is_refused_in_every_position(sandbox, make_vhsys, vhsys_position):
    assert make_vhsys().test_connection()  # the account's pair, first used here
    for access, secret in (("mistyped-access", "sandbox-secret-token"), ("sandbox-access-token", "mistyped")):
        client = VhsysClient(sandbox.vhsys_url, access, secret, timeout=0.5)
        with pytest.raises(AuthError):
            client.test_connection()
        client.close()


def _account_with_history(sandbox, make_vhsys):
    """Documents of two customers, their receivables, NF-e and NFS-e, and a product with moves."""
    client = make_vhsys()
    for n, customer in enumerate((MARIA, ACME, MARIA)):
        pv = client.push(
            order(PV, f"ODOO:tour:pv{n}", [goods("Ração", 1, f"{50 + n}.00")], customer=customer)
        )
        os_doc = client.push(
            order(OS, f"ODOO:tour:os{n}", [service("Banho", f"{70 + n}.00")], customer=customer)
        )
        act(sandbox, "launch_receivables", PV, pv.external_id)
        act(sandbox, "issue", PV, pv.external_id)
        act(sandbox, "issue", OS, os_doc.external_id)


def test_check_account_tells_each_position(sandbox, make_vhsys, vhsys_position):
    _account_with_history(sandbox, make_vhsys)
    client = make_vhsys(mapped_payment_methods=("Pix", "Bitcoin"))
    start = len(sandbox.requests_log("vhsys"))
    facts = {f.key: f for f in client.check_account()}
    log = sandbox.requests_log("vhsys")[start:]
    assert len(log) <= 15 and {r["method"] for r in log} == {"GET"}  # read-only, a short tour
    honoured = vhsys_position["undocumented_filters"] == "honoured"
    for key in ("contas-receber:id_cliente", "notas-fiscais:id_pedido_ref", "notas-servico:id_cliente"):
        assert facts[key].value is honoured, (key, facts[key].answer)
    assert facts["paging"].value == "total"
    assert facts["stock_identificacao"].value == vhsys_position["stock_identificacao"]  # "api" | "echoed"
    assert facts["stock_order"].value == vhsys_position["stock_order"]  # "honoured" | "ignored"
    assert facts["stock_date"].value is True
    assert facts["nfse_rows"].value is (vhsys_position["nfse_rows"] == "full")
    assert facts["nfe_environment"].value is True
    assert facts["sellers"].ok and facts["nfse_settings"].ok and facts["statuses"].value
    assert not facts["payment_methods"].ok and facts["payment_methods"].value == "Bitcoin"
    for fact in facts.values():  # every text is a template with its parameters
        for template, params in (fact.fact, fact.answer, fact.consequence):
            assert template % params


def test_the_client_adapts_to_the_facts(sandbox, make_vhsys, vhsys_position):
    """A filter "Check account" saw honoured is used; one it saw ignored never is."""
    _account_with_history(sandbox, make_vhsys)
    facts = {f.key: f.value for f in make_vhsys().check_account()}
    settings = {"provider": "vhsys", "api_url": sandbox.vhsys_url, "account_facts": facts}
    options = dataclasses.replace(
        make_vhsys().options, honoured_filters=from_settings(settings).honoured_filters
    )
    client = make_vhsys(**{f.name: getattr(options, f.name) for f in dataclasses.fields(options)})
    pv = next(d for d in sandbox.vhsys.snapshot()["documents"] if d["marker"] == "ODOO:tour:pv1")
    start = len(sandbox.requests_log("vhsys"))
    status = client.fetch_changes([DocRef(PV, pv["id"])], None).statuses[0]
    assert status.state is DocState.ISSUED
    queries = [r["query"] for r in sandbox.requests_log("vhsys")[start:] if r["path"] == "/notas-fiscais"]
    used = any("id_pedido_ref" in q for q in queries)
    assert used is (vhsys_position["undocumented_filters"] == "honoured")


def test_positions_are_the_documented_switches(sandbox):
    state = sandbox.control("switch", {"provider": "vhsys", "name": "auth_status", "position": "401"})
    assert set(MOVED) <= set(state)
    with pytest.raises(ValueError):
        sandbox.control("switch", {"provider": "vhsys", "name": "auth_status", "position": "500"})


def test_goods_without_an_ncm_anywhere_are_refused_before_anything_is_sent(sandbox, make_vhsys):
    with pytest.raises(DataError) as info:
        make_vhsys(allow_free_text_items=False).push(
            order(PV, "ODOO:ncm:1", [goods("Petisco", 1, "9.90", ncm="")])
        )
    assert info.value.field == "ncm_produto" and '"Petisco"' in info.value.message
    assert sandbox.vhsys.snapshot()["products"] == [] and sandbox.vhsys.snapshot()["documents"] == []
