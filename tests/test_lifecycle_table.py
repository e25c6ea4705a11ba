"""The life-cycle tables a reader sees (docs/lifecycle.md, the addon's readme) are the ones the
code runs (tecpet_erp_sync/erp/lifecycle.py, printed by tools/lifecycle_table.py)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tecpet_erp_sync.erp import lifecycle
from tecpet_erp_sync.erp.contract import DocState, DocType, RemoteStatus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import lifecycle_table  # noqa: E402

BLOCK = re.compile(r"<!-- lifecycle-table:begin -->\n(.*?)<!-- lifecycle-table:end -->", re.DOTALL)


@pytest.mark.parametrize("path", ["docs/lifecycle.md", "tecpet_erp_sync/readme/USAGE.md"])
def test_documented_table_is_the_code(path):
    found = BLOCK.search((ROOT / path).read_text())
    assert found, f"{path} has no lifecycle-table block"
    assert found.group(1) == lifecycle_table.tables(), (
        f"{path} is out of date: paste the output of tools/lifecycle_table.py"
    )


def test_a_posted_invoice_is_never_left_without_its_document():
    """Whatever state its document is in, re-posting leaves one that stands for the invoice:
    either the document is kept, or a new one is queued."""
    for doc in lifecycle_table.SITUATIONS.values():
        change = lifecycle.on_post(doc)
        assert not change.archive or change.replaced, doc
        if change.state is DocState.CANCELED:
            assert change.replaced, doc


def test_nothing_live_is_ever_deleted_or_silently_cancelled():
    for doc in lifecycle_table.SITUATIONS.values():
        if doc.may_exist and doc.state is not DocState.CANCELED:
            assert not lifecycle.can_delete(doc), doc
        if doc.state is DocState.ISSUED:
            assert isinstance(lifecycle.on_reset(doc), lifecycle.Refusal)
            reversal = lifecycle.on_full_reversal(doc)
            assert reversal.state is DocState.ERROR and reversal.error, (
                "an issued note is never cancelled silently"
            )


def test_a_note_is_requested_once():
    live = lifecycle.DocView(DocState.OPEN, may_exist=True)
    paid = RemoteStatus(DocType.SALES_ORDER, "1", DocState.FULFILLED)
    assert lifecycle.on_observation(live, paid, issue_notes=True, note_requested=False).pending
    assert lifecycle.on_observation(live, paid, issue_notes=True, note_requested=True).pending is None
    assert lifecycle.on_observation(live, paid, issue_notes=False, note_requested=False).pending is None


def test_reprocess_never_leaves_a_document_processing_with_nothing_to_do():
    """N3: a document that exists in the ERP with nothing to send goes back to the read-back (or
    gets its note requested again); only a document with a pending action is processing."""
    stuck = lifecycle.DocView(DocState.PROCESSING, None, may_exist=True, known=True)
    for doc in [*lifecycle_table.SITUATIONS.values(), stuck]:
        for notes in (False, True):
            change = lifecycle.on_reprocess(doc, issue_notes=notes)
            pending = change.pending or (None if change.clear_pending else doc.pending)
            state = change.state or doc.state
            assert state is not DocState.PROCESSING or pending is not None, (doc, notes, change)
            if change.state is not None and not pending:
                assert change.recheck and state in lifecycle.READ_BACK_STATES, (doc, change)
    rejected = lifecycle_table.SITUATIONS["error after sending (note rejected)"]
    assert lifecycle.on_reprocess(rejected, issue_notes=True).pending is lifecycle.Pending.ISSUE
    failed_cancel = lifecycle_table.SITUATIONS["cancellation failed"]
    assert lifecycle.on_reprocess(failed_cancel, issue_notes=False).pending is lifecycle.Pending.CANCEL


def test_a_credit_note_undone_brings_the_documents_back():
    """N8: whatever the reversal did, once it is undone the invoice has a document that stands
    for it (kept, withdrawn from its cancellation, or replaced), and nothing is left processing
    without something to do."""
    for name, doc in lifecycle_table.SITUATIONS.items():
        after = lifecycle.on_full_reversal(doc)
        if isinstance(after, lifecycle.Refusal) or after == lifecycle.KEEP:
            continue
        reversed_doc = lifecycle.DocView(
            after.state or doc.state,
            None if after.clear_pending else (after.pending or doc.pending),
            may_exist=doc.may_exist,
            known=doc.known,
        )
        change = lifecycle.on_reversal_undone(reversed_doc)
        assert change.replaced or change.pending is lifecycle.Pending.PUSH or change.recheck, (name, change)


def test_a_replacement_waits_for_the_cancellation_it_replaces():
    """N2: the documents a re-posting leaves beside the new one are the ones that hold it back."""
    for doc in lifecycle_table.SITUATIONS.values():
        change = lifecycle.on_post(doc)
        if change.replaced and not change.archive:
            assert lifecycle.holds_replacement(doc)


def test_the_documents_an_invoice_has_are_its_attached_ones_but_the_replaced():
    """N19's check before a send counts an order cancelled in the ERP (sent with its share), not
    one a re-posting replaced (its cancellation queued or failed): found by the soak."""
    standing = {name for name, doc in lifecycle_table.SITUATIONS.items() if lifecycle.stands_for_invoice(doc)}
    replaced = {name for name in lifecycle_table.SITUATIONS if name.startswith("cancellation")}
    assert replaced and standing == set(lifecycle_table.SITUATIONS) - replaced


def test_a_cancel_done_hides_the_document_only_when_the_invoice_stands_again():
    assert lifecycle.on_cancel_done(invoice_stands=True).archive
    assert lifecycle.on_cancel_done(invoice_stands=False) == lifecycle.KEEP
