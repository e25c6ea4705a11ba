"""The VHSYS client and the fiscal identity of what it sends (issue 19), its NFS-e (settings,
homologation, one per service list item, a lost draft, a note issued in VHSYS's screens) and what
it never takes for a deletion (issue 21), against the sandbox over real HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest
import vhsys_orders
from sandbox_switches import switched
from tecpet_erp_sandbox.wire import Request
from vhsys_fixtures import capture
from vhsys_orders import ADDRESS, OS, PV, act, service

from tecpet_erp_sync.erp.contract import Customer, DocRef, DocState, IeStatus, Installment, Line, LineKind
from tecpet_erp_sync.erp.errors import DataError, SetupError, UnknownOutcome
from tecpet_erp_sync.erp.vhsys import NfseSettings

COMPANY = Customer(
    "Pet Shop Feliz Comércio de Rações LTDA",
    "11222333000181",
    True,
    ADDRESS,
    state_registration="110042490114",
    ie_status=IeStatus.CONTRIBUTOR,
    municipal_registration="123456",
    trade_name="Pet Shop Feliz",
)
PERSON = Customer("Maria da Silva", "52998224725", False, ADDRESS)
HOMOLOGATION = NfseSettings(series="1", nature="1", seller="Vendedor Sandbox")  # the default environment


def order(doc_type, marker, lines, customer=COMPANY, created_at=None):
    return vhsys_orders.order(
        doc_type, marker, lines, customer, reference="INV/2026/00200", created_at=created_at
    )


def notes(sandbox):
    return sandbox.vhsys.snapshot()["service_notes"]


# -- the customer's fiscal identity -----------------------------------------------------------
def test_the_customer_goes_with_its_legal_name_ie_and_im(sandbox, make_vhsys):
    make_vhsys().push(order(OS, "ODOO:fis:1", [service("Banho", "80.00")]))
    [row] = sandbox.vhsys.snapshot()["customers"]
    assert row["razao_cliente"] == "Pet Shop Feliz Comércio de Rações LTDA"
    assert (row["fantasia_cliente"], row["insc_estadual_cliente"], row["insc_municipal_cliente"]) == (
        "Pet Shop Feliz",
        "110042490114",
        "123456",
    )


def test_an_exempt_customer_is_isento(sandbox, make_vhsys):
    exempt = dataclasses.replace(COMPANY, state_registration="", ie_status=IeStatus.EXEMPT)
    make_vhsys().push(order(OS, "ODOO:fis:2", [service("Banho", "80.00")], exempt))
    assert sandbox.vhsys.snapshot()["customers"][0]["insc_estadual_cliente"] == "ISENTO"


def test_an_ie_odoo_has_no_opinion_on_is_never_overwritten(sandbox, make_vhsys):
    client = make_vhsys()
    client.push(order(OS, "ODOO:fis:3", [service("Banho", "80.00")]))
    unknown = dataclasses.replace(COMPANY, ie_status=None, state_registration="", email="novo@example.com")
    client.push(order(OS, "ODOO:fis:4", [service("Banho", "80.00")], unknown))
    puts = [
        r
        for r in sandbox.requests_log("vhsys")
        if r["method"] == "PUT" and r["path"].startswith("/clientes/")
    ]
    [row] = sandbox.vhsys.snapshot()["customers"]
    assert puts and row["email_cliente"] == "novo@example.com"  # the update happened...
    assert row["insc_estadual_cliente"] == "110042490114"  # ...and kept VHSYS's IE


def test_an_alphanumeric_cnpj_is_searched_masked_with_its_letters(sandbox, make_vhsys):
    alnum = dataclasses.replace(COMPANY, document="12ABC34501DE35")
    make_vhsys().push(order(OS, "ODOO:fis:5", [service("Banho", "80.00")], alnum))
    searches = [
        r["query"].get("cnpj_cliente") for r in sandbox.requests_log("vhsys") if r["path"] == "/clientes"
    ]
    assert searches[0] == "12.ABC.345/01DE-35"
    assert sandbox.vhsys.snapshot()["customers"][0]["cnpj_cliente"] == "12.ABC.345/01DE-35"


def test_an_alphanumeric_cnpj_stored_in_vhsys_is_matched_with_its_letters():
    from tecpet_erp_sync.erp.vhsys.customers import plain_document

    assert plain_document("12.abc.345/01de-35") == plain_document("12ABC34501DE35") == "12ABC34501DE35"


# -- goods: NCM, freight ----------------------------------------------------------------------
def goods(ncm="23091000", code="RACAO"):
    return Line(LineKind.GOODS, "Ração 10 kg", Decimal(1), Decimal("120.00"), code, ncm=ncm)


def test_a_created_product_carries_its_ncm(sandbox, make_vhsys):
    make_vhsys(allow_free_text_items=False).push(order(PV, "ODOO:ncm:1", [goods()]))
    assert sandbox.vhsys.snapshot()["products"][0]["ncm_produto"] == "23091000"


def test_a_product_vhsys_holds_keeps_its_ncm_and_gets_odoos_when_it_has_none(sandbox, make_vhsys):
    held = make_vhsys(allow_free_text_items=False)
    held.push(order(PV, "ODOO:ncm:2", [goods(ncm="23091000")]))
    make_vhsys(allow_free_text_items=False).push(order(PV, "ODOO:ncm:3", [goods(ncm="")]))  # VHSYS's own
    puts = [
        r for r in sandbox.requests_log("vhsys") if r["method"] == "PUT" and r["path"].startswith("/produtos")
    ]
    assert puts == [] and sandbox.vhsys.snapshot()["products"][0]["ncm_produto"] == "23091000"
    make_vhsys(allow_free_text_items=True).push(order(PV, "ODOO:ncm:4", [goods(ncm="", code="PETISCO")]))
    make_vhsys(allow_free_text_items=False).push(
        order(PV, "ODOO:ncm:5", [goods(ncm="23099010", code="PETISCO")])
    )
    by_code = {p["cod_produto"]: p["ncm_produto"] for p in sandbox.vhsys.snapshot()["products"]}
    assert by_code == {"RACAO": "23091000", "PETISCO": "23099010"}


def test_freight_goes_to_the_sales_order(sandbox, make_vhsys):
    lines = (goods(),)
    pv = dataclasses.replace(
        order(PV, "ODOO:frete:1", lines),
        freight=Decimal("19.90"),
        installments=(Installment(dt.date(2026, 7, 10), Decimal("139.90"), "Boleto"),),
    )
    result = make_vhsys().push(pv)
    row = sandbox.vhsys.pedidos[int(result.external_id)]["row"]
    assert (row["frete_pedido"], row["valor_total_nota"], row["desconto_pedido"]) == (
        "19.90",
        "139.90",
        "0.00",
    )
    with pytest.raises(DataError, match="installments"):  # the freight counts in the total check
        make_vhsys().push(
            dataclasses.replace(pv, marker="ODOO:frete:2", installments=(pv.installments[0],) * 2)
        )


# -- NFS-e -------------------------------------------------------------------------------------
def test_nfse_is_homologation_until_switched_and_never_shown_as_issued(sandbox, make_vhsys):
    test = make_vhsys(nfse=HOMOLOGATION)
    ref = DocRef(
        OS, test.push(order(OS, "ODOO:hom:1", [service("Banho", "80.00")])).external_id, "ODOO:hom:1"
    )
    with pytest.raises(SetupError, match="homologation") as info:
        test.issue_note(ref)
    [note] = notes(sandbox)
    assert note["ambiente"] == 2 and note["nota_emitida"] == 1 and note["NumeroNFS"] in info.value.message
    status = test.fetch_changes([ref], None).statuses[0]
    assert (
        status.state is DocState.OPEN
        and status.note_number == ""
        and "homologation" in status.note_rejection[0]
    )
    with pytest.raises(SetupError):  # asked again: the test note is not issued twice
        test.issue_note(ref)
    assert len(notes(sandbox)) == 1
    production = make_vhsys()  # an administrator switched to production
    issued = production.issue_note(ref)
    assert issued.state is DocState.ISSUED and [n["ambiente"] for n in notes(sandbox)] == [2, 1]
    assert production.fetch_changes([ref], None).statuses[0].note_number == issued.note_number


def test_no_draft_without_the_series_and_nature(sandbox, make_vhsys):
    client = make_vhsys(nfse=NfseSettings("production"))
    ref = DocRef(OS, client.push(order(OS, "ODOO:set:1", [service("Banho", "80.00")])).external_id)
    with pytest.raises(SetupError, match="series and nature"):
        client.issue_note(ref)
    assert notes(sandbox) == []


def test_a_draft_vhsys_refuses_names_the_setting(sandbox, make_vhsys):
    client = make_vhsys(nfse=NfseSettings("production", series="1", nature="1"))  # no seller
    ref = DocRef(OS, client.push(order(OS, "ODOO:set:2", [service("Banho", "80.00")])).external_id)
    with pytest.raises(DataError) as info:
        client.issue_note(ref)
    assert info.value.field == "vendedor_pedido" and "seller" in info.value.message


def test_an_nfe_issued_in_homologation_is_never_shown_as_issued(sandbox, make_vhsys):
    client = make_vhsys()
    ref = DocRef(PV, client.push(order(PV, "ODOO:hom:2", [goods()])).external_id)
    act(sandbox, "issue", PV, ref.external_id, ambiente=2)
    [row] = sandbox.vhsys.snapshot()["invoices"]
    recorded = capture("mercos")["nfe_rows"][1]  # a real homologation NF-e: issued, ambiente 2
    assert {k: row[k] for k in ("nota_emitida", "ambiente")} == {
        k: recorded[k] for k in ("nota_emitida", "ambiente")
    }
    status = client.fetch_changes([ref], None).statuses[0]
    assert status.state is DocState.OPEN and "homologation" in status.note_rejection[0]
    assert client.cancel(ref).state is DocState.CANCELED  # a test note does not block a cancel


def test_services_of_different_list_items_get_one_nfse_each(sandbox, make_vhsys):
    client = make_vhsys(nfse=dataclasses.replace(make_vhsys().options.nfse, service_item="0599"))
    lines = [
        service("Consulta", "100.00", "05.01"),
        service("Banho", "45.50", "05.08", qty=2),
        service("Taxa", "9.00"),
    ]
    ref = DocRef(OS, client.push(order(OS, "ODOO:items:1", lines)).external_id, "ODOO:items:1")
    status = client.issue_note(ref)
    number = sandbox.vhsys.ordens[int(ref.external_id)]["row"]["id_pedido"]
    made = sorted(
        (n["itemLista_servico"], n["valor_total_servicos"], n["desc_servicos"]) for n in notes(sandbox)
    )
    assert made == [
        ("05.01", "100.00", f"Consulta (OS {number})"),
        ("05.08", "91.00", f"Banho (OS {number})"),
        ("0599", "9.00", f"Taxa (OS {number})"),
    ]
    assert status.state is DocState.ISSUED and len(status.note_number.split(", ")) == 3
    assert client.issue_note(ref).note_number == status.note_number and len(notes(sandbox)) == 3


nfse_rows = switched("nfse_rows", "vhsys")


def test_a_lost_draft_is_adopted_only_when_it_is_provably_this_orders(sandbox, make_vhsys, nfse_rows):
    """Two OS of one customer for the same amount (two pets, same grooming): the one whose draft
    create lost its answer adopts its own draft, never the other's newer one (defect-review-2 N14)."""
    client = make_vhsys()
    first, second = (
        DocRef(
            OS,
            client.push(order(OS, f"ODOO:pets:{n}", [service("Banho", "80.00")])).external_id,
            f"ODOO:pets:{n}",
        )
        for n in (1, 2)
    )
    sandbox.faults.add(
        fault="timeout_after_write", provider="vhsys", method="POST", path="^/notas-servico$", delay=0.6
    )
    with pytest.raises(UnknownOutcome):
        client.issue_note(second)  # its draft exists, unanswered
    sandbox.control("nfse_reject", {"provider": "vhsys", "message": "Rejeição: serviço fora do horário"})
    with pytest.raises(DataError):
        make_vhsys().issue_note(first)  # the other pet's draft: newer, same customer and amount, not issued
    sandbox.control("nfse_reject", {"provider": "vhsys", "message": ""})
    second_note = make_vhsys().issue_note(second).note_number
    first_note = make_vhsys().issue_note(first).note_number
    drafts = sorted(notes(sandbox), key=lambda n: n["id_servico"])
    assert len(drafts) == 2 and all(n["nota_emitida"] for n in drafts)  # no third draft, no double note
    assert [n["NumeroNFS"] for n in drafts] == [second_note, first_note]  # each its own draft


