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
