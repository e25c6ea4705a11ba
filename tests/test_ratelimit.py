"""The shared rate limiter: unit behaviour, and Bling's 3 requests/second measured on the sandbox."""

import threading
import time

import pytest

from tecpet_erp_sync.erp.bling import RATE_LIMIT_CALLS, RATE_LIMIT_PERIOD, account_rate_limiter
from tecpet_erp_sync.erp.errors import RateLimited, TransientError
from tecpet_erp_sync.erp.ratelimit import RateLimiter


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_sliding_window():
    clock = FakeClock()
    limiter = RateLimiter(3, 1.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        limiter.acquire()
    assert clock.slept == []
    limiter.acquire()  # the 4th waits until the first leaves the window
    assert clock.now == pytest.approx(101.0)
    clock.now += 0.5
    limiter.acquire()
    limiter.acquire()
    assert clock.now == pytest.approx(101.5)
    limiter.acquire()
    assert clock.now == pytest.approx(102.0)


def test_pause_holds_every_caller():
    clock = FakeClock()
    limiter = RateLimiter(3, 1.0, clock=clock, sleep=clock.sleep)
    limiter.pause(5)
    limiter.acquire()
    assert clock.now == pytest.approx(105.0)
    limiter.pause(1)
    limiter.pause(0.5)  # a shorter pause never shortens a longer one
    limiter.acquire()
    assert clock.now == pytest.approx(106.0)


def test_for_account_shares_one_limiter_per_account():
    first = account_rate_limiter("acct-a")
    assert account_rate_limiter("acct-a") is first
    assert account_rate_limiter("acct-b") is not first
    assert (first.max_calls, first.period) == (RATE_LIMIT_CALLS, RATE_LIMIT_PERIOD)
    assert RATE_LIMIT_CALLS == 3 and 1.0 <= RATE_LIMIT_PERIOD <= 1.1


def test_invalid_limits():
    with pytest.raises(ValueError):
        RateLimiter(0, 1.0)
    with pytest.raises(ValueError):
        RateLimiter(3, 0)


def max_in_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t - times[i] < window) for i in range(len(times)))


def test_three_threads_stay_under_blings_limit(sandbox, make_bling):
    """15 calls from 3 threads, each with its own client, sharing the account's limiter."""
    clients = [make_bling(fast=False, account_key="shared-account") for _ in range(3)]
    assert clients[0].rate_limiter is clients[1].rate_limiter is clients[2].rate_limiter
    for client in clients:  # warm the situações cache so that each call below is one request
        client.status.situacoes = []
    errors: list[BaseException] = []

    def work(client):
        try:
            for _ in range(5):
                client.test_connection()
        except BaseException as exc:
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    elapsed = time.monotonic() - started
    assert not errors
    log = sandbox.requests_log("bling")
    assert len(log) == 15 and {r["status"] for r in log} == {200}
    assert max_in_window([r["t"] for r in log]) <= 3
    assert sandbox.bling.snapshot()["rate_limit"]["rejected"] == 0
    # and at the limit, not below it: 15 calls at 3 per 1.05 s need 4 windows after the first burst
    assert 4 * RATE_LIMIT_PERIOD - 0.1 <= elapsed <= 4 * RATE_LIMIT_PERIOD + 1.5


def test_429_pauses_the_limiter_and_is_raised(sandbox, make_bling):
    sandbox.bling.control("rate_limit", {"max": 1, "period": 1.0})
    limiter = RateLimiter(100, 1.0)
    client = make_bling(fast=False, rate_limit_retries=0)
    client.rate_limiter = client.http.rate_limiter = limiter
    client.status.situacoes = []
    client.test_connection()
    with pytest.raises(RateLimited) as caught:
        client.test_connection()
    assert isinstance(caught.value, TransientError) and caught.value.retry_after >= 0.5
    assert limiter._paused_until > time.monotonic()  # every caller of this account now waits
    log = sandbox.requests_log("bling")
    assert [r["status"] for r in log] == [200, 429]
    body_check = sandbox.bling.fault_response("rate_limit").body["error"]
    assert body_check["type"] == "TOO_MANY_REQUESTS" and body_check["period"] == "second"
    patient = make_bling(fast=False)  # rate_limit_retries=1: waits for the pause, then succeeds
    patient.rate_limiter = patient.http.rate_limiter = limiter
    patient._situacoes = []
    started = time.monotonic()
    patient.test_connection()
    assert time.monotonic() - started >= 0.3
    assert [r["status"] for r in sandbox.requests_log("bling")][-1] == 200


def test_shared_limiter_keeps_the_window_in_its_store():
    """Two limiters on one store (two processes on one account) share one window."""
    from tecpet_erp_sync.erp.ratelimit import MemoryWindowStore, SharedRateLimiter

    clock = FakeClock()
    store = MemoryWindowStore(clock=clock)
    first = SharedRateLimiter(store, 3, 1.0, sleep=clock.sleep)
    second = SharedRateLimiter(store, 3, 1.0, sleep=clock.sleep)
    first.acquire()
    second.acquire()
    first.acquire()
    assert clock.slept == []
    second.acquire()  # the 4th of the account waits, whichever limiter asks
    assert clock.now == pytest.approx(101.0)
    first.pause(5)
    second.acquire()
    assert clock.now == pytest.approx(106.0)


@pytest.mark.parametrize("shared", [False, True])
def test_a_long_pause_raises_instead_of_holding_the_worker(shared):
    from tecpet_erp_sync.erp.ratelimit import MemoryWindowStore, SharedRateLimiter

    clock = FakeClock()
    if shared:
        limiter = SharedRateLimiter(MemoryWindowStore(clock=clock), 3, 1.0, sleep=clock.sleep, max_wait=60)
    else:
        limiter = RateLimiter(3, 1.0, clock=clock, sleep=clock.sleep, max_wait=60)
    limiter.pause(3600)  # e.g. Bling's daily quota
    with pytest.raises(RateLimited) as caught:
        limiter.acquire()
    assert caught.value.retry_after == pytest.approx(3600) and clock.slept == []