def test_a_note_issued_in_vhsys_screens_stops_the_draft(sandbox, make_vhsys):
    client = make_vhsys()
    ref = DocRef(OS, client.push(order(OS, "ODOO:ui:1", [service("Banho", "80.00")])).external_id)
    act(sandbox, "issue", OS, ref.external_id, linked=0)  # in the NFS-e module: the OS is not flagged
    [note] = notes(sandbox)
    with pytest.raises(DataError) as info:
        client.issue_note(ref)
    assert note["NumeroNFS"] in info.value.message and "not by Odoo" in info.value.message
    assert len(notes(sandbox)) == 1


# -- what is never taken for a deletion (N17) ---------------------------------------------------
def test_an_empty_answer_or_one_not_found_is_never_a_deletion(sandbox, make_vhsys):
    client = make_vhsys()
    ref = DocRef(OS, client.push(order(OS, "ODOO:gone:1", [service("Banho", "80.00")])).external_id)
    path = rf"^/ordens-servico/{ref.external_id}$"
    sandbox.faults.add(fault="empty_answer", provider="vhsys", method="GET", path=path)
    changes = client.fetch_changes([ref], None)
    assert changes.statuses == () and [u.ref.external_id for u in changes.unreadable] == [ref.external_id]
    sandbox.faults.add(fault="not_found", provider="vhsys", method="GET", path=path)  # once: a glitch
    assert client.fetch_changes([ref], None).statuses[0].deleted is False
    sandbox.faults.add(fault="not_found", provider="vhsys", method="GET", path=path)
    assert client.cancel(ref).state is DocState.CANCELED and sandbox.vhsys.snapshot()["documents"][0][
        "status"
    ] == ("Cancelado")  # the cancel read it again: the order was there, and is cancelled
    sandbox.faults.add(fault="not_found", provider="vhsys", method="GET", path=path, count=2)
    status = client.fetch_changes([ref], None).statuses[0]
    assert status.deleted and status.state is DocState.CANCELED  # said twice: gone


