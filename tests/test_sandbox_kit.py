"""The emulators' shared kit and the rules they take from libraries, seen over HTTP."""

import pytest
import requests


def bling(sandbox, method, path, **kwargs):
    token = sandbox.bling.control("issue_tokens", {})["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, sandbox.bling_url + path, headers=headers, timeout=5, **kwargs)


@pytest.mark.parametrize(
    ("tipo", "document", "accepted"),
    [
        ("F", "529.982.247-25", True),
        ("F", "529.982.247-24", False),  # a wrong check digit
        ("F", "111.111.111-11", False),  # right digits, one repeated digit: Bling refuses it
        ("J", "11.222.333/0001-81", True),
        ("J", "11.222.333/0001-80", False),
        ("J", "11111111111111", False),
    ],
)
def test_bling_checks_the_cpf_and_cnpj_check_digits(sandbox, tipo, document, accepted):
    body = {"nome": "Ana", "tipo": tipo, "numeroDocumento": document}
    resp = bling(sandbox, "POST", "/contatos", json=body)
    if accepted:
        assert resp.status_code == 201, resp.text
    else:
        assert resp.status_code == 400
        fields = resp.json()["error"]["fields"]
        assert [f["element"] for f in fields] == ["numeroDocumento"]
        assert fields[0]["msg"] == f"O campo {'CPF' if tipo == 'F' else 'CNPJ'} é inválido"


def test_router_matches_method_and_path_and_passes_the_ids():
    from tecpet_erp_sandbox.emulator import Router

    router = Router(
        [("GET", "/pedidos/{id}/itens/{id}", "_get_item"), ("PUT", "/pedidos/{id}", "_put", "pedidos")]
    )
    route, ids = router.find("GET", "/pedidos/12/itens/7")
    assert (route.handler, ids) == ("_get_item", [12, 7])
    assert router.find("PUT", "/pedidos/3")[0].scope == "pedidos"
    assert router.find("GET", "/pedidos/3") is None  # another method
    assert router.knows("/pedidos/3") and not router.knows("/pedidos/x")


def test_sequences_count_from_their_start():
    from tecpet_erp_sandbox.emulator import Sequences

    ids = Sequences({"pedido": 100, "numero": 0})
    assert [ids.next("pedido"), ids.next("pedido"), ids.next("numero")] == [101, 102, 1]


@pytest.mark.parametrize("provider", ["vhsys", "bling"])
def test_an_unknown_control_action_is_named(sandbox, provider):
    with pytest.raises(ValueError, match=f"unknown {provider} action 'levitate'"):
        getattr(sandbox, provider).control("levitate", {})


def test_a_document_action_names_the_missing_document(sandbox):
    with pytest.raises(ValueError, match="no service_order with id 9"):
        sandbox.vhsys.control("pay", {"doc_type": "service_order", "id": 9})
    with pytest.raises(ValueError, match="no pedido 9"):
        sandbox.bling.control("pay", {"id": 9})
