"""Prints the life-cycle tables of ``docs/lifecycle.md`` from ``tecpet_erp_sync/erp/lifecycle.py``.

    tools/run.sh python tools/lifecycle_table.py > /tmp/t.md   # then paste between the markers

``tests/test_lifecycle_table.py`` fails when the document and the code disagree, so the table a
reader sees is the one the models run.
"""

from __future__ import annotations

from tecpet_erp_sync.erp import lifecycle
from tecpet_erp_sync.erp.contract import DocState, DocType, RemoteStatus
from tecpet_erp_sync.erp.lifecycle import Change, DocView, Event, Pending, Refusal

SITUATIONS = {
    "queued, never sent": DocView(DocState.PROCESSING, Pending.PUSH),
    "queued, a send may have arrived": DocView(DocState.PROCESSING, Pending.PUSH, may_exist=True),
    "open / fulfilled / awaiting issue": DocView(DocState.OPEN, may_exist=True, known=True),
    "issued": DocView(DocState.ISSUED, may_exist=True, known=True),
    "note being issued by a worker": DocView(
        DocState.PROCESSING, Pending.ISSUE, may_exist=True, known=True, in_flight=True
    ),
    "cancellation queued": DocView(DocState.PROCESSING, Pending.CANCEL, may_exist=True, known=True),
    "cancellation being sent by a worker": DocView(
        DocState.PROCESSING, Pending.CANCEL, may_exist=True, known=True, in_flight=True
    ),
    "cancellation failed": DocView(DocState.ERROR, Pending.CANCEL, may_exist=True, known=True),
    "error after sending (note rejected)": DocView(DocState.ERROR, may_exist=True, known=True),
    "canceled": DocView(DocState.CANCELED, may_exist=True, known=True),
}
EVENTS = {
    Event.RESET: "reset to draft / cancel",
    Event.POST: "posted again",
    Event.DELETE: "invoice deleted",
    Event.FULL_REVERSAL: "full credit note",
    Event.REVERSAL_UNDONE: "that credit note reset / cancelled / deleted",
    Event.REPROCESS: "Reprocess (issue notes off / on)",
    Event.PAID: "paid (sending on payment)",
}
OBSERVATIONS = {
    "order cancelled in the ERP": RemoteStatus(DocType.SERVICE_ORDER, "1", DocState.CANCELED),
    "order deleted in the ERP (404, trash)": RemoteStatus(
        DocType.SERVICE_ORDER, "1", DocState.CANCELED, deleted=True
    ),
    "paid": RemoteStatus(DocType.SERVICE_ORDER, "1", DocState.FULFILLED),
    "paid and done": RemoteStatus(DocType.SERVICE_ORDER, "1", DocState.AWAITING_ISSUE),
    "note issued": RemoteStatus(DocType.SERVICE_ORDER, "1", DocState.ISSUED),
    "note cancelled in the ERP": RemoteStatus(DocType.SERVICE_ORDER, "1", DocState.AWAITING_ISSUE),
    "note rejected / denied": RemoteStatus(
        DocType.SERVICE_ORDER, "1", DocState.FULFILLED, note_rejection="SEFAZ reason"
    ),
}


def describe(outcome: Change | Refusal | bool) -> str:
    if isinstance(outcome, bool):
        return "allowed" if outcome else "**refused** until canceled"
    if isinstance(outcome, Refusal):
        if outcome.message == lifecycle.NOTE_BEING_ISSUED_REFUSAL:
            return "**refused** while the note is being issued"
        return "**refused**: cancel the note in the ERP first" + (
            "; re-read at once" if outcome.recheck else ""
        )
    if outcome == lifecycle.KEEP:
        return "unchanged"
    parts = []
    if outcome.state is not None:
        parts.append(f"→ {outcome.state.value}")
    if outcome.pending is Pending.PUSH:
        parts.append("send queued")
    elif outcome.pending is Pending.CANCEL:
        parts.append("cancel queued")
    elif outcome.pending is Pending.ISSUE:
        parts.append("note requested")
    if outcome.error is not None:
        parts.append("error says what to do")
    if outcome.chatter is not None:
        parts.append("chatter line")
    if outcome.recheck:
        parts.append("read back at once")
    if outcome.archive:
        parts.append("archived")
    if outcome.replaced:
        # Not archived: this one's cancellation goes on, and holds the new one back until it is done.
        parts.append("new document queued" + ("" if outcome.archive else ", sent once this one is canceled"))
    return ", ".join(parts)


def outcome(event: Event, doc: DocView) -> Change | Refusal | bool:
    if event is Event.RESET:
        return lifecycle.on_reset(doc)
    if event is Event.POST:
        return lifecycle.on_post(doc)
    if event is Event.DELETE:
        return lifecycle.can_delete(doc)
    if event is Event.REVERSAL_UNDONE:
        return lifecycle.on_reversal_undone(doc)
    if event is Event.PAID:
        return lifecycle.on_paid(doc)
    return lifecycle.on_full_reversal(doc)


def cell(event: Event, doc: DocView) -> str:
    if event is not Event.REPROCESS:
        return describe(outcome(event, doc))
    off, on = (lifecycle.on_reprocess(doc, issue_notes=notes) for notes in (False, True))
    return describe(off) if off == on else f"{describe(off)} / {describe(on)}"


def events_table() -> str:
    rows = ["| document | " + " | ".join(EVENTS.values()) + " |", "|---" * (len(EVENTS) + 1) + "|"]
    for name, doc in SITUATIONS.items():
        cells = [cell(event, doc) for event in EVENTS]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def observations_table() -> str:
    live = DocView(DocState.OPEN, may_exist=True)
    rows = [
        "| the ERP says | issue notes off | issue notes on |",
        "|---|---|---|",
    ]
    for name, status in OBSERVATIONS.items():
        off = lifecycle.on_observation(live, status, issue_notes=False, note_requested=False)
        on = lifecycle.on_observation(live, status, issue_notes=True, note_requested=False)
        rows.append(f"| {name} | {describe(off)} | {describe(on)} |")
    return "\n".join(rows)


def tables() -> str:
    return f"{events_table()}\n\n{observations_table()}\n"


if __name__ == "__main__":
    print(tables(), end="")
