"""The customer upsert (``erp/customers.py``) through both clients, against the sandbox over HTTP.

Every test runs for VHSYS and for Bling: the algorithm is one, the wire details are each client's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
import requests

from tecpet_erp_sync.erp.contract import (
    Address,
    Customer,
    CustomerBinding,
    DocType,
    Installment,
    Line,
    LineKind,
    OrderRequest,
)
from tecpet_erp_sync.erp.customers import differs, fingerprint, merged
from tecpet_erp_sync.erp.errors import DataError
from tecpet_erp_sync.erp.formatting import digits

CPF = "52998224725"


def customer(**changes):
    address = Address("Rua das Flores", "123", "Centro", "São Paulo", "SP", "01001000", "Apto 4")
    values = {
        "name": "Maria da Silva",
        "document": CPF,
        "is_company": False,
        "address": address,
        "phone": "+55 11 98765-4321",
        "email": "maria@example.com",
    }
    return Customer(**{**values, **changes})


def moved(cust):
    """The same customer after moving house and changing phone (what the issue's harness does)."""
    address = dataclasses.replace(
        cust.address, street="Avenida Paulista", number="1000", zip_code="01310100", complement="Sala 12"
    )
    return dataclasses.replace(cust, address=address, phone="(11) 3333-4444")


def order(n, cust, binding=None):
    line = Line(LineKind.SERVICE, "Banho e tosa", Decimal(1), Decimal("80.00"), "BANHO")
    return OrderRequest(
        DocType.SERVICE_ORDER,
        f"ODOO:upsert:{n}",
        f"INV/2026/{n:05d}",
        cust,
        (line,),
        (Installment(dt.date(2026, 7, 10), Decimal("80.00"), "PIX"),),
        dt.date(2026, 6, 10),
        customer_binding=binding,
    )


class Vhsys:
    """VHSYS's customer records as the tests read them."""

    name, path = "vhsys", "/clientes"

    def __init__(self, sandbox, make_vhsys):
        self.sandbox, self.client = sandbox, make_vhsys()

    def records(self, document=CPF):
        rows = self.sandbox.vhsys.clientes.values()
        return [r for r in rows if digits(r["cnpj_cliente"]) == document and r["lixeira"] != "Sim"]

    @staticmethod
    def seen(row):  # (street, CEP digits, phone, complement)
        phone = row["fone_cliente"] or row["celular_cliente"]
        return row["endereco_cliente"], digits(row["cep_cliente"]), phone, row["complemento_cliente"]

    def order_customer(self, result):
        return str(self.sandbox.vhsys.ordens[int(result.external_id)]["row"]["id_cliente"])

    def api(self, method, path, **kwargs):
        headers = {"access-token": "a", "secret-access-token": "b", "User-Agent": "tests/1"}
        return requests.request(method, self.sandbox.vhsys_url + path, headers=headers, timeout=5, **kwargs)

    def create_by_hand(self):
        """A customer a person typed in VHSYS (old address, no phone), as VHSYS stores it."""
        body = {"razao_cliente": "MARIA DA SILVA", "cnpj_cliente": "529.982.247-25", "tipo_pessoa": "PF"}
        body |= {"endereco_cliente": "Rua Velha", "numero_cliente": "1", "observacoes_cliente": "VIP"}
        return str(self.api("POST", "/clientes", json=body).json()["data"]["id_cliente"])

    def delete(self, external_id):
        self.api("DELETE", f"/clientes/{external_id}")

    refused = {"address": Address("Rua das Flores", "12345678", "Centro", "São Paulo", "SP", "01001000")}
    refused_field = "numero_cliente"


class Bling:
    """Bling's contacts as the tests read them."""

    name, path = "bling", "/contatos"

    def __init__(self, sandbox, make_bling):
        self.sandbox, self.client = sandbox, make_bling()

    def records(self, document=CPF):
        rows = self.sandbox.bling.contacts.values()
        return [c for c in rows if digits(c["numeroDocumento"]) == document and c["situacao"] != "E"]

    @staticmethod
    def seen(contact):
        geral = contact["endereco"]["geral"]
        return geral["endereco"], digits(geral["cep"]), contact["telefone"], geral["complemento"]

    def order_customer(self, result):
        return str(self.sandbox.bling.orders[int(result.external_id)]["contato"]["id"])

    def api(self, method, path, **kwargs):
        token = self.sandbox.bling.control("issue_tokens", {})["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        return requests.request(method, self.sandbox.bling_url + path, headers=headers, timeout=5, **kwargs)

    def create_by_hand(self):
        body = {"nome": "MARIA DA SILVA", "tipo": "F", "situacao": "I", "numeroDocumento": "529.982.247-25"}
        body |= {"fantasia": "Maria Pet", "endereco": {"geral": {"endereco": "Rua Velha", "numero": "1"}}}
        return str(self.api("POST", "/contatos", json=body).json()["data"]["id"])

    def delete(self, external_id):  # the sandbox has no DELETE /contatos: Bling's "excluído" state
        self.sandbox.bling.contacts[int(external_id)]["situacao"] = "E"

    refused = {"phone": "0800 345 1001"}
    refused_field = "telefone"


@pytest.fixture(params=["vhsys", "bling"])
def erp(request, sandbox):
    if request.param == "vhsys":
        return Vhsys(sandbox, request.getfixturevalue("make_vhsys"))
    return Bling(sandbox, request.getfixturevalue("make_bling"))


def customer_calls(erp, method=""):
    return erp.sandbox.count_requests(erp.name, method, erp.path)


def test_new_customer_is_created_with_its_complement(erp):
    result = erp.client.push(order(1, customer()))
    [record] = erp.records()
    assert erp.seen(record) == ("Rua das Flores", "01001000", "(11) 98765-4321", "Apto 4")
    assert result.customer.external_id == erp.order_customer(result)
    assert result.customer.fingerprint == fingerprint(erp.client.customers.customer_payload(customer()))


def test_unchanged_returning_customer_costs_no_call(erp):
    first = erp.client.push(order(1, customer()))
    before = customer_calls(erp)
    second = erp.client.push(order(2, customer(), first.customer))
    assert customer_calls(erp) == before, "a remembered, unchanged customer is neither searched nor read"
    assert second.customer == first.customer
    assert erp.order_customer(second) == first.customer.external_id


def test_an_odoo_change_that_does_not_change_the_payload_costs_nothing(erp):
    first = erp.client.push(order(1, customer()))
    before = customer_calls(erp)
    retyped = customer(name="  Maria da Silva ", phone="11 98765 4321")  # same once formatted
    erp.client.push(order(2, retyped, first.customer))
    assert customer_calls(erp) == before


def test_changed_customer_costs_one_update_and_stays_one_record(erp):
    first = erp.client.push(order(1, customer()))
    before_put, before_all = customer_calls(erp, "PUT"), customer_calls(erp)
    second = erp.client.push(order(2, moved(customer()), first.customer))
    assert customer_calls(erp, "PUT") - before_put == 1
    # VHSYS takes partial updates: the PUT alone. Bling's PUT replaces the record: GET, then PUT.
    assert customer_calls(erp) - before_all == (1 if erp.name == "vhsys" else 2)
    [record] = erp.records()
    assert erp.seen(record) == ("Avenida Paulista", "01310100", "(11) 3333-4444", "Sala 12")
    assert second.customer.external_id == first.customer.external_id == erp.order_customer(second)
    assert second.customer.fingerprint != first.customer.fingerprint
    # The new fingerprint is remembered: the next send of the moved customer costs nothing.
    before = customer_calls(erp)
    erp.client.push(order(3, moved(customer()), second.customer))
    assert customer_calls(erp) == before


def test_removed_complement_is_cleared_in_the_erp(erp):
    first = erp.client.push(order(1, customer()))
    plain = customer(address=dataclasses.replace(customer().address, complement=""))
    erp.client.push(order(2, plain, first.customer))
    [record] = erp.records()
    assert erp.seen(record)[3] == ""


def test_unknown_customer_found_in_the_erp_is_updated_not_duplicated(erp):
    existing = erp.create_by_hand()
    result = erp.client.push(order(1, customer()))
    assert result.customer.external_id == existing == erp.order_customer(result)
    assert customer_calls(erp, "POST") == 1 and customer_calls(erp, "PUT") == 1  # the hand-made one
    [record] = erp.records()
    assert erp.seen(record) == ("Rua das Flores", "01001000", "(11) 98765-4321", "Apto 4")
    if erp.name == "bling":  # what we do not manage survives the full-record PUT, and it is active
        assert record["fantasia"] == "Maria Pet" and record["situacao"] == "A"
    else:
        assert record["observacoes_cliente"] == "VIP"


def test_unknown_customer_found_with_the_same_data_is_not_written(erp):
    erp.client.push(order(1, customer()))
    puts = customer_calls(erp, "PUT")
    erp.client.push(order(2, customer()))  # no binding (e.g. Odoo's was lost): found, same data
    assert customer_calls(erp, "PUT") == puts
    assert len(erp.records()) == 1


def test_refused_update_is_a_data_error_naming_the_field(erp):
    first = erp.client.push(order(1, customer()))
    with pytest.raises(DataError) as caught:
        erp.client.push(order(2, customer(**erp.refused), first.customer))
    assert caught.value.field == erp.refused_field
    assert customer_calls(erp, "PUT") == 1 and customer_calls(erp, "POST") == 1, "no second customer"
    assert len(erp.records()) == 1
    assert erp.seen(erp.records()[0])[0] == "Rua das Flores", "the refused update changed nothing"


def test_cep_outside_the_correios_base_is_refused_on_update_too(erp):
    first = erp.client.push(order(1, customer()))
    unknown = dataclasses.replace(customer().address, zip_code="00012345")  # well formed, no such CEP
    with pytest.raises(DataError) as caught:
        erp.client.push(order(2, customer(address=unknown), first.customer))
    assert caught.value.field == ("cep_cliente" if erp.name == "vhsys" else "cep")
    assert "Correios" in caught.value.erp_message


def test_binding_the_erp_no_longer_knows_falls_back_to_find_or_create(erp):
    first = erp.client.push(order(1, customer()))
    erp.delete(first.customer.external_id)
    second = erp.client.push(order(2, moved(customer()), first.customer))
    assert second.customer.external_id != first.customer.external_id
    assert second.customer.external_id == erp.order_customer(second)
    [record] = erp.records()
    assert erp.seen(record)[0] == "Avenida Paulista"
    gone = CustomerBinding("999999", "stale")  # an id this ERP never had
    third = erp.client.push(order(3, moved(customer()), gone))
    assert third.customer.external_id == second.customer.external_id, "found by CPF, not created"
    assert len(erp.records()) == 1


def test_unchanged_binding_of_a_customer_the_erp_lost_is_checked_and_the_push_retried(erp):
    first = erp.client.push(order(1, customer()))
    store = erp.sandbox.vhsys.clientes if erp.name == "vhsys" else erp.sandbox.bling.contacts
    store.clear()  # purged in the ERP (or the account was reset): the binding points to nothing
    second = erp.client.push(order(2, customer(), first.customer))
    assert second.customer.external_id == erp.order_customer(second) != first.customer.external_id
    assert len(erp.records()) == 1
    marker = order(2, customer()).marker
    live = [d for d in erp.sandbox.control("state", {})[erp.name]["documents"] if d["marker"] == marker]
    assert len(live) == 1, "the refused create left nothing: one document"


def test_adopted_document_still_brings_the_customer_up_to_date(erp):
    first = erp.client.push(order(1, customer()))
    again = erp.client.push(order(1, moved(customer()), first.customer), maybe_exists=True)
    assert again.adopted and again.customer.fingerprint != first.customer.fingerprint
    assert erp.seen(erp.records()[0])[0] == "Avenida Paulista"


# -- the provider-neutral helpers ---------------------------------------------------------------
def test_fingerprint_ignores_key_order_and_sees_every_value():
    assert fingerprint({"a": 1, "b": {"c": "x", "d": ""}}) == fingerprint({"b": {"d": "", "c": "x"}, "a": 1})
    assert fingerprint({"a": 1, "b": {"c": "x"}}) != fingerprint({"a": 1, "b": {"c": "y"}})
    assert fingerprint({"a": ""}) != fingerprint({})


def test_differs_and_merged_look_only_at_our_keys():
    current = {"nome": "Ana", "indicadorIe": "9", "endereco": {"geral": {"cep": "01001-000", "x": 1}}, "y": 2}
    assert not differs(
        current, {"nome": "Ana", "indicadorIe": 9, "endereco": {"geral": {"cep": "01001-000"}}}
    )
    assert differs(current, {"endereco": {"geral": {"cep": "01310-100"}}})
    assert differs({"complemento": None}, {"complemento": "Sala 1"})
    assert not differs({"complemento": None}, {"complemento": ""})
    result = merged(current, {"nome": "Ana Souza", "endereco": {"geral": {"cep": "01310-100"}}})
    assert result == {**current, "nome": "Ana Souza", "endereco": {"geral": {"cep": "01310-100", "x": 1}}}