# -- a cancel and the receivables (N23) -----------------------------------------------------------
def test_a_cancel_refuses_a_paid_receivable_and_removes_unpaid_ones(sandbox, make_vhsys):
    client = make_vhsys()
    paid, unpaid = (
        DocRef(OS, client.push(order(OS, f"ODOO:rec:{n}", [service("Banho", "80.00")])).external_id)
        for n in (1, 2)
    )
    act(sandbox, "pay", OS, paid.external_id)
    act(sandbox, "launch_receivables", OS, unpaid.external_id)
    with pytest.raises(DataError, match="Desliquidar"):
        client.cancel(paid)
    by_id = {d["id"]: d for d in sandbox.vhsys.snapshot()["documents"]}
    assert by_id[paid.external_id]["status"] == "Em Aberto" and by_id[paid.external_id]["receivables"] == 1
    client.cancel(unpaid)
    receivables = sandbox.vhsys.snapshot()["receivables"]
    assert [r["lixeira"] for r in receivables if r["identificacao"] == f"OS_{unpaid.external_id}"] == ["Sim"]


# -- lists read whole, searches bounded by time (N9) -------------------------------------------
def _seed_os(sandbox, count, marker="ODOO:bulk"):
    emulator = sandbox.vhsys

    def call(method, path, body):
        headers = {"access-token": "seed", "secret-access-token": "seed", "user-agent": "t"}
        answer = emulator.handle(Request(method, path, {}, headers, json.dumps(body).encode())).body
        assert answer["code"] == 200, answer
        return answer["data"]

    customer = call("POST", "/clientes", {"razao_cliente": "Seed", "cnpj_cliente": "529.982.247-25"})[
        "id_cliente"
    ]
    return [
        call(
            "POST",
            "/ordens-servico",
            {
                "id_cliente": customer,
                "nome_cliente": "Seed",
                "referencia_ordem": f"{marker}:{n}",
                "obs_interno_pedido": f"{marker}:{n}",
            },
        )["id_ordem"]
        for n in range(count)
    ]


