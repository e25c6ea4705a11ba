"""docs/errors.md, row by row: what each ERP answer becomes, measured against the sandbox's faults.

Each case names the row of the table it proves (``E<n>``). The job's reaction to each class is
Odoo's business (``tecpet_erp_sync/tests/test_production.py``); here the classes themselves.
"""

import dataclasses
import datetime as dt

import pytest

from tecpet_erp_sync.erp.errors import (
    AuthError,
    DataError,
    QuotaExhausted,
    RateLimited,
    SetupError,
    TransientError,
    UnknownOutcome,
)
from tecpet_erp_sync.erp.http import HttpTransport, seconds_until_quota_reset
from tecpet_erp_sync.erp.ratelimit import RateLimiter

ANY = r"^/clientes$"


def transport(sandbox, base=None):
    return HttpTransport(base or sandbox.vhsys_url, timeout=(1.0, 1.0), read_retries=0)


def fault(sandbox, name, path=ANY, provider="vhsys", count=5):
    sandbox.faults.add(fault=name, provider=provider, path=path, count=count)


# -- transport rows (both ERPs share HttpTransport) ----------------------------------------------
TRANSPORT = [
    # (row, fault, write, expected class)
    ("E11", "server_error", False, TransientError),
    ("E11", "server_error", True, UnknownOutcome),
    ("E12", "html_error", False, TransientError),
    ("E12", "html_error", True, UnknownOutcome),
    ("E13", "html_rejection", True, DataError),
    ("E13", "html_rejection", False, SetupError),
    ("E16", "truncated", False, TransientError),
    ("E16", "truncated_after_write", True, UnknownOutcome),
    ("E17", "bad_encoding", False, TransientError),
    ("E17", "bad_encoding", True, UnknownOutcome),
    ("E18", "redirect_loop", False, SetupError),
    ("E18", "redirect_loop", True, UnknownOutcome),
]


@pytest.mark.parametrize(("row", "name", "write", "expected"), TRANSPORT)
def test_transport_row(sandbox, row, name, write, expected):
    fault(sandbox, name, count=50)
    with pytest.raises(expected) as caught:
        transport(sandbox).request("POST" if write else "GET", "/clientes", json={} if write else None)
    assert type(caught.value) is expected, row
    if expected is UnknownOutcome:
        assert isinstance(caught.value, TransientError)  # the job searches for its marker, then retries


def test_e19_an_invalid_url_is_a_setup_error_and_sends_nothing(sandbox):
    with pytest.raises(SetupError, match="API URL"):
        transport(sandbox, "http://127.0.0.1:99999/v2").request("POST", "/clientes", json={})
    assert sandbox.requests_log() == []


@pytest.mark.parametrize(("write", "expected"), [(False, TransientError), (True, UnknownOutcome)])
def test_e20_ssl_error(sandbox, write, expected):
    """TLS spoken to a plain-HTTP port: the handshake fails (requests' SSLError)."""
    base = sandbox.vhsys_url.replace("http://", "https://")
    with pytest.raises(expected) as caught:
        transport(sandbox, base).request("POST" if write else "GET", "/clientes", json={} if write else None)
    assert type(caught.value) is expected


def test_e14_e15_timeouts_and_drops(sandbox):
    sandbox.faults.add(fault="timeout_before_write", provider="vhsys", path=ANY, count=2, delay=1.5)
    with pytest.raises(UnknownOutcome):
        transport(sandbox).request("POST", "/clientes", json={})
    with pytest.raises(TransientError) as caught:
        transport(sandbox).request("GET", "/clientes")
    assert type(caught.value) is TransientError
    with pytest.raises(TransientError) as refused:  # nothing listens: refused before sending
        transport(sandbox, "http://127.0.0.1:9/v2").request("POST", "/clientes", json={})
    assert type(refused.value) is TransientError


# -- VHSYS rows ---------------------------------------------------------------------------------
def test_e3_vhsys_credentials_refused_is_auth(sandbox, make_vhsys):
    fault(sandbox, "revoked_token")
    with pytest.raises(AuthError):
        make_vhsys().test_connection()


