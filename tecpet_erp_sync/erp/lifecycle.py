"""The life of one ERP document: what each Odoo event and each ERP observation does to it.

One table, written once, called by the models (``account_move.py``, the jobs) and printed in
``docs/lifecycle.md``. A document is seen as a ``DocView`` (its state, what the push job still has
to do, whether something may exist in the ERP); each function answers with the ``Change`` to
apply, or a ``Refusal`` the user must read. Nothing here touches the ORM or the network.
"""

# pylint: disable=prefer-env-translation
# (messages are marked with messages._ and translated by the Odoo side)

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .contract import DocState, RemoteStatus
from .messages import _

# States read back from the ERP: every live document, issued ones included (a note cancelled in
# the ERP takes its document back), and error documents that exist in the ERP (a rejected note
# corrected and sent again by the ERP's users).
READ_BACK_STATES = (
    DocState.OPEN,
    DocState.FULFILLED,
    DocState.AWAITING_ISSUE,
    DocState.ISSUED,
    DocState.ERROR,
)
LIVE_STATES = (DocState.OPEN, DocState.FULFILLED, DocState.AWAITING_ISSUE, DocState.ISSUED)
NOTE_READY_STATES = (DocState.FULFILLED, DocState.AWAITING_ISSUE)


class Pending(str, Enum):
    """What the push job still has to do for a document (``tecpet.erp.document.pending_action``)."""

    PUSH = "push"
    CANCEL = "cancel"
    ISSUE = "issue"


class Event(str, Enum):
    """Odoo events that reach a document through its invoice."""

    POST = "post"  # posted again after a reset to draft
    RESET = "reset"  # reset to draft, or cancel
    DELETE = "delete"
    FULL_REVERSAL = "full_reversal"  # a credit note reversing the whole invoice was posted
    REVERSAL_UNDONE = "reversal_undone"  # that credit note was reset, cancelled or deleted
    REPROCESS = "reprocess"  # a user pressed Reprocess on a failed or stuck document
    PAID = "paid"  # the invoice became paid, and its integration sends on payment


@dataclass(frozen=True)
class DocView:
    state: DocState
    pending: Pending | None = None
    may_exist: bool = False  # an ERP id is known, or a send may have arrived (maybe_sent)
    known: bool = False  # the ERP id is known
    in_flight: bool = False  # a push worker is doing its pending action right now (a live lease)


@dataclass(frozen=True)
class Change:
    """What to write on the document. ``None`` fields stay as they are."""

    state: DocState | None = None
    pending: Pending | None = None
    clear_pending: bool = False
    archive: bool = False  # hidden from the invoice (a canceled document its re-posting replaced)
    replaced: bool = False  # no longer stands for the invoice: a new document of its type is queued
    error: tuple[str, dict] | None = None  # (message, params), kind data
    chatter: tuple[str, dict] | None = None  # a line for the invoice's chatter
    recheck: bool = False  # read back from the ERP at once


@dataclass(frozen=True)
class Refusal:
    message: str  # the model fills in %(invoices)s
    recheck: bool = False  # read the documents back at once: the ERP may have changed meanwhile


KEEP = Change()

NOTE_ISSUED_REFUSAL = _(
    "The fiscal note of %(invoices)s is issued in the ERP. Cancel the note in the ERP first, "
    "then reset the invoice to draft or cancel it here (Odoo checks the note again within minutes)."
)
NOTE_BEING_ISSUED_REFUSAL = _(
    "The fiscal note of %(invoices)s is being issued in the ERP right now. Wait until the Service "
    "Order column shows how it went: once the note is issued, cancel it in the ERP first, then reset "
    "the invoice to draft or cancel it here."
)
NOTE_ISSUED_ON_REVERSAL = _(
    "The invoice was fully reversed by a credit note, but its fiscal note is issued in the ERP: "
    "cancel the fiscal note in the ERP, then Reprocess the invoice to cancel its ERP order."
)
DELETE_REFUSAL = _(
    "%(invoices)s still has a document in the ERP (or one may have arrived there). Reset it to draft "
    "or cancel it and wait until the Service Order column shows Canceled, then delete it."
)


def _cancel() -> Change:
    return Change(state=DocState.PROCESSING, pending=Pending.CANCEL)


def on_reset(doc: DocView) -> Change | Refusal:
    """Reset to draft / cancel of the invoice (PRODUCT 2.9)."""
    if doc.state is DocState.CANCELED:
        return KEEP
    if doc.state is DocState.ISSUED:
        return Refusal(NOTE_ISSUED_REFUSAL, recheck=True)
    if doc.in_flight and doc.pending is Pending.ISSUE:
        # Queued now, the cancel would meet a note issued meanwhile: a draft invoice behind it.
        return Refusal(NOTE_BEING_ISSUED_REFUSAL)
    if not doc.may_exist:  # never reached the ERP: nothing to undo there
        return Change(state=DocState.CANCELED, clear_pending=True)
    return _cancel()


def on_post(doc: DocView) -> Change:
    """The invoice is posted again while this document of its type is still attached to it.

    A cancellation still queued or failed goes on: the ERP document may carry the old content.
    A new document with the invoice's new content is queued beside it, so a posted invoice is
    never left without its live ERP document (PRODUCT 2.9); it is sent once the old one is
    cancelled (``holds_replacement``).
    """
    if doc.state is DocState.CANCELED:
        return Change(archive=True, replaced=True)
    if doc.pending is not Pending.CANCEL:
        return KEEP  # still stands for the invoice
    if not doc.may_exist:
        return Change(state=DocState.CANCELED, clear_pending=True, archive=True, replaced=True)
    return Change(replaced=True)


