"""The job's failure policy (erp/outcome.py), error class by error class: what the document does
next. The job applies exactly this (``_erp_apply_failure``); docs/errors.md says which ERP answer
becomes which class."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tecpet_erp_sync.erp.errors import (
    AuthError,
    DataError,
    ErpError,
    InvoiceError,
    NotSupported,
    QuotaExhausted,
    RateLimited,
    SetupError,
    TransientError,
    UnknownOutcome,
)
from tecpet_erp_sync.erp.outcome import (
    BACKOFF_CAP,
    MAX_ATTEMPTS,
    Action,
    Hint,
    Outcome,
    backoff_delay,
    classify,
)


@pytest.mark.parametrize(
    ("exc", "action", "expected"),
    [
        (AuthError("401"), "push", Outcome(Action.STOP_INTEGRATION, "connection", Hint.FIX_CREDENTIALS)),
        (AuthError("401"), "cancel", Outcome(Action.STOP_INTEGRATION, "connection", Hint.FIX_CREDENTIALS)),
        (DataError("CPF inválido", field="cpf"), "push", Outcome(Action.FAIL, "data", Hint.FIX_RECORD)),
        (InvoiceError("Reset the invoice"), "push", Outcome(Action.FAIL, "data", Hint.FIX_INVOICE)),
        # a refused cancel or note: the ERP's reason says what to do, not "fix the customer"
        (DataError("Cancel the NFS-e first"), "cancel", Outcome(Action.FAIL, "data", Hint.ERP_REFUSED)),
        (DataError("NFS-e denegada"), "issue", Outcome(Action.FAIL, "data", Hint.ERP_REFUSED)),
        (SetupError("missing scope Contatos"), "push", Outcome(Action.FAIL, "connection", Hint.FIX_SETUP)),
        (NotSupported("issue it in VHSYS"), "issue", Outcome(Action.HAND_OVER, "data")),
        (ValueError("a bug"), "push", Outcome(Action.FAIL, "internal", Hint.UNEXPECTED)),
        (
            KeyError("answer of an unexpected shape"),
            "issue",
            Outcome(Action.FAIL, "internal", Hint.UNEXPECTED),
        ),
    ],
)
def test_final_outcomes(exc, action, expected):
    assert classify(exc, action=action, attempts=1) == expected


@pytest.mark.parametrize(
    "exc", [RateLimited("429", retry_after=2.5), QuotaExhausted("day", retry_after=7200.0)]
)
def test_the_accounts_limit_waits_it_out_without_spending_an_attempt(exc):
    # whatever the attempt count: the limit is not the document's fault
    result = classify(exc, action="push", attempts=MAX_ATTEMPTS)
    assert result == Outcome(Action.WAIT, "connection", retry_after=exc.retry_after)


@pytest.mark.parametrize("exc", [TransientError("timeout"), ErpError("an ERP answer we cannot use")])
def test_transient_failures_retry_with_backoff_then_fail(exc):
    for attempts in range(1, MAX_ATTEMPTS):
        result = classify(exc, action="push", attempts=attempts)
        assert (result.action, result.kind, result.maybe_sent) == (Action.RETRY, "connection", False)
        full = min(BACKOFF_CAP, 30 * 2 ** (attempts - 1))
        assert full / 2 <= result.retry_after <= full
    assert classify(exc, action="push", attempts=MAX_ATTEMPTS) == Outcome(
        Action.FAIL, "connection", Hint.UNREACHABLE
    )


def test_an_unknown_outcome_is_retried_as_maybe_sent():
    """A write that may have been applied: the next attempt searches by marker before creating."""
    result = classify(UnknownOutcome("timeout after the write"), action="push", attempts=2)
    assert (result.action, result.maybe_sent) == (Action.RETRY, True)


@given(st.integers(min_value=0, max_value=60), st.floats(min_value=0.0, max_value=1.0))
def test_backoff_grows_and_is_capped(attempts, rand):
    delay = backoff_delay(attempts, rand)
    assert 15.0 <= delay <= BACKOFF_CAP
    assert backoff_delay(attempts + 1, rand) >= delay
