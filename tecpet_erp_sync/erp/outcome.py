"""What a failed ERP call means for the document: one pure function, the job only applies it.

``classify`` replaces the job's chain of ``except`` clauses, so the policy (fail now or retry,
when, whether an attempt is spent, whether the integration stops, what the user is told to do)
is written once and tested without Odoo (tests/test_outcome.py). The texts themselves are the
addon's, in the user's language; this module only says which one.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

from .errors import (
    AuthError,
    DataError,
    ErpError,
    InvoiceError,
    NotSupported,
    RateLimited,
    SetupError,
    UnknownOutcome,
)

MAX_ATTEMPTS = 8  # transient failures before the document goes to error
BACKOFF_BASE = 30  # seconds; doubled at each attempt, with jitter
BACKOFF_CAP = 3600


class Action(enum.Enum):
    FAIL = "fail"  # the document goes to Error, with the hint's message
    RETRY = "retry"  # still in flight: try again after ``retry_after``
    WAIT = "wait"  # the account's rate limit or quota: try again after it, no attempt spent
    HAND_OVER = "hand_over"  # the API cannot do it: stop asking, say on the invoice what to do
    STOP_INTEGRATION = "stop_integration"  # credentials refused: no more calls for the company


class Hint(enum.Enum):
    """Which message the user gets (the addon holds the translated texts)."""

    FIX_RECORD = "fix_record"  # the ERP refused the data of a send: fix the customer, Reprocess
    FIX_INVOICE = "fix_invoice"  # our checks refused the invoice as it is: the message says how
    ERP_REFUSED = "erp_refused"  # a refused cancel or note issue: the ERP's reason says what to do
    FIX_SETUP = "fix_setup"  # the integration's setup (a scope, a URL): the message says which
    FIX_CREDENTIALS = "fix_credentials"
    UNREACHABLE = "unreachable"  # transient failures until the attempts ran out
    UNEXPECTED = "unexpected"  # a bug or an answer nobody foresaw: contact support
    NONE = "none"


@dataclass(frozen=True)
class Outcome:
    action: Action
    kind: str  # tecpet.erp.document.error_kind: data | connection | internal
    hint: Hint = Hint.NONE
    retry_after: float = 0.0  # seconds, for RETRY and WAIT
    maybe_sent: bool = False  # RETRY: the write may have been applied (search by marker first)


def backoff_delay(attempts: int, rand: float | None = None) -> float:
    """Exponential backoff with full jitter over [delay/2, delay] (avoids thundering herds)."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return delay / 2 + (random.random() if rand is None else rand) * delay / 2


def classify(exc: BaseException, *, action: str, attempts: int) -> Outcome:
    """The outcome of ``exc`` raised while doing ``action`` (push | cancel | issue) at the
    ``attempts``-th attempt (the claim counts it before the call)."""
    if isinstance(exc, AuthError):
        return Outcome(Action.STOP_INTEGRATION, "connection", Hint.FIX_CREDENTIALS)
    if isinstance(exc, InvoiceError):
        return Outcome(Action.FAIL, "data", Hint.FIX_INVOICE)
    if isinstance(exc, DataError):
        return Outcome(Action.FAIL, "data", Hint.FIX_RECORD if action == "push" else Hint.ERP_REFUSED)
    if isinstance(exc, RateLimited):  # QuotaExhausted included: its retry_after is the reset
        return Outcome(Action.WAIT, "connection", retry_after=exc.retry_after)
    if isinstance(exc, SetupError):  # this document fails; the credentials are fine
        return Outcome(Action.FAIL, exc.kind, Hint.FIX_SETUP)
    if isinstance(exc, NotSupported):
        return Outcome(Action.HAND_OVER, exc.kind)
    if isinstance(exc, ErpError):  # transient, unknown outcome, or an ERP answer we cannot use
        if attempts >= MAX_ATTEMPTS:
            return Outcome(Action.FAIL, "connection", Hint.UNREACHABLE)
        return Outcome(
            Action.RETRY,
            "connection",
            retry_after=backoff_delay(attempts),
            maybe_sent=isinstance(exc, UnknownOutcome),
        )
    return Outcome(Action.FAIL, "internal", Hint.UNEXPECTED)
