"""Bling read-back: orders changed since the cursor, receivables received since then and NF-e
emitted since then (NFS-e are read through the order's ``notaFiscal`` link), so its cost follows
the number of changes."""

from __future__ import annotations

import datetime as dt

from ..common import parse_cursor, read_each
from ..contract import ChangeSet, DocRef, DocType
from .status import BlingStatus, Caches
from .values import MAX_RANGE, origin_order, to_int
from .wire import BlingWire


def fetch_changes(
    wire: BlingWire,
    status: BlingStatus,
    refs: list[DocRef],
    since: str | None,
    margin: float,
    *,
    max_reads: int | None = None,
) -> ChangeSet:
    calls_before = wire.http.calls
    now = dt.datetime.now(dt.timezone.utc)
    by_id = {ref.external_id: ref for ref in refs if to_int(ref.external_id) > 0}
    caches = Caches()
    start = parse_cursor(since, naive_tz=dt.timezone.utc, provider="Bling")
    if start is None:
        candidates = sorted(by_id)
    else:
        start = max(start - dt.timedelta(seconds=margin), now - MAX_RANGE)
        candidates = _changed(wire, status, by_id, start, now, caches)
    read, postponed = (
        (candidates, []) if max_reads is None else (candidates[:max_reads], candidates[max_reads:])
    )
    statuses, unreadable = read_each(
        (by_id[external_id] for external_id in read), lambda ref: status.status(ref, None, caches)
    )
    return ChangeSet(
        statuses,
        cursor=now.isoformat(),
        calls=wire.http.calls - calls_before,
        unreadable=unreadable,
        postponed=tuple(by_id[external_id] for external_id in postponed),
    )


def _changed(
    wire: BlingWire,
    status: BlingStatus,
    by_id: dict[str, DocRef],
    start: dt.datetime,
    now: dt.datetime,
    caches: Caches,
) -> list[str]:
    """Ids of the given documents touched since ``start``: paid first, then those with a note
    emitted, then the other changed ones (what a clerk waits for goes first when reads are
    bounded), each once."""
    orders: list[str] = []
    paid_ids: list[str] = []
    noted: list[str] = []
    local_start, local_end = status.local(start), status.local(now + dt.timedelta(hours=1))
    changed = {"dataAlteracaoInicial": local_start, "dataAlteracaoFinal": local_end}
    for row in wire.pages("/pedidos/vendas", changed, what="changed orders"):
        if str(row.get("id")) in by_id:
            orders.append(str(row["id"]))
    paid = {
        "tipoFiltroData": "R",
        "situacoes[]": [2],
        "dataInicial": local_start[:10],
        "dataFinal": local_end[:10],
    }
    for row in wire.pages("/contas/receber", paid, what="received receivables"):
        if str(origin_order(row)) in by_id:
            paid_ids.append(str(origin_order(row)))
    sales = {ref.marker: ref for ref in by_id.values() if ref.doc_type is DocType.SALES_ORDER and ref.marker}
    if sales:
        window = {"dataEmissaoInicial": local_start, "dataEmissaoFinal": local_end}
        for row in wire.pages("/nfe", window, what="fiscal notes"):
            note = wire.get(f"/nfe/{to_int(row.get('id'))}", what="fiscal note")
            if not isinstance(note, dict):
                continue
            caches.notes[("nfe", to_int(note.get("id")))] = note
            ref = sales.get(str(note.get("numeroPedidoLoja") or ""))
            if ref is not None:
                noted.append(ref.external_id)
    # NFS-e carry no order link: they are read through the order they are linked to (notaFiscal)
    return list(dict.fromkeys(paid_ids + noted + sorted(orders)))
