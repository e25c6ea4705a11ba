"""Brazilian fiscal data as Bling takes it (issue 19): the customer's IE and its indicator, legal
and trade names, IM, alphanumeric CNPJ; each service's NFS-e code; goods with an NCM or from the
catalogue; freight; one payment method per installment."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
import requests

from tecpet_erp_sync.erp.contract import DocRef, DocType, IeStatus, Installment, Line, LineKind
from tecpet_erp_sync.erp.errors import DataError

SO, PV = DocType.SERVICE_ORDER, DocType.SALES_ORDER
ALNUM_CNPJ = "12ABC34501DE35"  # the Receita's example of a CNPJ issued from July 2026


def api(sandbox, method, path, **kwargs):
    token = sandbox.bling.control("issue_tokens", {})["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, sandbox.bling_url + path, headers=headers, timeout=5, **kwargs)


def company(order, **changes):
    customer = dataclasses.replace(
        order.customer, name="Pet Corp Comércio Ltda", document="11222333000181", is_company=True
    )
    return dataclasses.replace(order, customer=dataclasses.replace(customer, **changes))


def contact(sandbox):
    [only] = sandbox.bling.contacts.values()
    return only


@pytest.mark.parametrize(
    ("status", "ie", "expected"),
    [
        (IeStatus.CONTRIBUTOR, "110.042.490.114", (1, "110.042.490.114")),
        (IeStatus.EXEMPT, "ISENTO", (2, "")),
        (IeStatus.NON_CONTRIBUTOR, "", (9, "")),
        (None, "", (9, "")),  # a new contact Odoo says nothing of: "não contribuinte"
    ],
)
def test_the_ie_indicator_follows_the_customer(sandbox, make_bling, bling_order, status, ie, expected):
    order = company(bling_order(SO), state_registration=ie, ie_status=status, trade_name="Pet Corp")
    make_bling().push(order)
    held = contact(sandbox)
    assert (held["indicadorIe"], held["ie"]) == expected
    assert (held["nome"], held["fantasia"]) == ("Pet Corp Comércio Ltda", "Pet Corp")


def test_an_update_without_an_opinion_on_icms_keeps_blings_own(sandbox, make_bling, bling_order):
    client = make_bling()
    order = company(bling_order(SO), state_registration="110.042.490.114", ie_status=IeStatus.CONTRIBUTOR)
    client.push(order)
    unknown = company(bling_order(SO), ie_status=None, email="novo@example.com")  # an update: new e-mail
    client.push(unknown)
    held = contact(sandbox)
    assert held["email"] == "novo@example.com"
    assert (held["indicadorIe"], held["ie"]) == (1, "110.042.490.114")  # never forced to 9


def test_an_alphanumeric_cnpj_is_created_found_and_never_reduced_to_digits(sandbox, make_bling, bling_order):
    client = make_bling()
    order = company(bling_order(SO), document=ALNUM_CNPJ)
    client.push(order)
    client.push(company(bling_order(SO), document=ALNUM_CNPJ))  # found again by its document
    held = contact(sandbox)
    assert held["numeroDocumento"] == ALNUM_CNPJ and held["tipo"] == "J"
    searches = [
        r["query"] for r in sandbox.requests_log("bling") if r["path"] == "/contatos" and r["method"] == "GET"
    ]
    assert {q["numeroDocumento"] for q in searches} == {ALNUM_CNPJ}


def test_the_nfse_names_the_municipal_registration_and_each_services_code(sandbox, make_bling, bling_order):
    lines = (
        Line(LineKind.SERVICE, "Consulta", Decimal(1), Decimal("120"), "CONS", service_code="0501"),
        Line(LineKind.SERVICE, "Banho e tosa", Decimal(1), Decimal("80"), "BANHO", service_code="0508"),
        Line(LineKind.SERVICE, "Taxa", Decimal(1), Decimal("10"), "TAXA"),  # the integration's default
    )
    due = dt.date.today()
    order = company(
        bling_order(SO, lines=lines, installments=(Installment(due, Decimal("210"), "PIX"),)),
        municipal_registration="1234567",
    )
    client = make_bling(service_code="0101")
    ref = DocRef(SO, client.push(order).external_id)
    client.issue_note(ref)
    [note] = sandbox.bling.nfses.values()
    assert [(s["codigo"], s["valor"]) for s in note["_servicos"]] == [
        ("0501", 120),
        ("0508", 80),
        ("0101", 10),
    ]
    assert note["_im"] == "1234567" and contact(sandbox)["inscricaoMunicipal"] == "1234567"


def test_goods_without_ncm_outside_the_catalogue_are_refused_before_anything_is_sent(
    sandbox, make_bling, bling_order
):
    line = Line(LineKind.GOODS, "Coleira", Decimal(1), Decimal("30"), "COL-1")
    order = bling_order(PV, lines=(line,), installments=(Installment(dt.date.today(), Decimal(30), "PIX"),))
    with pytest.raises(DataError) as caught:
        make_bling().push(order)
    assert (
        caught.value.field == "erp_ncm"
        and "Coleira" in caught.value.message
        and "COL-1" in caught.value.message
    )
    assert sandbox.requests_log("bling") and not [
        r for r in sandbox.requests_log("bling") if r["method"] != "GET"
    ]
    result = make_bling(allow_free_text_items=True).push(order)  # the integration allows free text
    assert sandbox.bling.orders[int(result.external_id)]["itens"][0]["produto"] == {"id": 0}
    without_code = bling_order(PV, lines=(dataclasses.replace(line, product_code="", ncm="42010090"),))
    with pytest.raises(DataError, match="no internal reference") as caught:
        make_bling().push(without_code)
    assert caught.value.field == "default_code"


def test_goods_with_an_ncm_become_catalogue_products_and_catalogue_ones_keep_theirs(
    sandbox, make_bling, bling_order
):
    held = {"nome": "Ração", "codigo": "RAC10", "tipo": "P", "situacao": "A", "formato": "S"}
    held["tributacao"] = {"ncm": "23091000"}
    known = api(sandbox, "POST", "/produtos", json=held).json()["data"]["id"]
    lines = (
        Line(LineKind.GOODS, "Ração 10 kg", Decimal(1), Decimal("100"), "RAC10"),  # no NCM in Odoo
        Line(LineKind.GOODS, "Coleira", Decimal(2), Decimal("30"), "COL-1", ncm="4201.00.90"),
    )
    due = dt.date.today()
    client = make_bling()
    result = client.push(bling_order(PV, lines=lines, installments=(Installment(due, Decimal(160), "PIX"),)))
    made = next(p for p in sandbox.bling.produtos.values() if p["codigo"] == "COL-1")
    assert made["tributacao"]["ncm"] == "42010090" and made["tipo"] == "P"
    items = sandbox.bling.orders[int(result.external_id)]["itens"]
    assert [i["produto"]["id"] for i in items] == [known, made["id"]]
    assert client.issue_note(DocRef(PV, result.external_id)).note_number  # the NF-e has its NCMs


def test_freight_goes_to_the_orders_transport(sandbox, make_bling, bling_order):
    order = bling_order(PV)  # 2 × 45.50
    due = dt.date.today()
    order = dataclasses.replace(
        order, freight=Decimal("15.90"), installments=(Installment(due, Decimal("106.90"), "PIX"),)
    )
    result = make_bling().push(order)
    stored = sandbox.bling.orders[int(result.external_id)]
    assert stored["transporte"]["frete"] == 15.90 and stored["total"] == 106.90
    assert [i["descricao"] for i in stored["itens"]] == ["Ração 10 kg"]  # not an item
    assert sum(p["valor"] for p in stored["parcelas"]) == 106.90
