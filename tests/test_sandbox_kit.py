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