def test_e4_vhsys_403_fiscal_rejection_is_data_not_auth(sandbox, make_vhsys):
    """ "Prestador não autorizado", "token da prefeitura": the note is refused, the credentials are fine."""
    fault(sandbox, "forbidden")
    with pytest.raises(DataError) as caught:
        make_vhsys().test_connection()
    assert not isinstance(caught.value, AuthError) and "prefeitura" in caught.value.message


def test_e22_vhsys_403_without_json_is_setup(sandbox, make_vhsys):
    sandbox.faults.add(fault="html_rejection", provider="vhsys", path=ANY, count=5)
    with pytest.raises(SetupError):
        make_vhsys().test_connection()


def test_e9_vhsys_429_is_rate_limited(sandbox, make_vhsys):
    fault(sandbox, "rate_limit")
    with pytest.raises(RateLimited) as caught:
        make_vhsys().test_connection()
    assert type(caught.value) is RateLimited and caught.value.retry_after >= 1


def test_e21_vhsys_outage_body_is_transient(sandbox, make_vhsys):
    fault(sandbox, "outage")
    with pytest.raises(TransientError):
        make_vhsys().test_connection()


# -- Bling rows ---------------------------------------------------------------------------------
def test_e1_bling_401_after_one_refresh_is_auth(sandbox, make_bling):
    sandbox.faults.add(fault="revoked_token", provider="bling", path="^/empresas", count=1)
    with pytest.raises(AuthError):
        make_bling().test_connection()


def test_e2_bling_token_endpoint_refusal_is_auth(sandbox, bling_tokens):
    sandbox.bling.revoke_credentials()
    with pytest.raises(AuthError, match="reconnect Bling"):
        bling_tokens.refresh()


def test_e7_bling_403_is_a_setup_error_naming_the_scope(sandbox, make_bling):
    fault(sandbox, "forbidden", path="^/empresas", provider="bling")
    with pytest.raises(SetupError, match="Dados básicos da empresa") as caught:
        make_bling().test_connection()
    assert not isinstance(caught.value, AuthError)


def test_e8_bling_validation_is_data(sandbox, make_bling, bling_order):
    order = bling_order()
    customer = dataclasses.replace(order.customer, document="11111111111111")  # check digits wrong
    bad = dataclasses.replace(order, customer=customer)
    with pytest.raises(DataError, match="Bling rejected"):
        make_bling().push(bad)
    assert any(r["status"] == 400 for r in sandbox.requests_log("bling")), "Bling itself said 400"


def test_e9_bling_429_per_second_is_retried_then_rate_limited(sandbox, make_bling):
    fault(sandbox, "rate_limit", path="^/empresas", provider="bling", count=1)
    assert make_bling().test_connection().account_name  # one 429 is absorbed after the pause
    fault(sandbox, "rate_limit", path="^/empresas", provider="bling", count=5)
    with pytest.raises(RateLimited) as caught:
        make_bling().test_connection()
    assert type(caught.value) is RateLimited and caught.value.retry_after < 60


def test_e10_bling_daily_quota_waits_for_the_reset_without_retrying(sandbox, make_bling):
    fault(sandbox, "daily_quota", path="^/empresas", provider="bling", count=5)
    limiter = RateLimiter(3, 1.0)
    client = make_bling()
    client.http.rate_limiter = client.rate_limiter = limiter
    with pytest.raises(QuotaExhausted) as caught:
        client.test_connection()
    assert caught.value.retry_after == pytest.approx(seconds_until_quota_reset(), abs=5)
    assert len(sandbox.requests_log("bling")) == 1, "no hot retry"
    with pytest.raises(RateLimited):  # every later call waits for the reset too, without a request
        client.test_connection()
    assert len(sandbox.requests_log("bling")) == 1


def test_quota_reset_is_the_next_midnight_in_brasilia():
    at = dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.timezone.utc)  # 20:00 in Brasília
    assert seconds_until_quota_reset(at) == 4 * 3600 + 60


def test_e6_vhsys_403_empty_list_is_not_an_error(sandbox, make_vhsys):
    assert make_vhsys().test_connection().account_name == "VHSYS"
    assert [r["status"] for r in sandbox.requests_log("vhsys")] == [403]  # "Nenhum cliente encontrado"
