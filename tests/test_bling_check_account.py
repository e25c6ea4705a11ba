"""Check account for Bling (``BlingClient.check_account``): a read-only tour that tells each fact
the client relies on as the account answers it, in each position of the sandbox's switches; and
the client using what it found."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sandbox_switches import switched

from tecpet_erp_sync.erp.bling import BlingClient, BlingOptions
from tecpet_erp_sync.erp.bling_oauth import BlingTokenManager, MemoryTokenStore, TokenSet
from tecpet_erp_sync.erp.contract import DocRef, DocType, Installment, Line, LineKind
from tecpet_erp_sync.erp.ratelimit import RateLimiter

SO, PV = DocType.SERVICE_ORDER, DocType.SALES_ORDER

numeros_lojas_filter = switched("numeros_lojas_filter")
nfe_numero_loja_filter = switched("nfe_numero_loja_filter")
item_valor_on_get = switched("item_valor_on_get")
rps_numero = switched("rps_numero")
rps_api_advances = switched("rps_api_advances")


def facts_of(client):
    return {fact.key: fact for fact in client.check_account()}


@pytest.fixture
def busy_account(sandbox, make_bling, bling_order):
    """An account with an issued NFS-e and a discounted sales order with its NF-e (a service
    order's items lose their discount when Odoo writes the order back: net prices, desconto 0)."""
    client = make_bling()
    client.issue_note(DocRef(SO, client.push(bling_order(SO)).external_id))
    line = Line(
        LineKind.GOODS,
        "Ração",
        Decimal(3),
        Decimal("33.33"),
        "RAC10",
        discount_percent=Decimal(10),
        ncm="23091000",
    )
    due = dt.date.today()
    order = bling_order(PV, lines=(line,), installments=(Installment(due, Decimal("89.99"), "PIX"),))
    client.issue_note(DocRef(PV, client.push(order).external_id))
    return client


def test_the_tour_reads_only_and_stays_small(sandbox, busy_account, make_bling):
    start = len(sandbox.requests_log("bling"))
    facts = make_bling(mapped_payment_methods=("Boleto", "PIX")).check_account()
    tour = sandbox.requests_log("bling")[start:]
    assert {r["method"] for r in tour} == {"GET"} and len(tour) <= 30
    assert all(r["status"] == 200 for r in tour)
    for fact in facts:  # every text is a template with its parameters, rendered in any language
        for template, params in (fact.fact, fact.answer, fact.consequence):
            assert template % params
    keys = [fact.key for fact in facts]
    assert len(keys) == len(set(keys))
    assert {
        "bling_company_document",
        "bling_situacoes",
        "bling_payment_method_2101002",
        "bling_payment_method_2101003",
        "bling_rps_numbering",
        "bling_nfse_service_codes",
        "bling_numeros_lojas_filter",
        "bling_item_valor_net",
        "bling_nfe_numero_loja_filter",
        "bling_receivables_by_order_date",
        "bling_missing_scopes",
        "bling_rate_limit_headers",
    } <= set(keys)
    assert all(fact.ok is not False for fact in facts), [f for f in facts if f.ok is False]


def test_the_company_is_named_by_its_cnpj(sandbox, make_bling):
    client = make_bling()
    assert client.test_connection().account_document == "11222333000181"
    fact = facts_of(client)["bling_company_document"]
    assert fact.value == "11222333000181" and fact.ok


def test_the_same_tokens_opening_another_account_tell_its_cnpj_until_the_reset(sandbox, make_bling):
    """What Test connection sees when the tokens are another account's (N11): another company."""
    client = make_bling()
    sandbox.control("set_company", {"provider": "bling", "cnpj": "45.678.912/0001-55", "nome": "Outra Ltda"})
    info = client.test_connection()
    assert (info.account_document, info.account_name) == ("45678912000155", "Outra Ltda")
    sandbox.reset()
    assert sandbox.bling.empresa["cnpj"] == "11.222.333/0001-81"


def test_the_filters_are_told_as_the_account_treats_them(
    numeros_lojas_filter, nfe_numero_loja_filter, busy_account, make_bling
):
    facts = facts_of(make_bling())
    assert facts["bling_numeros_lojas_filter"].value is (numeros_lojas_filter == "honoured")
    assert facts["bling_nfe_numero_loja_filter"].value is (nfe_numero_loja_filter == "honoured")


def test_an_empty_account_cannot_tell_and_says_so(sandbox, make_bling):
    facts = facts_of(make_bling())
    for key in ("bling_numeros_lojas_filter", "bling_nfe_numero_loja_filter", "bling_item_valor_net"):
        assert facts[key].value is None and facts[key].ok is not False
    assert facts["bling_rps_numbering"].value is None


def test_net_item_prices_are_told(item_valor_on_get, busy_account, make_bling):
    assert facts_of(make_bling())["bling_item_valor_net"].value is (item_valor_on_get == "net")


def test_the_rps_numbering_is_told(rps_numero, rps_api_advances, busy_account, make_bling):
    """The switches are set before the account gets its notes (fixtures in argument order)."""
    numbering = facts_of(make_bling())["bling_rps_numbering"].value
    if rps_api_advances == "yes":
        assert numbering == rps_numero
    else:  # the settings stayed behind the notes made through the API
        assert numbering == ("last" if rps_numero == "next" else "behind")


def test_missing_scopes_are_named(sandbox, bling_tokens):
    sandbox.bling.control(
        "register_app",
        {"client_id": "narrow", "client_secret": "s", "scopes": "empresas,pedidos,contatos,situacoes"},
    )
    store = MemoryTokenStore()
    store.save(TokenSet.from_response(sandbox.bling.control("issue_tokens", {"client_id": "narrow"}), 0.0))
    tokens = BlingTokenManager(sandbox.bling_url + "/oauth/token", "narrow", "s", store)
    sandbox.bling.control("rate_limit", {"enabled": 0})
    client = BlingClient(
        sandbox.bling_url,
        tokens,
        options=BlingOptions(account_key="narrow"),
        rate_limiter=RateLimiter(1000, 1.0),
    )
    scopes = facts_of(client)["bling_missing_scopes"]
    client.close()
    assert scopes.ok is False
    for label in (
        "Contas a Receber",
        "Formas de Pagamento",
        "Notas Fiscais",
        "Notas Fiscais de Serviço",
        "Produtos",
    ):
        assert label in scopes.value


def test_a_method_that_makes_no_receivable_or_does_not_exist_is_flagged(sandbox, make_bling):
    mapped = ("Boleto", "Vale-presente", "2101005")
    facts = facts_of(make_bling(payment_method_id="Cartão de débito", mapped_payment_methods=mapped))
    assert facts["bling_payment_method_2101006"].ok is False
    assert "Caixa e bancos" in facts["bling_payment_method_2101006"].answer[1]["destino"]
    assert facts["bling_payment_method_2101002"].ok is True
    assert facts["bling_payment_method_Vale-presente"].ok is False  # no such method in Bling
    assert "inactive" in facts["bling_payment_method_2101005"].answer[0]  # Cheque, inactive
    assert facts["bling_payment_method_2101005"].ok is False


def test_a_missing_cancel_situacao_and_service_code_are_flagged(sandbox, make_bling):
    facts = facts_of(make_bling(cancel_situacao="Anulado", service_code="9999"))
    assert (
        facts["bling_situacoes"].ok is False and "Anulado" in facts["bling_situacoes"].consequence[1]["name"]
    )
    assert facts["bling_nfse_service_codes"].ok is False
    assert facts["bling_nfse_service_codes"].value == "0501,0508"


def test_a_filter_found_ignored_is_never_used(sandbox, make_bling, bling_order):
    client = make_bling()
    order = bling_order(SO)
    first = client.push(order)
    sandbox.bling.set_switch("numeros_lojas_filter", "ignored")
    facts = {key: fact.value for key, fact in facts_of(client).items()}
    assert facts["bling_numeros_lojas_filter"] is False
    start = len(sandbox.requests_log("bling"))
    again = make_bling(facts=facts).push(dataclasses.replace(order), maybe_exists=True)
    assert again.adopted and again.external_id == first.external_id
    searched = [r["query"] for r in sandbox.requests_log("bling")[start:] if r["path"] == "/pedidos/vendas"]
    assert searched and all("numerosLojas[]" not in q for q in searched)
