"""A thread-safe sliding-window rate limiter, shared by every client of one ERP account."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable


class RateLimiter:
    """At most ``max_calls`` calls in any window of ``period`` seconds.

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
    ):
        if max_calls < 1 or period <= 0:
            raise ValueError("max_calls must be >= 1 and period > 0")
        self.max_calls = max_calls
        self.period = period
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
                while self._calls and now - self._calls[0] >= self.period:
                    self._calls.popleft()
                wait = self._paused_until - now
                if wait <= 0 and len(self._calls) >= self.max_calls:
                    wait = self.period - (now - self._calls[0])
                if wait <= 0:
                    self._calls.append(now)
                    return
            self._sleep(wait)
