"""The idempotent push and the cancel guard, written once for every ERP.

A push never creates a document twice. Every document carries the caller's marker; with
``maybe_exists`` (an earlier attempt may have reached the ERP) the live documents carrying it are
looked for first:

- found: the oldest is adopted and its missing parts completed (resumed); the others are handed
  to the provider as duplicates. One that cannot be completed (its parts differ from the
  invoice: ``Broken``) is rolled back and created anew, unless the ERP's users have already
  worked on it: then the user decides;
- not found: the document is created, then completed; a part the ERP refuses rolls the document
  back, so no half-built document stays behind (on resume too, unless its users work on it).

The customer is brought up to date first (``customers.upsert_customer``), and a refused customer
reference that an unchanged binding trusted is checked and the push done again
(``customers.push_checking_stale_customer``). Each provider supplies its wire through
``DocumentWire``; this module holds no ERP detail.
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol, TypeVar

from .common import check_amounts
from .contract import CustomerBinding, DocRef, DocState, DocType, OrderRequest, PushResult, RemoteStatus
from .customers import CustomerWire, push_checking_stale_customer, upsert_customer
from .errors import DataError, ErpError
from .messages import _

_logger = logging.getLogger(__name__)

P = TypeVar("P")  # what one provider plans to send for an order
T = TypeVar("T")

NO_LINES = {
    DocType.SERVICE_ORDER: _("The service order of %(reference)s has no lines to send."),
    DocType.SALES_ORDER: _("The sales order of %(reference)s has no lines to send."),
}
# (document type, whether the note's number is known) -> the cancel guard's refusal
NOTE_ISSUED = {
    (DocType.SERVICE_ORDER, True): _(
        "The %(note_kind)s %(note)s of service order %(number)s was already issued in %(erp)s. "
        "Cancel the %(note_kind)s in %(erp)s first, then cancel or reprocess the invoice."
    ),
    (DocType.SERVICE_ORDER, False): _(
        "The %(note_kind)s of service order %(number)s was already issued in %(erp)s. "
        "Cancel the %(note_kind)s in %(erp)s first, then cancel or reprocess the invoice."
    ),
    (DocType.SALES_ORDER, True): _(
        "The %(note_kind)s %(note)s of sales order %(number)s was already issued in %(erp)s. "
        "Cancel the %(note_kind)s in %(erp)s first, then cancel or reprocess the invoice."
    ),
    (DocType.SALES_ORDER, False): _(
        "The %(note_kind)s of sales order %(number)s was already issued in %(erp)s. "
        "Cancel the %(note_kind)s in %(erp)s first, then cancel or reprocess the invoice."
    ),
}


class Broken(Exception):
    """An earlier attempt left a document that cannot be completed: roll it back and create anew."""


class DocumentWire(Protocol[P]):
    """What a provider tells the push about its documents. ``row`` is a document as the ERP's
    search answered it; ``head`` as its create answered it."""

    erp: str  # the ERP's name, in messages and logs
    customers: CustomerWire
    customer_field: str  # the document field naming the customer (a refusal of it: stale binding)

    def check(self, order: OrderRequest) -> None:
        """Raise DataError on what this ERP cannot take, before anything is sent."""
        ...

    def plan(self, order: OrderRequest, customer: CustomerBinding) -> P:
        """What the document will look like in the ERP. May look up or create products."""
        ...

    def find_live(self, plan: P) -> list[dict[str, Any]]:
        """The live documents carrying the plan's marker, oldest first."""
        ...

    def doc_id(self, plan: P, row: dict[str, Any]) -> str: ...

    def drop_duplicate(self, plan: P, row: dict[str, Any]) -> None:
        """A younger document with the same marker (should never happen)."""
        ...

    def create_header(self, plan: P) -> tuple[str, dict[str, Any]]:
        """Create the document's header: (its id, the create's answer)."""
        ...

    def complete(self, plan: P, doc_id: str, *, resume: bool) -> None:
        """Post the document's parts; with ``resume``, first read which already exist and raise
        ``Broken`` when they differ from the plan."""
        ...

    def in_use(self, row: dict[str, Any]) -> bool:
        """Whether the ERP's users have worked on the document (it is theirs now)."""
        ...

    def in_use_refusal(self, plan: P, row: dict[str, Any], reason: str) -> DataError:
        """Why a broken document in use is left alone."""
        ...

    def roll_back(self, plan: P, doc_id: str) -> None:
        """Undo a document that cannot be completed, as far as the ERP allows."""
        ...

    def created(self, plan: P, doc_id: str, head: dict[str, Any]) -> PushResult: ...

    def adopted(self, plan: P, doc_id: str, row: dict[str, Any]) -> PushResult:
        """An adopted document, in the state the ERP says it is in (its users may have paid or
        issued it while Odoo did not know it existed)."""
        ...


