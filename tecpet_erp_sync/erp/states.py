"""ERP facts → addon states, in one place (PRODUCT.md 2.2; erp-apis/vhsys.md §4, bling.md §4).

Plain functions over plain facts: each client reads the ERP and passes what it found, so the
mapping can be read, tuned and tested without HTTP. No source defines these mappings: they are
the inferred tables of the API notes, to tune against real accounts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from decimal import Decimal
from typing import Literal

from .contract import DocState

# -- VHSYS ------------------------------------------------------------------------------------
VHSYS_DONE = "Atendido"  # base status "work done": not "paid" (payment lives in contas a receber)
VHSYS_CANCELED = "Cancelado"
# Σ valor_pago may differ from the total by rounding of instalments; amounts are in cents.
VHSYS_PAID_TOLERANCE = Decimal("0.005")


def vhsys_state(
    status_pedido: str,
    in_trash: bool,
    note_issued: bool,
    receivables: list[tuple[bool, Decimal, Decimal]],
    total: Decimal,
    *,
    done: str = VHSYS_DONE,
    canceled: str = VHSYS_CANCELED,
) -> DocState:
    """State of one VHSYS OS or pedido.

    ``receivables``: (liquidado_rec == "Sim", valor_rec, valor_pago) of each conta a receber linked
    to the document. ``note_issued``: its NFS-e/NF-e is issued and not cancelled. ``done`` and
    ``canceled`` are the status names to compare with (an account may agree on other ones).

    Precedence: canceled (status or trash) > issued > awaiting_issue (paid and done) > fulfilled
    (paid) > open. Paid means receivables launched, all liquidated, and Σ paid covering the total:
    VHSYS shows ``liquidado_rec = "Sim"`` on partial payments too. Any other status ("Em Aberto",
    "Em Andamento", or a value we do not know) reads as open: custom situações map to a base status,
    and the unknown must not look more advanced than it is. Names compare case-insensitively
    because the UI spells "Em aberto" where the API says "Em Aberto".
    """
    status = status_pedido.strip().casefold()
    if in_trash or status == canceled.casefold():
        return DocState.CANCELED
    if note_issued:
        return DocState.ISSUED
    paid = (
        bool(receivables)
        and all(liquidated for liquidated, _amount, _paid in receivables)
        and sum((paid for _liquidated, _amount, paid in receivables), Decimal(0))
        >= total - VHSYS_PAID_TOLERANCE
    )
    if paid and status == done.casefold():
        return DocState.AWAITING_ISSUE
    return DocState.FULFILLED if paid else DocState.OPEN


# -- Bling ------------------------------------------------------------------------------------
BLING_ORDER_DONE = 1  # situação valor "Atendido"
BLING_ORDER_CANCELLED = 2  # "Cancelado"
BLING_ORDER_VERIFIED = 11  # "Verificado"
BLING_READY_VALORES = (BLING_ORDER_DONE, BLING_ORDER_VERIFIED)  # default "ready for the note"
BLING_NFE_ISSUED = (5, 6)  # Autorizada, Emitida DANFE
BLING_NFE_PENDING = (1, 8)  # Pendente, Aguardando protocolo: exists, not transmitted yet
# Refused by the SEFAZ: the document is in error until the ERP's users correct and resend the note.
BLING_NFE_REJECTED = {4: "Rejeitada", 9: "Denegada"}
BLING_NFSE_ISSUED = (1, 2)  # Emitida, Disponível para consulta
BLING_NFSE_PENDING = (0,)  # Pendente
BLING_RECEIVABLE_PAID = (2, 7)  # Pago/Recebido, Confirmado
BLING_RECEIVABLE_CANCELLED = 5

NoteKind = Literal["nfe", "nfse"]
_BLING_NOTE_ISSUED = {"nfe": BLING_NFE_ISSUED, "nfse": BLING_NFSE_ISSUED}
_BLING_NOTE_PENDING = {"nfe": BLING_NFE_PENDING, "nfse": BLING_NFSE_PENDING}


def bling_order_state(
    situacao_valor: int,
    receivable_situacoes: list[int],
    note_situacao: int | None,
    note_kind: NoteKind | None,
    *,
    ready_valores: Collection[int] = BLING_READY_VALORES,
    ready: bool = False,
) -> DocState:
    """State of one Bling pedido de venda (an OS is a pedido of services in Bling).

    ``situacao_valor``: the base state the order's situação inherits. ``receivable_situacoes``: the
    situações of the contas a receber whose origem is this order. ``note_situacao``/``note_kind``:
    the linked NF-e or NFS-e, if any. ``ready_valores`` are the base states that mean "ready for
    the note"; ``ready`` says the order is in a custom situação the user chose for that.

    Precedence: canceled (valor 2) > issued (NF-e 5/6, NFS-e 1/2) > awaiting_issue (paid, and
    ready or a note pending) > fulfilled (paid) > open.

    Paid: at least one live receivable and every live one received (2 or 7). Cancelled receivables
    (5) are left out, so a conta cancelled and replaced by another does not hold the order back;
    an order whose contas are all cancelled is not paid. A cancelled, denied or otherwise dead note is also
    left out: cancelling the note does not cancel the sale, so the order is read as if it had no
    note and a new one can be issued.
    """
    if situacao_valor == BLING_ORDER_CANCELLED:
        return DocState.CANCELED
    if note_kind is not None and note_situacao in _BLING_NOTE_ISSUED[note_kind]:
        return DocState.ISSUED
    note_pending = note_kind is not None and note_situacao in _BLING_NOTE_PENDING[note_kind]
    live = [s for s in receivable_situacoes if s != BLING_RECEIVABLE_CANCELLED]
    paid = bool(live) and all(s in BLING_RECEIVABLE_PAID for s in live)
    if paid and (ready or situacao_valor in ready_valores or note_pending):
        return DocState.AWAITING_ISSUE
    return DocState.FULFILLED if paid else DocState.OPEN


# -- Invoice ----------------------------------------------------------------------------------
_PROGRESS = (DocState.OPEN, DocState.FULFILLED, DocState.AWAITING_ISSUE, DocState.ISSUED)


def aggregate_invoice_state(states: Iterable[DocState | str]) -> DocState | None:
    """The invoice's ``service_order_state`` from its documents' states (PRODUCT.md 2.2).

    error if any is in error; else processing if any is processing; else canceled if all are
    canceled; else the least advanced of open < fulfilled < awaiting_issue < issued. When only some
    documents are canceled (e.g. the OS was cancelled in the ERP, the PV goes on), the canceled ones
    are left out of that minimum: what remains to do is the live documents' progress. Takes the
    Odoo selection keys as well as ``DocState``; None when there are no documents (not in the flow).
    """
    found = {DocState(state) for state in states}
    if not found:
        return None
    for state in (DocState.ERROR, DocState.PROCESSING):
        if state in found:
            return state
    live = found - {DocState.CANCELED}
    return min(live, key=_PROGRESS.index) if live else DocState.CANCELED
