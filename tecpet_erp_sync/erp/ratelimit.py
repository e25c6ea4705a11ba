"""Rate limiters for one ERP account: at most ``max_calls`` requests in any ``period`` seconds.

- ``RateLimiter``: in this process (threads), a sliding window in memory.
- ``SharedRateLimiter``: shared by every process and server of the account. Its window lives in
  a ``WindowStore`` that updates it atomically for all of them (the Odoo side keeps it in
  PostgreSQL, ``models/tecpet_erp_rate_limit.py``); the ERP layer itself never imports Odoo.

Both use ``window_wait`` to decide, and both refuse to sleep longer than ``max_wait``: a long
pause (Bling's daily quota, a ``Retry-After`` of minutes) raises ``RateLimited`` so that the job
moves the document to later instead of holding a cron worker.
"""

# pylint: disable=prefer-env-translation
# (messages are marked with messages._ and translated by the Odoo side)

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from .errors import RateLimited
from .messages import _

MAX_WAIT = 60.0  # seconds a caller may be held; longer pauses raise RateLimited


class Limiter(Protocol):
    """What ``HttpTransport`` needs: wait for a slot, and pause everybody after a 429."""

    def acquire(self) -> None: ...

    def pause(self, seconds: float) -> None: ...


def _check_window(max_calls: int, period: float) -> None:
    if max_calls < 1 or period <= 0:
        raise ValueError("max_calls must be >= 1 and period > 0")


def window_wait(
    calls: Sequence[float], now: float, max_calls: int, period: float, paused_until: float = 0.0
) -> tuple[float, list[float]]:
    """(seconds to wait, calls still inside the window). 0 means a call may start ``now``."""
    recent = sorted(t for t in calls if now - t < period)
    wait = paused_until - now
    if wait <= 0 and len(recent) >= max_calls:
        wait = period - (now - recent[-max_calls])
    return max(0.0, wait), recent


def _too_long(wait: float) -> RateLimited:
    return RateLimited(_("The ERP account's requests are paused; retrying later."), retry_after=wait)


class RateLimiter:
    """At most ``max_calls`` calls in any window of ``period`` seconds, in this process.

    Bling counts 3 requests per second per *account*, whatever the app, so one limiter is kept
    per account (see ``for_account``) and shared by all the clients and threads that use it.
    A 429 pauses the whole account with ``pause``.
    """

    _registry: dict[str, RateLimiter] = {}
    _registry_lock = threading.Lock()

    def __init__(
        self,
        max_calls: int,
        period: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = MAX_WAIT,
    ):
        _check_window(max_calls, period)
        self.max_calls = max_calls
        self.period = period
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._calls: collections.deque[float] = collections.deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    @classmethod
    def for_account(cls, key: str, max_calls: int, period: float = 1.0) -> RateLimiter:
        with cls._registry_lock:
            limiter = cls._registry.get(key)
            if limiter is None or (limiter.max_calls, limiter.period) != (max_calls, period):
                limiter = cls._registry[key] = cls(max_calls, period)
            return limiter

    def pause(self, seconds: float) -> None:
        """Hold every caller for ``seconds`` (the ERP answered 429)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def acquire(self) -> None:
        """Block until a call is allowed, then record it."""
        while True:
            with self._lock:
                now = self._clock()
                wait, recent = window_wait(self._calls, now, self.max_calls, self.period, self._paused_until)
                self._calls = collections.deque(recent)
                if wait <= 0:
                    self._calls.append(now)
                    return
            if wait > self.max_wait:
                raise _too_long(wait)
            self._sleep(wait)


class WindowStore(Protocol):
    """Holds one account's window for every process, and updates it atomically.

    ``update(change)`` calls ``change(calls, paused_until, now)`` while no other process can
    update the same window, with ``now`` read from a clock all processes share, and stores the
    ``(calls, paused_until)`` it returns. It returns what ``change`` returned as its third item.
    """

    def update(
        self, change: Callable[[list[float], float, float], tuple[list[float], float, float]]
    ) -> float: ...


class SharedRateLimiter:
    """``RateLimiter``'s window, kept in a ``WindowStore`` shared by every process and server."""

    def __init__(
        self,
        store: WindowStore,
        max_calls: int,
        period: float = 1.0,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = MAX_WAIT,
    ):
        _check_window(max_calls, period)
        self.store = store
        self.max_calls = max_calls
        self.period = period
        self.max_wait = max_wait
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"SharedRateLimiter({self.store!r}, {self.max_calls}/{self.period}s)"

    def acquire(self) -> None:
        def take(calls: list[float], paused_until: float, now: float) -> tuple[list[float], float, float]:
            wait, recent = window_wait(calls, now, self.max_calls, self.period, paused_until)
            if wait <= 0:
                recent.append(now)
            return recent[-self.max_calls :], paused_until, wait

        while True:
            wait = self.store.update(take)
            if wait <= 0:
                return
            if wait > self.max_wait:
                raise _too_long(wait)
            self._sleep(wait)

    def pause(self, seconds: float) -> None:
        def hold(calls: list[float], paused_until: float, now: float) -> tuple[list[float], float, float]:
            return calls, max(paused_until, now + seconds), 0.0

        self.store.update(hold)


class MemoryWindowStore:
    """A ``WindowStore`` for one process (tests, scripts): a lock and the monotonic clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._calls: list[float] = []
        self._paused_until = 0.0

    def update(self, change):
        with self._lock:
            self._calls, self._paused_until, result = change(
                list(self._calls), self._paused_until, self._clock()
            )
            return result