def stands_for_invoice(doc: DocView) -> bool:
    """Whether a document of a posted invoice is one of those the invoice has, which together are
    worth it (N19's check before a send): every attached one, an order cancelled or deleted in
    the ERP included (it was sent with its share), but not one whose cancellation is queued or
    failed (a re-posting replaced it: it carries the old content)."""
    return doc.pending is not Pending.CANCEL


def on_cancel_done(*, invoice_stands: bool) -> Change:
    """The ERP confirmed the cancellation Odoo asked for. When the invoice stands again (posted
    again, not reversed), its re-posting replaced the document: hidden from the invoice, as
    ``on_post`` hides one cancelled before it; else (reset, reversed) the invoice shows it."""
    return Change(archive=True) if invoice_stands else KEEP


def on_paid(doc: DocView) -> Change:
    """The invoice became paid and its integration sends on payment (``send_trigger``): it enters
    the flow as a posting would bring it in, and a document already attached (the invoice was
    paid, reset, confirmed and paid again) decides as on a posting."""
    return on_post(doc)


# A document whose cancellation is queued or failed holds back the push of the new documents of its
# invoice: sent before the cancel is confirmed, they would make two live ERP orders for one invoice
# (PRODUCT 2.12). Reprocess of the old one resumes the cancel; once it is cancelled, the new ones go.
HOLDING_PENDING = Pending.CANCEL
HELD_PENDING = Pending.PUSH


def holds_replacement(doc: DocView) -> bool:
    return doc.pending is HOLDING_PENDING


def can_delete(doc: DocView) -> bool:
    """An invoice may be deleted once none of its documents is (or may be) live in the ERP."""
    return doc.state is DocState.CANCELED or not doc.may_exist


def on_full_reversal(doc: DocView) -> Change:
    """A credit note reversed the whole invoice: its ERP documents are cancelled."""
    if doc.state is DocState.CANCELED:
        return KEEP
    if doc.state is DocState.ISSUED:
        return Change(state=DocState.ERROR, pending=Pending.CANCEL, error=(NOTE_ISSUED_ON_REVERSAL, {}))
    if not doc.may_exist:
        return Change(state=DocState.CANCELED, clear_pending=True)
    return _cancel()


def on_reversal_undone(doc: DocView) -> Change:
    """The credit note that fully reversed the invoice was reset, cancelled or deleted: the
    invoice stands again. A cancelled document is replaced (as on re-post); a cancellation not
    done yet is withdrawn, and the document read back (or sent, when its ERP id was never known).
    A cancellation a worker is sending right now may already be done in the ERP: it goes on, and a
    new document replaces it once it is (as on re-post)."""
    if doc.state is DocState.CANCELED:
        return Change(archive=True, replaced=True)
    if doc.pending is not Pending.CANCEL:
        return KEEP
    if doc.in_flight:
        return on_post(doc)
    if not doc.known:
        return Change(state=DocState.PROCESSING, pending=Pending.PUSH)
    return Change(state=_read_back_state(doc), clear_pending=True, recheck=True)


def on_reprocess(doc: DocView, *, issue_notes: bool) -> Change:
    """Reprocess of a failed or stuck document. What it still had to do is done again (a failed
    cancellation resumes); a document never confirmed in the ERP is sent (its marker searched
    first). One that exists in the ERP with nothing to send never waits in *processing*: it gets
    its note requested again when the integration issues notes, else it is read back at once."""
    if doc.state not in (DocState.ERROR, DocState.PROCESSING):
        return KEEP  # nothing failed or stuck
    if doc.pending is not None:
        return Change(state=DocState.PROCESSING, pending=doc.pending)
    if not doc.known:
        return Change(state=DocState.PROCESSING, pending=Pending.PUSH)
    if issue_notes and doc.state is DocState.ERROR:  # a rejected note, corrected by the user
        return Change(state=DocState.PROCESSING, pending=Pending.ISSUE)
    return Change(state=_read_back_state(doc), recheck=True)


def _read_back_state(doc: DocView) -> DocState:
    """A state the read-back reads; the re-read then sets the one the ERP says."""
    return doc.state if doc.state in READ_BACK_STATES else DocState.OPEN


def on_observation(doc: DocView, status: RemoteStatus, *, issue_notes: bool, note_requested: bool) -> Change:
    """What the ERP says of a document, read back by the refresh job."""
    if status.deleted:
        if doc.state is DocState.CANCELED:
            return KEEP
        return Change(
            state=DocState.CANCELED,
            chatter=(_("The ERP document %(number)s was deleted in the ERP."), {}),
        )
    if status.note_rejection:
        return Change(state=DocState.ERROR, error=status.note_rejection)
    state = status.state
    pending = (
        Pending.ISSUE if wants_note(state, issue_notes=issue_notes, note_requested=note_requested) else None
    )
    if state is doc.state and pending is None:
        return KEEP
    return Change(state=state, pending=pending)


def wants_note(state: DocState, *, issue_notes: bool, note_requested: bool) -> bool:
    """A document ready for its note gets it requested once, whatever path brought it there."""
    return issue_notes and state in NOTE_READY_STATES and not note_requested
