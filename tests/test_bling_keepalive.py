"""Bling's connection kept alive (issue 22 point 1): an idle account's refresh token is renewed
well inside its 30 days, once, through the single-flight refresh."""

import dataclasses
import threading
import time

import pytest
from tecpet_erp_sandbox.bling import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from test_bling_oauth import api_ok

from tecpet_erp_sync.erp.bling_oauth import (
    REFRESH_TOKEN_LIFETIME,
    BlingTokenManager,
    MemoryTokenStore,
    TokenSet,
)
from tecpet_erp_sync.erp.errors import AuthError

DAY = 86400.0


class Clock:
    def __init__(self):
        self.now = time.time()

    def __call__(self):
        return self.now


def manager(sandbox, store, clock=time.time):
    url = sandbox.bling_url + "/oauth/token"
    return BlingTokenManager(url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, store, clock=clock)


def connected_store(sandbox):
    return MemoryTokenStore(TokenSet.from_response(sandbox.bling.control("issue_tokens", {}), time.time()))


def test_a_pair_knows_when_its_refresh_token_lapses(sandbox):
    tokens = connected_store(sandbox).load()
    assert tokens.refreshed_at == pytest.approx(time.time(), abs=5)
    assert tokens.refresh_lapses_at == tokens.refreshed_at + REFRESH_TOKEN_LIFETIME
    assert TokenSet("a", "r", 0.0).refresh_lapses_at == 0.0, "unknown"


def test_a_young_refresh_token_is_left_alone_an_old_one_renewed(sandbox):
    clock = Clock()
    store = connected_store(sandbox)
    tokens = manager(sandbox, store, clock)
    old = store.load()
    assert tokens.keep_alive(10 * DAY) is False
    assert sandbox.bling.snapshot()["oauth"]["refreshes"] == 0, "no call while the token is young"

    clock.now += 11 * DAY
    # Bling would let this one lapse in a few minutes: the renewal comes before.
    sandbox.bling.control("expire_refresh_tokens", {"seconds": 600})
    assert tokens.keep_alive(10 * DAY) is True
    new = store.load()
    assert new.refresh_token != old.refresh_token and new.refreshed_at == clock.now
    assert sandbox.bling.snapshot()["oauth"]["refreshes"] == 1
    assert api_ok(sandbox, new.access_token)
    assert tokens.keep_alive(10 * DAY) is False, "renewed: young again"


def test_a_pair_of_unknown_age_is_renewed(sandbox):
    store = connected_store(sandbox)
    store.save(dataclasses.replace(store.load(), refreshed_at=0.0))  # typed in, or saved before
    assert manager(sandbox, store).keep_alive(10 * DAY) is True
    assert store.load().refreshed_at


def test_a_lapsed_refresh_token_says_connect_again(sandbox):
    clock = Clock()
    clock.now += 31 * DAY
    store = connected_store(sandbox)
    sandbox.bling.control("expire_refresh_tokens", {"seconds": 0})
    with pytest.raises(AuthError) as info:
        manager(sandbox, store, clock).keep_alive(10 * DAY)
    assert "Connect" in info.value.message
    with pytest.raises(AuthError, match="not connected"):
        manager(sandbox, MemoryTokenStore()).keep_alive(10 * DAY)


def test_two_workers_renew_once(sandbox):
    """Two keep-alives at once (two servers' crons): the second sees the first's pair, sends nothing."""
    clock = Clock()
    store = connected_store(sandbox)
    clock.now += 11 * DAY
    managers = [manager(sandbox, store, clock) for _ in range(2)]
    results = []
    threads = [threading.Thread(target=lambda m=m: results.append(m.keep_alive(10 * DAY))) for m in managers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    oauth = sandbox.bling.snapshot()["oauth"]
    assert (oauth["refreshes"], oauth["invalid_grants"]) == (1, 0)
