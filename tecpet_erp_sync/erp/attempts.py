"""One try of a document, for its history: the calls it made, what the ERP answered, our reading.

The transport tells an observer of each request (``http.observe``); ``recording()`` collects
them for one try in an ``Attempt``, and whoever classifies a failure notes it on the attempt in
progress (``current()``). What is kept is scrubbed first (``scrub``): no token, CPF/CNPJ, e-mail
address or phone number reaches the history, whatever the ERP wrote back.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

import phonenumbers
from validate_docbr import CNPJ, CPF

from .http import Exchange, observe
from .outcome import Action, Hint, Outcome

MAX_TEXT = 1000  # characters kept of an ERP message, after scrubbing

# Masks: the kind of value stays readable, the value does not.
TOKEN_MASK = "***"
CPF_MASK = "***.***.***-**"
CNPJ_MASK = "**.***.***/****-**"
EMAIL_MASK = "***@***"
PHONE_MASK = "(**) ****-****"

# Authorization values and named secrets ("access_token": "...", refresh_token=...).
_AUTH_VALUE = re.compile(r"(?i)\b(bearer|basic)\s+[\w.~+/=-]+")
_NAMED_SECRET = re.compile(
    r"(?i)(\b[\w-]*(?:token|secret|password|senha)[\w-]*[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}]+"
)
# Long opaque strings (tokens, keys, JWTs): 32 characters or more of letters, digits, - _ .
_OPAQUE = re.compile(r"(?<![\w.-])(?=[\w.-]*\d)(?=[\w.-]*[A-Za-z])[\w.-]{32,}(?![\w.-])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# CPF (000.000.000-00) and CNPJ (00.000.000/0000-00, letters allowed since July 2026), written
# with their punctuation or bare; a bare number is masked when its check digits make it one (an ERP
# id of 11 or 14 digits stays readable).
_DOCUMENT = re.compile(
    r"(?<![\w./-])(?:\d{3}\.?\d{3}\.?\d{3}-?\d{2}|[0-9A-Z]{2}\.?[0-9A-Z]{3}\.?[0-9A-Z]{3}/?[0-9A-Z]{4}-?\d{2})(?![\w/-])"
)
_CPF, _CNPJ = CPF(), CNPJ()


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without secrets or personal data: the known ``secrets``, anything shaped like a
    token, CPF and CNPJ numbers, e-mail addresses and phone numbers are masked; at most
    ``MAX_TEXT`` characters."""
    if not text:
        return ""
    for secret in secrets:
        if secret and len(secret) >= 8:  # a short value would mask ordinary words
            text = text.replace(secret, TOKEN_MASK)
    text = _AUTH_VALUE.sub(lambda m: f"{m.group(1)} {TOKEN_MASK}", text)
    text = _NAMED_SECRET.sub(lambda m: f"{m.group(1)}{TOKEN_MASK}", text)
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _OPAQUE.sub(TOKEN_MASK, text)
    text = _DOCUMENT.sub(_document_mask, text)
    text = _mask_phones(text)
    return text[:MAX_TEXT]


def _document_mask(match: re.Match[str]) -> str:
    value = match.group()
    plain = re.sub(r"[./-]", "", value)
    written = plain != value  # with punctuation: a CPF or CNPJ as people write them
    if len(plain) == 11:
        return CPF_MASK if written or _CPF.validate(plain) else value
    return CNPJ_MASK if written or _CNPJ.validate(plain) else value


def _mask_phones(text: str) -> str:
    """Brazilian and international phone numbers, as libphonenumber finds them in free text."""
    matches = list(phonenumbers.PhoneNumberMatcher(text, "BR", leniency=phonenumbers.Leniency.VALID))
    for match in reversed(matches):
        text = text[: match.start] + PHONE_MASK + text[match.end :]
    return text


@dataclass
class Attempt:
    """What one try of a document did: its calls, and the failure that ended it, if any."""

    calls: list[Exchange] = field(default_factory=list)
    error: BaseException | None = None
    outcome: str = ""  # our reading of the failure (the model's outcome selection), set by its classifier

    @property
    def http_status(self) -> int | None:
        """The status of the last answer (None when no call got one)."""
        answered = [call.status for call in self.calls if call.status is not None]
        return answered[-1] if answered else None

    def erp_message(self) -> str:
        """What the ERP said of the failure, as it wrote it: the message the client read from its
        answer, else the body of the last refusal; empty after a success (a search that found
        nothing is no failure). Unscrubbed: ``scrub`` it before keeping it."""
        if self.error is None:
            return ""
        said = getattr(self.error, "erp_message", "") or ""
        if said:
            return said
        refusals = [call.answer for call in self.calls if call.answer]
        return refusals[-1] if refusals else ""

    def calls_text(self) -> str:
        """One line per call: ``POST /pedidos/vendas → 400`` (``—`` when there was no answer)."""
        return "\n".join(
            f"{call.method} {call.path} → {call.status if call.status is not None else '—'}"
            for call in self.calls
        )


# Our reading of a try (tecpet.erp.document.attempt.outcome).
DONE = "done"
CHECKS = "checks"  # stopped by our checks before any call
_READINGS = {
    Action.STOP_INTEGRATION: "credentials",
    Action.WAIT: "wait",
    Action.RETRY: "retry",
    Action.HAND_OVER: "handed_over",
}
_FAILURES = {
    Hint.FIX_INVOICE: CHECKS,
    Hint.FIX_SETUP: "setup",
    Hint.UNREACHABLE: "unreachable",
    Hint.UNEXPECTED: "unexpected",
}


def reading(result: Outcome) -> str:
    """The outcome class of a failed try, from what ``outcome.classify`` said of it."""
    if result.action is Action.FAIL:
        return _FAILURES.get(result.hint, "refused")  # FIX_RECORD, ERP_REFUSED: the ERP said no
    return _READINGS[result.action]


_current: ContextVar[Attempt | None] = ContextVar("tecpet_erp_attempt", default=None)


@contextlib.contextmanager
def recording() -> Iterator[Attempt]:
    """Record the requests made inside this block (this thread) as one ``Attempt``."""
    attempt = Attempt()
    token = _current.set(attempt)
    try:
        with observe(attempt.calls.append):
            yield attempt
    finally:
        _current.reset(token)


def current() -> Attempt | None:
    """The attempt being recorded in this context, if any."""
    return _current.get()
