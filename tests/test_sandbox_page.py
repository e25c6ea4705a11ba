"""The sandbox's web page: its fault form works as a person uses it, and faults can be cleared."""

import requests

from tecpet_erp_sync.erp.links import api_url_for, document_url


def test_fault_form_sends_text_and_the_rule_works(sandbox):
    # The browser posts the form urlencoded: every value is text.
    resp = requests.post(
        sandbox.url + "/_control/faults",
        data={"fault": "server_error", "provider": "vhsys", "path": "", "count": "1", "redirect": "1"},
        allow_redirects=False,
        timeout=5,
    )
    assert resp.status_code == 303
    first = requests.get(sandbox.vhsys_url + "/clientes", headers={"User-Agent": "t"}, timeout=5)
    assert first.status_code == 500  # the fault hit once...
    page = requests.get(sandbox.url + "/", timeout=5).text
    assert "faults injected: 1" in page
    second = requests.get(sandbox.vhsys_url + "/clientes", headers={"User-Agent": "t"}, timeout=5)
    assert second.status_code != 500  # ...and only once


def test_fault_form_refuses_a_count_that_is_no_number(sandbox):
    resp = requests.post(
        sandbox.url + "/_control/faults", data={"fault": "server_error", "count": "two"}, timeout=5
    )
    assert resp.status_code == 400
    assert "count must be a number" in resp.json()["error"]


def test_page_lists_active_faults_and_clears_them(sandbox):
    requests.post(
        sandbox.url + "/_control/faults", data={"fault": "outage", "count": "-1", "redirect": "1"}, timeout=5
    )
    page = requests.get(sandbox.url + "/", timeout=5).text
    assert "until cleared" in page and "clear faults" in page
    resp = requests.post(
        sandbox.url + "/_control/clear_faults", data={"redirect": "1"}, allow_redirects=False, timeout=5
    )
    assert resp.status_code == 303
    assert "No fault rule active." in requests.get(sandbox.url + "/", timeout=5).text


def test_document_links():
    assert document_url("bling", "https://api.bling.com.br/Api/v3", "sales_order", "42") == (
        "https://www.bling.com.br/vendas.php#edit/42"
    )
    vhsys = document_url("vhsys", "https://api.vhsys.com/v2", "service_order", "7")
    assert vhsys.startswith("https://app.vhsys.com.br/") and vhsys.endswith("#!editar/7")
    # An integration on the sandbox opens the sandbox page, at the document's row.
    assert document_url("vhsys", "http://127.0.0.1:8123/vhsys/v2", "sales_order", "9") == (
        "http://127.0.0.1:8123/#vhsys-sales_order-9"
    )
    assert document_url("vhsys", "https://api.vhsys.com/v2", "service_order", "") == ""


def test_vhsys_sandbox_refuses_a_wrong_secret_by_default(sandbox):
    def call(secret):
        headers = {"access-token": "acct-1", "secret-access-token": secret, "User-Agent": "t"}
        # An empty list is a 403 in VHSYS too: tell the refusal by its text.
        return (
            "Acesso negado"
            not in requests.get(sandbox.vhsys_url + "/clientes", headers=headers, timeout=5).text
        )

    assert call("right-secret")
    assert not call("wrong-secret")
    assert call("right-secret")


def test_switching_provider_switches_the_api_url():
    assert api_url_for("bling", "https://api.vhsys.com/v2") == "https://api.bling.com.br/Api/v3"
    assert api_url_for("vhsys", "") == "https://api.vhsys.com/v2"
    assert api_url_for("bling", "http://127.0.0.1:8070/vhsys/v2") == "http://127.0.0.1:8070/bling/Api/v3"
    assert api_url_for("vhsys", "http://localhost:8070/bling/Api/v3/") == "http://localhost:8070/vhsys/v2"
    assert api_url_for("bling", "https://proxy.example.com/vhsys") == "https://proxy.example.com/vhsys"
