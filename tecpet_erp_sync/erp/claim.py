"""Who may work on a document, and when: the claim's rules (PRODUCT 2.12), written once.

A push worker **claims** a due document in a transaction of its own and commits the claim before
any ERP call: a random token written on the document, and a lease (a row of its own, so that
renewing it never touches the document row the worker will write at the end). The document is
then the worker's until the worker commits or its lease expires; the lease is renewed while the
worker is still calling the ERP.

Users keep acting meanwhile: a reset, a credit note or a re-posting writes on the document what the
user wants next (its pending action, its state) and never the claim. The owner checks at its
commit that the document is still its own and still wants what it claimed; if not, what it learned
from the ERP (the document's id, its number, its note) is kept and the user's wish goes next
(``give_back``). ``next_attempt_at`` is only *when* a document is due (a retry's backoff, a pause);
``schedule`` says which.

Nothing here touches the ORM or the network: ``tecpet.erp.document._erp_schedule`` and the push
job apply these answers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

LEASE = timedelta(minutes=10)  # a claim nobody renews is free again after this
RENEW_EVERY = 60.0  # seconds between two renewals of the lease while the owner works
# Before a document is done again after its commit was refused, without an ERP id: the marker
# search that a redo starts with must see what the refused attempt created (ERP lists lag).
CONSISTENCY_PAUSE = timedelta(seconds=5)
# What a document's worker learned from the ERP: kept whatever happens to the worker's commit.
FACTS = ("external_id", "external_number", "note_number")


class When(str, Enum):
    """Why a document's next attempt is (re)scheduled."""

    NOW = "now"  # a user asked for it (reset, credit note, Reprocess, a note requested)
    DONE = "done"  # nothing left to do, or an error that waits for people
    RETRY = "retry"  # a transient failure: after the backoff ``outcome.classify`` gave
    REDO = "redo"  # the owner's commit was refused: after a consistency pause


@dataclass(frozen=True)
class Claim:
    """One worker's claim of one document, as the worker saw it when claiming."""

    token: str
    pending: str | None  # what the document had to do
    state: str
    maybe_sent: bool  # an earlier attempt may have reached the ERP (before this claim)


def new_token() -> str:
    return secrets.token_hex(12)


def lease_until(now: datetime) -> datetime:
    return now + LEASE


def schedule(when: When, now: datetime, retry_after: float = 0.0, *, known: bool = False) -> datetime | None:
    """The document's ``next_attempt_at`` (None: due at once, or never picked: nothing pending).

    ``known``: the ERP id is known, so a redo does not search the ERP by marker and needs no pause.
    """
    if when is When.RETRY:
        return now + timedelta(seconds=retry_after)
    if when is When.REDO and not known:
        return now + CONSISTENCY_PAUSE
    return None


def may_commit(claim: Claim | None, token_now: str | None) -> bool:
    """The owner commits only while the document still carries its token (a claim taken over
    after the lease expired belongs to the other worker)."""
    return claim is None or token_now == claim.token


def wished_since(claim: Claim | None, pending_now: str | None, state_now: str) -> bool:
    """Whether a user asked for something else since the claim (reset, credit note, re-post):
    the document no longer wants what its owner was doing."""
    return claim is not None and (pending_now or None, state_now) != (claim.pending or None, claim.state)


@dataclass(frozen=True)
class GiveBack:
    """What a worker whose commit was refused writes in a new transaction."""

    vals: dict[str, Any]  # on the document (the claim is released besides)
    replay: bool  # the worker's whole outcome (nothing changed but another row: a write skew)


def give_back(
    claim: Claim | None,
    *,
    token_now: str | None,
    pending_now: str | None,
    state_now: str,
    outcome: dict[str, Any],
    attempts_now: int,
    now: datetime,
) -> GiveBack | None:
    """A worker's commit was refused (PostgreSQL: another transaction changed a row it wrote).
    ``outcome``: what the worker had written on the document. None: the document is no longer
    the worker's, it writes nothing.

    Nobody asked for anything else since the claim (a sibling document or a payment changed the
    invoice): the outcome is written again as it was, in a transaction that sees the other commit.
    A user did (the invoice was reset meanwhile...): the user's wish goes next, with what the
    worker learned from the ERP, so that a cancel cancels the document just created by its id
    instead of searching for it; without an id, after a pause that lets the ERP's lists catch up.
    """
    if not may_commit(claim, token_now):
        return None
    if not wished_since(claim, pending_now, state_now):
        return GiveBack(vals=dict(outcome), replay=True)
    facts = {key: outcome[key] for key in FACTS if outcome.get(key)}
    known = bool(facts.get("external_id"))
    vals = {
        **facts,
        # Whatever the worker did may have reached the ERP: the next attempt looks first.
        "maybe_sent": True if claim.pending == "push" or outcome.get("maybe_sent") else claim.maybe_sent,
        "attempts": max(0, attempts_now - 1),  # not the document's fault
        "next_attempt_at": schedule(When.REDO, now, known=known),
    }
    return GiveBack(vals=vals, replay=False)
