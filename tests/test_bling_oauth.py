"""Bling OAuth 2.0: authorization code flow, refresh-token rotation, single-flight refresh."""

import threading
import time
import urllib.parse

import pytest
import requests
from tecpet_erp_sandbox.bling import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

from tecpet_erp_sync.erp.bling_oauth import BlingTokenManager, MemoryTokenStore, TokenSet
from tecpet_erp_sync.erp.errors import AuthError, RateLimited, SetupError, TransientError

CALLBACK = "http://localhost:8069/tecpet_erp_sync/bling/callback"


def manager(sandbox, store=None, client_id=DEFAULT_CLIENT_ID, secret=DEFAULT_CLIENT_SECRET):
    return BlingTokenManager(
        sandbox.bling_url + "/oauth/token", client_id, secret, store or MemoryTokenStore()
    )


def authorize(sandbox, tokens, state="xyz", redirect_uri=CALLBACK):
    """Play the administrator's browser: open the consent page, press Authorize, read the callback."""
    page = requests.get(tokens.authorize_url(state, redirect_uri), timeout=5)
    assert page.status_code == 200 and "Authorize" in page.text
    link = page.text.split("href='", 1)[1].split("'", 1)[0].replace("&amp;", "&")
    answer = requests.get(sandbox.url + link, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    location = urllib.parse.urlsplit(answer.headers["Location"])
    assert location._replace(query="").geturl() == redirect_uri
    query = urllib.parse.parse_qs(location.query)
    assert query["state"] == [state]
    return query["code"][0]


def expire_soon(tokens, seconds=10):
    current = tokens.store.load()
    tokens.store.save(
        TokenSet(current.access_token, current.refresh_token, time.time() + seconds, current.scope)
    )


def api_ok(sandbox, access_token):
    resp = requests.get(
        sandbox.bling_url + "/empresas/me/dados-basicos",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=5,
    )
    return resp.status_code == 200


def test_authorization_code_flow(sandbox, make_bling):
    tokens = manager(sandbox)
    assert tokens.authorize_url("s1").startswith(sandbox.bling_url + "/oauth/authorize?response_type=code")
    code = authorize(sandbox, tokens)
    saved = tokens.exchange_code(code, CALLBACK)
    assert tokens.store.load() == saved and saved.token_type == "Bearer" and saved.scope
    assert saved.expires_at == pytest.approx(time.time() + 21600, abs=5)
    assert make_bling(tokens=tokens).test_connection().account_name
    assert sandbox.bling.snapshot()["oauth"]["code_exchanges"] == 1
    log = [r for r in sandbox.requests_log("bling") if r["path"] == "/oauth/token"]
    assert len(log) == 1 and log[0]["method"] == "POST"


def test_code_is_single_use_and_reuse_revokes(sandbox):
    tokens = manager(sandbox)
    code = authorize(sandbox, tokens)
    first = tokens.exchange_code(code)
    assert api_ok(sandbox, first.access_token)
    other = manager(sandbox)  # a store that never saw the code sends it again
    with pytest.raises(AuthError, match="reconnect Bling"):
        other.exchange_code(code)
    assert not api_ok(sandbox, first.access_token)  # re-using the code revoked the grant


def test_a_repeated_exchange_does_not_send_the_code_again(sandbox):
    """Odoo retries a request after a serialization failure: the callback then runs twice."""
    tokens = manager(sandbox)
    code = authorize(sandbox, tokens)
    first = tokens.exchange_code(code, CALLBACK)
    assert tokens.exchange_code(code, CALLBACK) == first
    oauth = sandbox.bling.snapshot()["oauth"]
    assert (oauth["token_calls"], oauth["code_exchanges"], oauth["invalid_grants"]) == (1, 1, 0)
    assert api_ok(sandbox, first.access_token)


def test_a_code_whose_exchange_broke_off_is_not_sent_again(sandbox):
    tokens = manager(sandbox)
    code = authorize(sandbox, tokens)
    sandbox.faults.add(fault="timeout_after_write", provider="bling", path="^/oauth/token$", delay=0.2)
    tokens._http.timeout = 0.1
    with pytest.raises(TransientError):  # the answer never came
        tokens.exchange_code(code)
    with pytest.raises(AuthError, match="did not complete"):
        tokens.exchange_code(code)
    assert sandbox.bling.snapshot()["oauth"]["token_calls"] == 1


def test_code_expires_after_a_minute(sandbox):
    tokens = manager(sandbox)
    code = authorize(sandbox, tokens)
    sandbox.bling.codes[code]["expires"] = time.time() - 1
    with pytest.raises(AuthError):
        tokens.exchange_code(code)


def test_redirect_uri_must_match_a_registered_app(sandbox):
    sandbox.bling.control(
        "register_app", {"client_id": "odoo", "client_secret": "s3cr3t", "redirect_uri": CALLBACK}
    )
    tokens = manager(sandbox, client_id="odoo", secret="s3cr3t")
    assert requests.get(tokens.authorize_url("s", "http://evil.example/cb"), timeout=5).status_code == 400
    code = authorize(sandbox, tokens, redirect_uri=CALLBACK)
    assert tokens.exchange_code(code).access_token


def test_refresh_before_expiry_rotates(sandbox, bling_tokens):
    old = bling_tokens.store.load()
    assert bling_tokens.access_token() == old.access_token  # far from expiry: no refresh
    expire_soon(bling_tokens, 200)  # within the 5-minute margin
    new_access = bling_tokens.access_token()
    new = bling_tokens.store.load()
    assert new_access == new.access_token != old.access_token and new.refresh_token != old.refresh_token
    assert sandbox.bling.snapshot()["oauth"]["refreshes"] == 1
    basic = requests.auth.HTTPBasicAuth(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    replay = requests.post(
        sandbox.bling_url + "/oauth/token",
        auth=basic,
        timeout=5,
        data={"grant_type": "refresh_token", "refresh_token": old.refresh_token},
    )
    assert replay.status_code == 400 and replay.json()["error"]["type"] == "invalid_grant"


def test_concurrent_refresh_is_single_flight(sandbox, bling_tokens):
    expire_soon(bling_tokens)
    sandbox.latency = 0.2  # the refresh takes a while: the second thread arrives meanwhile
    barrier = threading.Barrier(2)
    got: list[str] = []
    errors: list[BaseException] = []

    def worker():
        barrier.wait()
        try:
            got.append(bling_tokens.access_token())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    sandbox.latency = 0
    assert not errors
    assert sandbox.bling.snapshot()["oauth"]["refreshes"] == 1
    assert len(got) == 2 and got[0] == got[1] == bling_tokens.store.load().access_token
    assert api_ok(sandbox, got[0])


def test_two_managers_sharing_one_store_refresh_once(sandbox, bling_tokens):
    """Two workers (two managers, one store with its lock) after a 401 on the same stale token."""
    other = manager(sandbox, store=bling_tokens.store)
    stale = bling_tokens.store.load().access_token
    sandbox.bling.control("expire_tokens", {})
    first = bling_tokens.refresh(stale_access_token=stale)
    second = other.refresh(stale_access_token=stale)
    assert first == second and sandbox.bling.snapshot()["oauth"]["refreshes"] == 1


def test_client_refreshes_once_on_401(sandbox, make_bling, bling_tokens):
    client = make_bling()
    sandbox.bling.control("expire_tokens", {})  # Bling says expired, the store does not know yet
    assert client.test_connection().account_name
    assert sandbox.bling.snapshot()["oauth"]["refreshes"] == 1
    statuses = [
        r["status"] for r in sandbox.requests_log("bling") if r["path"] == "/empresas/me/dados-basicos"
    ]
    assert statuses == [401, 200]


def test_revoked_grant_asks_to_reconnect(sandbox, make_bling, bling_tokens):
    sandbox.bling.revoke_credentials()
    with pytest.raises(AuthError) as caught:
        make_bling().test_connection()
    assert "reconnect Bling" in caught.value.message
    assert caught.value.kind == "connection" and not isinstance(caught.value, TransientError)


def test_wrong_client_secret(sandbox, bling_tokens):
    tokens = manager(sandbox, store=bling_tokens.store, secret="wrong")
    expire_soon(tokens)
    with pytest.raises(AuthError, match="client id or client secret"):
        tokens.access_token()


def test_not_connected(sandbox):
    with pytest.raises(AuthError, match="not connected"):
        manager(sandbox).access_token()


def test_token_endpoint_rate_limit(sandbox, bling_tokens):
    for _ in range(20):
        bling_tokens.refresh()
    with pytest.raises(RateLimited) as caught:
        bling_tokens.refresh()
    assert caught.value.retry_after >= 5
    assert bling_tokens.access_token() == bling_tokens.store.load().access_token  # the last pair still works


def test_missing_scope_is_a_setup_error_naming_it(sandbox, make_bling, bling_tokens):
    """A 403 is a missing scope: that request fails; only a 401 means the credentials are refused."""
    sandbox.bling.control(
        "register_app", {"client_id": "narrow", "client_secret": "x", "scopes": "contatos,pedidos,empresas"}
    )
    tokens = manager(sandbox, client_id="narrow", secret="x")
    tokens.store.save(
        TokenSet.from_response(sandbox.bling.control("issue_tokens", {"client_id": "narrow"}), time.time())
    )
    with pytest.raises(SetupError, match="Situações") as caught:
        make_bling(tokens=tokens).test_connection()
    assert not isinstance(caught.value, AuthError) and caught.value.kind == "connection"


def test_secrets_never_shown(sandbox, bling_tokens):
    tokens = bling_tokens.store.load()
    texts = [
        repr(bling_tokens),
        repr(tokens),
        repr(bling_tokens.store),
        str(bling_tokens.__dict__.get("store")),
    ]
    for text in texts:
        assert tokens.access_token not in text and tokens.refresh_token not in text
        assert DEFAULT_CLIENT_SECRET not in text
    sandbox.bling.revoke_credentials()
    with pytest.raises(AuthError) as caught:
        bling_tokens.refresh()
    message = f"{caught.value.message} {caught.value.erp_message} {caught.value!r}"
    assert tokens.refresh_token not in message and DEFAULT_CLIENT_SECRET not in message


class SnapshotStore(MemoryTokenStore):
    """Like the Odoo store before issue 11: outside the lock, ``load()`` answers a snapshot taken
    before the refresh (a REPEATABLE READ transaction), not the pair the refresh just saved."""

    def __init__(self, tokens):
        super().__init__(tokens)
        self.snapshot = tokens
        self.locked = 0

    def load(self):
        return super().load() if self.locked else self.snapshot

    def lock(self):
        store = self

        class _Lock:
            def __enter__(self):
                store._lock.acquire()
                store.locked += 1

            def __exit__(self, *exc):
                store.locked -= 1
                store._lock.release()

        return _Lock()


def test_the_token_refresh_returns_is_used_not_a_stale_snapshot(sandbox, make_bling):
    """A 401 on a token far from expiry (revoked, reconnected elsewhere, clock skew): the client
    refreshes once and goes on with the new token, whatever its store re-reads (review B3)."""
    issued = TokenSet.from_response(sandbox.bling.control("issue_tokens", {}), time.time())
    store = SnapshotStore(issued)
    tokens = manager(sandbox, store=store)
    sandbox.bling.control("expire_tokens", {})  # Bling now answers 401 to the stored access token
    assert make_bling(tokens=tokens).test_connection().account_name
    assert tokens.refresh_count == 1
    assert [
        r["status"] for r in sandbox.requests_log("bling") if r["path"] == "/empresas/me/dados-basicos"
    ] == [
        401,
        200,
    ]
