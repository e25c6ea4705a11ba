"""A document's history of tries (issue 22 point 3): what the transport tells its observer, and
what the history keeps once scrubbed of secrets and personal data."""

import pytest

from tecpet_erp_sync.erp import attempts, outcome
from tecpet_erp_sync.erp.attempts import CNPJ_MASK, CPF_MASK, EMAIL_MASK, PHONE_MASK, TOKEN_MASK, scrub
from tecpet_erp_sync.erp.errors import AuthError, DataError, RateLimited, SetupError, TransientError
from tecpet_erp_sync.erp.http import HttpTransport

ACCESS_TOKEN = "0f3c2b1a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("O CPF 529.982.247-25 já está cadastrado", [CPF_MASK, "já está cadastrado"], ["529.982.247-25"]),
        ("CPF 52998224725 inválido", [CPF_MASK], ["52998224725"]),
        ("CNPJ 11.222.333/0001-81 e 11222333000181", [CNPJ_MASK], ["11.222.333/0001-81", "11222333000181"]),
        ("CNPJ alfanumérico 12.ABC.345/01DE-35", [CNPJ_MASK], ["12.ABC.345/01DE-35"]),
        ("Contato maria.silva@example.com.br duplicado", [EMAIL_MASK, "duplicado"], ["maria.silva"]),
        ("Telefone (11) 98765-4321 ou +55 11 3333-4444", [PHONE_MASK], ["98765-4321", "3333-4444"]),
        (f"Authorization: Bearer {ACCESS_TOKEN}", [f"Bearer {TOKEN_MASK}"], [ACCESS_TOKEN]),
        ('{"refresh_token": "short1", "client_secret": "abc"}', ['"refresh_token": "***"'], ["short1"]),
        (f"token inválido {ACCESS_TOKEN}", [TOKEN_MASK, "token inválido"], [ACCESS_TOKEN]),
        # ERP ids, NF-e keys, money and dates stay readable: support needs them.
        ("Pedido 16020374393 não encontrado", ["16020374393"], []),
        ("Chave 35240111222333000181550010000001231000001234", ["3524011122233300018155"], []),
        ("Total R$ 1.234,56 em 15/01/2024", ["1.234,56", "15/01/2024"], []),
        ('{"code": 403, "status": "error"}', ['"code": 403'], []),
    ],
)
def test_scrub_masks_secrets_and_personal_data_only(text, kept, gone):
    scrubbed = scrub(text)
    for part in kept:
        assert part in scrubbed, scrubbed
    for part in gone:
        assert part not in scrubbed, scrubbed


def test_scrub_masks_the_integrations_own_secrets_and_bounds_the_length():
    assert scrub("echo: my-secret-value!", ["my-secret-value"]) == f"echo: {TOKEN_MASK}!"
    assert scrub("short abc", ["abc"]) == "short abc", "a short secret would mask ordinary words"
    assert len(scrub("x" * 5000)) == attempts.MAX_TEXT


@pytest.mark.parametrize(
    ("exc", "action", "tries", "expected"),
    [
        (DataError("refused"), "push", 1, "refused"),
        (DataError("refused"), "cancel", 1, "refused"),
        (AuthError("no"), "push", 1, "credentials"),
        (SetupError("scope"), "push", 1, "setup"),
        (RateLimited("slow down"), "push", 1, "wait"),
        (TransientError("down"), "push", 1, "retry"),
        (TransientError("down"), "push", outcome.MAX_ATTEMPTS, "unreachable"),
        (ValueError("bug"), "push", 1, "unexpected"),
    ],
)
def test_reading_of_each_outcome(exc, action, tries, expected):
    assert attempts.reading(outcome.classify(exc, action=action, attempts=tries)) == expected


def test_recording_collects_each_request_with_the_erps_answer(sandbox, make_vhsys):
    client = make_vhsys()
    bling = HttpTransport(sandbox.bling_url, read_retries=0)
    with attempts.recording() as attempt:
        assert attempts.current() is attempt
        client.test_connection()
        with pytest.raises(AuthError):  # Bling without a token: 401, told before it is raised
            bling.request("GET", "/contatos", params={"token": "secret-in-query"})
    assert attempts.current() is None
    first, last = attempt.calls[0], attempt.calls[-1]
    # An empty VHSYS account answers the customer search 403 "Nenhum cliente encontrado!".
    assert (first.method, first.path.rsplit("/", 1)[-1], first.status) == ("GET", "clientes", 403)
    assert "Nenhum cliente" in first.answer
    assert (last.method, last.path.rsplit("/", 1)[-1], last.status) == ("GET", "contatos", 401)
    assert "error" in last.answer, "a refusal's body, as the ERP wrote it"
    assert "secret-in-query" not in attempt.calls_text(), "never the query string"
    assert attempt.calls_text().splitlines()[-1].endswith("/contatos → 401")


def test_a_request_without_answer_is_recorded_without_status(sandbox):
    sandbox.control("faults", {"fault": "timeout_before_write", "provider": "vhsys", "delay": 1.0})
    transport = HttpTransport(sandbox.vhsys_url, timeout=(0.3, 0.3), read_retries=0)
    with attempts.recording() as attempt, pytest.raises(TransientError):
        transport.request("GET", "/clientes")
    assert [(c.method, c.path.rsplit("/", 1)[-1], c.status) for c in attempt.calls] == [
        ("GET", "clientes", None)
    ]
    assert attempt.http_status is None
    assert attempt.calls_text().endswith("→ —")


def test_the_erp_message_is_the_clients_reading_else_the_last_refusal():
    attempt = attempts.Attempt(
        calls=[
            attempts.Exchange("POST", "/pedidos/vendas", 400, '{"error": {"message": "raw"}}'),
        ]
    )
    assert attempt.erp_message() == "", "no failure, no message: a 404 of a search is an answer"
    assert attempt.http_status == 400
    attempt.error = TransientError("x")
    assert attempt.erp_message() == '{"error": {"message": "raw"}}'
    attempt.error = DataError("x", erp_message="O campo CPF é inválido")
    assert attempt.erp_message() == "O campo CPF é inválido"


def test_no_observer_no_cost(sandbox, make_vhsys):
    """Outside a recording the transport tells nobody (the read-back, Test connection)."""
    assert attempts.current() is None
    make_vhsys().test_connection()
