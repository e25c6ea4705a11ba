"""The claim's rules (erp/claim.py, PRODUCT 2.12): who may commit, when a document is due, and what
a user's wish does to the outcome of a worker whose commit was refused."""

from __future__ import annotations

from datetime import datetime, timedelta

from tecpet_erp_sync.erp import claim
from tecpet_erp_sync.erp.claim import Claim, When

NOW = datetime(2026, 12, 6, 12, 0, 0)
PUSHING = Claim(token="a" * 24, pending="push", state="processing", maybe_sent=False)
OUTCOME = {
    "state": "open",
    "pending_action": False,
    "external_id": "4711",
    "external_number": "OS 12",
    "note_number": False,
    "maybe_sent": False,
    "attempts": 0,
    "next_attempt_at": None,
}


def give_back(pending_now="push", state_now="processing", token_now=PUSHING.token, outcome=OUTCOME):
    return claim.give_back(
        PUSHING,
        token_now=token_now,
        pending_now=pending_now,
        state_now=state_now,
        outcome=outcome,
        attempts_now=1,
        now=NOW,
    )


def test_tokens_are_new_and_leases_last():
    assert claim.new_token() != claim.new_token()
    assert claim.lease_until(NOW) == NOW + claim.LEASE
    assert claim.LEASE.total_seconds() / 3 > claim.RENEW_EVERY, "several renewals before a lease expires"


def test_only_the_owner_commits():
    assert claim.may_commit(PUSHING, PUSHING.token)
    assert not claim.may_commit(PUSHING, "b" * 24), "taken over after its lease expired"
    assert not claim.may_commit(PUSHING, None)


def test_schedule():
    assert claim.schedule(When.NOW, NOW) is None
    assert claim.schedule(When.DONE, NOW) is None
    assert claim.schedule(When.RETRY, NOW, 30) == NOW + timedelta(seconds=30)
    assert claim.schedule(When.REDO, NOW) == NOW + claim.CONSISTENCY_PAUSE, "a marker search waits"
    assert claim.schedule(When.REDO, NOW, known=True) is None, "the id is known: no search"


def test_a_refusal_nobody_asked_for_writes_the_outcome_again():
    """A sibling document or a payment changed the invoice: the outcome stands as it was."""
    decision = give_back()
    assert decision.replay
    assert decision.vals == OUTCOME


def test_a_users_wish_goes_next_with_what_the_erp_said():
    """Reset during the push: the cancel goes next, on the order just created (its id kept)."""
    decision = give_back(pending_now="cancel")
    assert not decision.replay
    assert decision.vals["external_id"] == "4711"
    assert decision.vals["external_number"] == "OS 12"
    assert decision.vals["maybe_sent"] is True
    assert decision.vals["next_attempt_at"] is None, "cancelled by its id at once"
    assert decision.vals["attempts"] == 0, "not the document's fault"
    for untouched in ("state", "pending_action", "error_message"):
        assert untouched not in decision.vals, "the user's wish stands"


def test_a_wish_without_an_erp_id_waits_for_the_erp_lists():
    decision = give_back(pending_now="cancel", outcome={**OUTCOME, "external_id": False, "maybe_sent": True})
    assert "external_id" not in decision.vals
    assert decision.vals["next_attempt_at"] == NOW + claim.CONSISTENCY_PAUSE


def test_a_claim_taken_over_writes_nothing():
    assert give_back(token_now="b" * 24) is None
    assert give_back(token_now=None) is None


def test_wishes_are_changes_of_what_the_document_wants():
    assert not claim.wished_since(PUSHING, "push", "processing")
    assert claim.wished_since(PUSHING, "cancel", "processing")
    issuing = Claim("c" * 24, "issue", "fulfilled", False)
    assert claim.wished_since(issuing, "cancel", "processing"), "reset while the note was requested"
    assert not claim.wished_since(None, "cancel", "processing")
