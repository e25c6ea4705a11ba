"""Fault injection: rules that make the next matching requests fail in a chosen way."""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field

# What each fault does (applied by the server around the emulator's handler):
FAULTS = {
    "timeout_after_write": "apply the request, then hold the connection and close it without answering",
    "timeout_before_write": "hold the connection and close it without answering; nothing is applied",
    "rate_limit": "answer 429 with the provider's body; nothing is applied",
    "server_error": "answer HTTP 500; nothing is applied",
    "server_error_after_write": "apply the request, then answer HTTP 500",
    "html_error": "answer an HTML error page instead of JSON; nothing is applied",
    "outage": "VHSYS: HTTP 200 with {code: 404, 'Erro ao comunicar com a API'}; Bling: HTTP 503",
    "garbage": "answer HTTP 200 with a well-formed envelope around data of the wrong shape",
    "revoked_token": "revoke the account's credentials until reset (VHSYS 403, Bling 401 invalid_token)",
    "truncated": "start a chunked answer and close the connection mid-body; nothing is applied",
    "truncated_after_write": "apply the request, then start a chunked answer and close it mid-body",
    "bad_encoding": "answer 200 with Content-Encoding: gzip and a body that is not gzip; nothing is applied",
    "redirect_loop": "answer 302 to the same URL, forever; nothing is applied",
    "html_rejection": "answer HTTP 400 with an HTML page (a proxy refusing the request); nothing is applied",
    "daily_quota": "Bling: 429 with period 'day' (the day's 120,000 requests are spent); nothing is applied",
    "forbidden": "HTTP 403 with the provider's body for a missing scope or a refusal; nothing is applied",
    "empty_answer": "VHSYS: HTTP 200, a success envelope with empty data (a glitch, never a 'not found')",
    "not_found": "VHSYS: HTTP 403 'Registro não encontrado!' once (a glitch: the record still exists)",
}
APPLIES_WRITE = {"timeout_after_write", "server_error_after_write", "truncated_after_write"}


@dataclass
class FaultRule:
    fault: str
    provider: str = "*"  # vhsys | bling | *
    method: str = "*"
    path: str = ""  # regular expression searched in the provider-relative path
    count: int = 1  # how many requests it hits; -1 = until removed
    probability: float = 1.0
    delay: float = 2.0  # seconds a "timeout" holds the connection
    skip: int = 0  # matching requests let through before the rule starts to hit
    hits: int = 0
    id: int = 0

    def matches(self, provider: str, method: str, path: str, rng: random.Random) -> bool:
        return (
            self.count != 0
            and self.provider in ("*", provider)
            and self.method in ("*", method.upper())
            and re.search(self.path, path) is not None
            and (self.probability >= 1.0 or rng.random() < self.probability)
        )


@dataclass
class FaultPlan:
    rules: list[FaultRule] = field(default_factory=list)
    seed: int = 0
    injected: int = 0

    def __post_init__(self):
        self._lock = threading.Lock()
        self._rng = random.Random(self.seed)
        self._next_id = 1

    def add(self, **spec) -> FaultRule:
        if spec.get("fault") not in FAULTS:
            raise ValueError(f"unknown fault {spec.get('fault')!r}; known: {', '.join(FAULTS)}")
        # A web form sends every value as text; a rule holding "1" would break every request.
        for key, kind in (("count", int), ("probability", float), ("delay", float)):
            if key in spec:
                try:
                    spec[key] = kind(spec[key])
                except (TypeError, ValueError):
                    raise ValueError(f"{key} must be a number, not {spec[key]!r}") from None
        for key in ("provider", "method"):
            if key in spec and not spec[key]:
                spec[key] = "*"  # an empty form field means "any"
        with self._lock:
            rule = FaultRule(**spec, id=self._next_id)
            self._next_id += 1
            self.rules.append(rule)
            return rule

    def clear(self, seed: int | None = None) -> None:
        with self._lock:
            self.rules.clear()
            if seed is not None:
                self.seed = seed
                self._rng = random.Random(seed)

    def take(self, provider: str, method: str, path: str) -> FaultRule | None:
        """The first rule matching this request, consumed once; None when the request runs normally."""
        with self._lock:
            for rule in self.rules:
                if rule.matches(provider, method, path, self._rng):
                    if rule.skip > 0:
                        rule.skip -= 1
                        continue
                    if rule.count > 0:
                        rule.count -= 1
                    rule.hits += 1
                    self.injected += 1
                    return rule
            return None
