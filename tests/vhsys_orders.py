"""What the VHSYS client tests build and do, written once: orders of the contract and their lines,
and the sandbox's VHSYS user acting on one document."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tecpet_erp_sync.erp.contract import Address, Customer, DocType, Installment, Line, LineKind, OrderRequest

OS, PV = DocType.SERVICE_ORDER, DocType.SALES_ORDER
LONG_AGO = "2020-01-01T00:00:00-03:00"  # a cursor before every document of the tests
ADDRESS = Address("Rua das Flores", "123", "Centro", "Campinas", "SP", "13010000")


def service(label: str, price: str, item: str = "", qty: int = 1) -> Line:
    return Line(LineKind.SERVICE, label, Decimal(qty), Decimal(price), label.upper()[:6], service_code=item)


def order(
    doc_type: DocType,
    marker: str,
    lines,
    customer: Customer,
    *,
    reference: str,
    method: str = "PIX",
    freight: Decimal = Decimal(0),
    created_at: dt.datetime | None = None,
) -> OrderRequest:
    """An order issued today, paid in one installment (due 2026-07-10) of its lines and freight."""
    total = sum((ln.amount for ln in lines), Decimal(0)) + freight
    return OrderRequest(
        doc_type,
        marker,
        reference,
        customer,
        tuple(lines),
        (Installment(dt.date(2026, 7, 10), total, method),),
        dt.date.today(),
        freight=freight,
        created_at=created_at,
    )


def act(sandbox, action: str, doc_type: DocType, doc_id, **params):
    """What a VHSYS user does on one document (pay, ready, issue, cancel...), through the sandbox."""
    return sandbox.control(
        action, {"provider": "vhsys", "doc_type": doc_type.value, "id": str(doc_id), **params}
    )