def test_the_recorded_paging_is_what_the_sandbox_answers(sandbox, make_vhsys):
    import requests
    from tecpet_erp_sandbox.readback import VHSYS_HEADERS

    emulator = sandbox.vhsys
    for n in range(232):
        emulator.pedidos[n] = {"row": {"id_ped": n, "id_pedido": n, "lixeira": "Nao", "data_mod_pedido": ""}}
    answer = requests.get(
        sandbox.vhsys_url + "/pedidos", params={"limit": 5}, headers=VHSYS_HEADERS, timeout=5
    ).json()
    assert answer["paging"] == capture("mercos")["paging"]["pedidos"]


def _paging_as(sandbox, monkeypatch, kind):
    """Answers whose paging says the overall count otherwise: as captured, without ``total``, or
    with the two fields swapped (sources disagree on nothing else)."""
    handle = sandbox.vhsys.handle

    def answer(req):
        resp = handle(req)
        paging = resp.body.get("paging") if isinstance(resp.body, dict) else None
        if paging and kind == "no total":
            del paging["total"]
        elif paging and kind == "swapped":
            paging["total"], paging["total_count"] = paging["total_count"], paging["total"]
        return resp

    monkeypatch.setattr(sandbox.vhsys, "handle", answer)


@pytest.mark.parametrize("kind", ["captured", "no total", "swapped"])
def test_a_read_back_of_600_changed_documents_reaches_all_600(sandbox, make_vhsys, monkeypatch, kind):
    _paging_as(sandbox, monkeypatch, kind)
    ids = _seed_os(sandbox, 600)
    refs = [DocRef(OS, str(i)) for i in ids]
    statuses = make_vhsys().fetch_changes(refs, "2020-01-01T00:00:00-03:00").statuses
    assert len(statuses) == 600
    first = next(r for r in sandbox.requests_log("vhsys") if r["path"] == "/ordens-servico")
    assert first["query"]["limit"] == "250"


