"""A definitive refusal while resuming a half-built order rolls it back, as a first attempt does
(PRODUCT 2.5, issue 20 point 5): the header of an earlier attempt is found by its marker, one of
its parts is refused (DataError), and no half-built order stays live in the ERP."""

from __future__ import annotations

import pytest
from test_vhsys_faults import OS, PV, order

from tecpet_erp_sync.erp.errors import DataError, UnknownOutcome

PARTS = {OS: r"/servicos$", PV: r"^/pedidos/\d+/produtos$"}


def live(sandbox, marker):
    return [d for d in sandbox.vhsys.snapshot()["documents"] if d["marker"] == marker and d["live"]]


@pytest.mark.parametrize("doc_type", [OS, PV], ids=["os", "pv"])
def test_a_part_refused_on_resume_rolls_the_header_back(sandbox, make_vhsys, doc_type):
    marker = f"ODOO:resume-refused:{doc_type.value}"
    path = PARTS[doc_type]
    # First attempt: the header is created, the first part never arrives (no answer).
    sandbox.faults.add(fault="timeout_before_write", provider="vhsys", method="POST", path=path, delay=1.0)
    with pytest.raises(UnknownOutcome):
        make_vhsys().push(order(doc_type, marker))
    assert len(live(sandbox, marker)) == 1, "the first attempt left a header"
    sandbox.faults.clear()
    # The resume finds the header by its marker; the ERP now refuses the part for good.
    sandbox.faults.add(fault="forbidden", provider="vhsys", method="POST", path=path)
    with pytest.raises(DataError):
        make_vhsys().push(order(doc_type, marker), maybe_exists=True)
    assert live(sandbox, marker) == [], "no half-built order stays live after a definitive refusal"


def test_a_refusal_on_resume_leaves_an_order_its_users_work_on(sandbox, make_vhsys):
    """Marked done in the ERP meanwhile: the order is its users' now, it is not rolled back."""
    marker = "ODOO:resume-refused:in-use"
    sandbox.faults.add(
        fault="timeout_before_write", provider="vhsys", method="POST", path=PARTS[OS], delay=1.0
    )
    with pytest.raises(UnknownOutcome):
        make_vhsys().push(order(OS, marker))
    sandbox.faults.clear()
    [header] = live(sandbox, marker)
    sandbox.control("ready", {"provider": "vhsys", "doc_type": "service_order", "id": header["id"]})
    sandbox.faults.add(fault="forbidden", provider="vhsys", method="POST", path=PARTS[OS])
    with pytest.raises(DataError):
        make_vhsys().push(order(OS, marker), maybe_exists=True)
    assert len(live(sandbox, marker)) == 1