def push(docs: DocumentWire[P], order: OrderRequest, *, maybe_exists: bool) -> PushResult:
    """Send ``order`` exactly once (see the module docstring)."""
    return push_checking_stale_customer(lambda o: _push(docs, o, maybe_exists), order, docs.customer_field)


def _push(docs: DocumentWire[P], order: OrderRequest, maybe_exists: bool) -> PushResult:
    if not order.marker:
        raise ErpError(_("Internal error: the document has no marker, so it could be sent twice."))
    if not order.lines:
        raise DataError(NO_LINES[order.doc_type], reference=order.reference)
    check_amounts(order)
    docs.check(order)
    customer = upsert_customer(docs.customers, order.customer, order.customer_binding)
    plan = docs.plan(order, customer)
    adopted = _adopt(docs, plan) if maybe_exists else None
    return replace(adopted or _create(docs, plan), customer=customer)


def _adopt(docs: DocumentWire[P], plan: P) -> PushResult | None:
    candidates = docs.find_live(plan)
    if not candidates:
        return None
    chosen, extras = candidates[0], candidates[1:]
    for extra in extras:  # should never happen; keep the oldest
        docs.drop_duplicate(plan, extra)
    doc_id = docs.doc_id(plan, chosen)
    _logger.info("%s: adopting document %s found by its marker", docs.erp, doc_id)
    try:
        docs.complete(plan, doc_id, resume=True)
    except Broken as exc:
        if docs.in_use(chosen):
            raise docs.in_use_refusal(plan, chosen, str(exc)) from exc
        _logger.info("%s: document %s cannot be completed (%s): rolling it back", docs.erp, doc_id, exc)
        docs.roll_back(plan, doc_id)
        return None
    except DataError:
        # A definitive refusal of a part, as in ``_create``: no half-built document stays behind,
        # unless the ERP's users work on it already (then it is theirs, and the error says why).
        if not docs.in_use(chosen):
            _logger.info("%s: document %s refused on resume: rolling it back", docs.erp, doc_id)
            docs.roll_back(plan, doc_id)
        raise
    return docs.adopted(plan, doc_id, chosen)


def _create(docs: DocumentWire[P], plan: P) -> PushResult:
    doc_id, head = docs.create_header(plan)
    try:
        docs.complete(plan, doc_id, resume=False)
    except DataError:
        # A definitive rejection of a part: roll the header back so no half-built order stays.
        docs.roll_back(plan, doc_id)
        raise
    return docs.created(plan, doc_id, head)


def unless_done(call: Callable[[], T], is_done: Callable[[DataError], bool]) -> T | None:
    """``call()``, or None when the ERP refuses it because it was done already (a repeated step:
    "já lançado", "já emitida"), which counts as success."""
    try:
        return call()
    except DataError as exc:
        if is_done(exc):
            return None
        raise


def note_issued_refusal(
    ref: DocRef, *, erp: str, number: str, note_kind: str, note: str, field: str
) -> DataError:
    """The cancel guard: a document whose fiscal note is issued is not cancelled by Odoo."""
    return DataError(
        NOTE_ISSUED[(ref.doc_type, bool(note))],
        field=field,
        erp=erp,
        number=number,
        note_kind=note_kind,
        note=note,
    )


def canceled(ref: DocRef, number: str = "", *, deleted: bool = False) -> RemoteStatus:
    return RemoteStatus(
        ref.doc_type, ref.external_id, DocState.CANCELED, external_number=number, deleted=deleted
    )