def test_the_marker_search_covers_the_claims_time_whatever_came_after(sandbox, make_vhsys):
    """An answer lost, then a Reprocess once 1,100 newer documents exist: the search by the Odoo
    document's creation still finds it, and never sends the order twice (N9)."""
    client = make_vhsys()
    created = dt.datetime.now(dt.timezone.utc)
    lost = order(OS, "ODOO:late:1", [service("Banho", "80.00")], created_at=created)
    first = client.push(lost)
    _seed_os(sandbox, 1100)
    start = len(sandbox.requests_log("vhsys"))
    again = make_vhsys().push(lost, maybe_exists=True)
    assert again.adopted and again.external_id == first.external_id
    searches = [r["query"] for r in sandbox.requests_log("vhsys")[start:] if r["path"] == "/ordens-servico"]
    assert searches and all(
        q["data_modificacao"] <= created.astimezone().strftime("%Y-%m-%d %H:%M:%S") for q in searches
    )


def test_the_client_and_the_sandbox_hold_vhsys_s_one_list_of_payment_methods():
    """The official enumeration, held twice on purpose (the client sends it, the emulator checks it
    as VHSYS does): this keeps them equal."""
    from tecpet_erp_sandbox.vhsys.common import PAYMENT_METHODS as EMULATED

    from tecpet_erp_sync.erp.vhsys.options import PAYMENT_METHODS, payment_method

    assert PAYMENT_METHODS == EMULATED
    assert (payment_method(" pix "), payment_method("CARTAO DE CREDITO"), payment_method("Bitcoin")) == (
        "PIX",
        "Cartão de Crédito",
        None,
    )


def test_check_account_goes_on_past_what_an_account_does_not_answer(sandbox, make_vhsys):
    """/situacoes is not in VHSYS's docs, and a probe may meet an outage: that fact says so, the
    tour goes on, and nothing is created."""
    sandbox.faults.add(fault="outage", provider="vhsys", method="GET", path="^/situacoes$", count=-1)
    sandbox.faults.add(fault="outage", provider="vhsys", method="GET", path="^/vendedores$", count=-1)
    facts = {f.key: f for f in make_vhsys().check_account()}
    assert facts["statuses"].value == "" and "not available" in facts["statuses"].answer[0]
    assert facts["sellers"].ok is False and "error" in facts["sellers"].answer[0]
    assert facts["paging"] and facts["nfse_settings"].ok
    assert [r for r in sandbox.requests_log("vhsys") if r["method"] != "GET"] == []
