"""What a Bling order's state is: its situação (read by ``valor``; ids differ per account and are
resolved by name from ``GET /situacoes/modulos/{Vendas}``), its receivables and its fiscal note."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt
from typing import Any

from ..contract import DocRef, DocState, DocType, RemoteStatus
from ..errors import DataError, ErpError
from ..messages import _
from ..states import BLING_NFE_REJECTED, BLING_READY_VALORES, NoteKind, bling_order_state
from .rps import find_tagged_note
from .values import MAX_RANGE, data, fiscal_note, origin_order, plain, ref_id, to_int, valor
from .wire import BlingWire

# Bling's NF-e situações that end a note without issuing it (states.BLING_NFE_REJECTED).
NFE_REFUSED = {
    4: _(
        "Bling could not issue the fiscal note: NF-e %(number)s was rejected (Rejeitada); open it in "
        "Bling for the SEFAZ's reason.\nCorrect it in Bling and transmit the note again there; Odoo "
        "reads the new state back."
    ),
    9: _(
        "Bling could not issue the fiscal note: NF-e %(number)s was denied (Denegada); open it in "
        "Bling for the SEFAZ's reason.\nCorrect it in Bling and transmit the note again there; Odoo "
        "reads the new state back."
    ),
}


class Caches:
    """What one read-back run has already fetched."""

    def __init__(self):
        self.notes: dict[tuple[str, int], Any] = {}
        self.receivables: dict[tuple[int, dt.date], list[dict[str, Any]]] = {}
        self.nfse_rows: dict[dt.date, list[dict[str, Any]]] = {}  # GET /nfse, by the window's start


class BlingStatus:
    """Reads orders and says what state each is in."""

    def __init__(self, wire: BlingWire, options: Any, tz: dt.tzinfo):
        self.wire = wire
        self.options = options
        self.tz = tz
        self.situacoes: list[dict[str, Any]] | None = None  # the account's sales order situações

    def sales_situacoes(self) -> list[dict[str, Any]]:
        if self.situacoes is None:
            modules = data(self.wire.call("GET", "/situacoes/modulos", what="situação modules")) or []
            vendas = next(
                (m for m in modules if isinstance(m, dict) and plain(str(m.get("nome"))) == "vendas"), None
            ) or next(
                (
                    m
                    for m in modules
                    if isinstance(m, dict) and "pedidos de venda" in plain(str(m.get("descricao")))
                ),
                None,
            )
            if vendas is None:
                raise ErpError(_('Bling shows no "Vendas" situação module.'))
            path = f"/situacoes/modulos/{to_int(vendas.get('id'))}"
            rows = data(self.wire.call("GET", path, what="situações")) or []
            self.situacoes = [r for r in rows if isinstance(r, dict)]
        return self.situacoes

    def situacao_id(self, name: str) -> int:
        ids = self.situacao_ids((name,))
        if not ids:
            raise DataError(
                _(
                    'Bling has no sales order situação named "%(name)s": create it in Bling or choose '
                    "another one in the integration options."
                ),
                field="situacao",
                name=name,
            )
        return min(ids)

    def situacao_ids(self, names: tuple[str, ...]) -> set[int]:
        wanted = {plain(n) for n in names}
        return {
            to_int(s.get("id")) for s in self.sales_situacoes() if plain(str(s.get("nome") or "")) in wanted
        }

    def get_order(self, oid: int) -> dict[str, Any] | None:
        """The order, or None when it was deleted in Bling: Bling's own "resource not found",
        twice (defect N17: a deletion cancels the document for good, so one answer is not enough;
        any other 404 is an error, ``wire.call``)."""
        resp = self.wire.call("GET", f"/pedidos/vendas/{oid}", what="order", allow_404=True)
        if resp is None:
            resp = self.wire.call("GET", f"/pedidos/vendas/{oid}", what="order", allow_404=True)
        if resp is None:
            return None
        detail = data(resp)
        if not isinstance(detail, dict) or to_int(detail.get("id")) != oid:
            # An answer we cannot read must never pass for a deleted order.
            raise ErpError(_("Bling answered the order %(id)s in an unexpected shape."), id=oid)
        return detail

    def status(self, ref: DocRef, detail: dict[str, Any] | None, caches: Caches) -> RemoteStatus:
        if detail is None:
            detail = self.get_order(ref_id(ref))
            if detail is None:  # deleted in Bling
                return RemoteStatus(ref.doc_type, ref.external_id, DocState.CANCELED, deleted=True)
        kind, note = self.note_of(ref.doc_type, detail, caches)
        return self.remote_status(ref, detail, self.receivables(detail, caches), kind, note)

    def remote_status(
        self, ref: DocRef, detail: dict[str, Any], receivables: list[int], kind: NoteKind, note: dict | None
    ) -> RemoteStatus:
        """The order's state by ``states.bling_order_state``, and its note number once issued."""
        situacao = detail.get("situacao") or {}
        custom_ready = bool(self.options.awaiting_issue_situacoes) and to_int(situacao.get("id")) in (
            self.situacao_ids(self.options.awaiting_issue_situacoes)
        )
        state = bling_order_state(
            valor(detail),
            receivables,
            to_int(note.get("situacao")) if note else None,
            kind if note else None,
            ready_valores=BLING_READY_VALORES,
            ready=custom_ready,
        )
        rejected = note is not None and kind == "nfe" and to_int(note.get("situacao")) in BLING_NFE_REJECTED
        issued = note is not None and state is DocState.ISSUED
        return RemoteStatus(
            ref.doc_type,
            ref.external_id,
            state,
            external_number=str(detail.get("numero") or ""),
            note_number=str(note.get("numero") or "") if issued else "",
            note_rejection=(
                (NFE_REFUSED[to_int(note.get("situacao"))], {"number": str(note.get("numero") or "")})
                if rejected
                else None
            ),
            note=fiscal_note(kind, note) if issued else None,
        )

    def note_of(
        self, doc_type: DocType, detail: dict[str, Any], caches: Caches
    ) -> tuple[NoteKind, dict | None]:
        """The fiscal note of an order: the NF-e Bling linked (``notaFiscal``) for a sales order;
        for a service order the NFS-e Bling linked, else the one found by the order's RPS tags
        (``rps.py``: Bling keeps no link to a note made through the API)."""
        kind: NoteKind = "nfe" if doc_type is DocType.SALES_ORDER else "nfse"
        note_id = to_int((detail.get("notaFiscal") or {}).get("id"))
        if not note_id and kind == "nfse":
            today = dt.datetime.now(self.tz).date()
            row = find_tagged_note(self.wire, today, detail, caches.nfse_rows)
            note_id = to_int(row.get("id")) if row else 0
        if not note_id:
            return kind, None
        key = (kind, note_id)
        if key not in caches.notes:
            caches.notes[key] = self.wire.get(f"/{kind}/{note_id}", what="fiscal note")
        note = caches.notes[key]
        return kind, note if isinstance(note, dict) else None

    def receivables(self, detail: dict[str, Any], caches: Caches) -> list[int]:
        """Situações of the contas a receber created from this order (tipoOrigem venda, origem.id).

        Bling filters receivables by customer and date only, over at most a year: the window is
        the year from the order's own date (its receivables are launched when it is created), so
        an order of any age finds them (defect N10: a window ending today lost them after ~11
        months and the sweep took paid orders back to Open)."""
        oid = to_int(detail.get("id"))
        contact_id = to_int((detail.get("contato") or {}).get("id"))
        today = dt.datetime.now(self.tz).date()
        try:
            start = dt.date.fromisoformat(str(detail.get("data") or "")[:10]) - dt.timedelta(days=1)
        except ValueError:
            start = today - MAX_RANGE + dt.timedelta(days=31)
        key = (contact_id, start)
        if key not in caches.receivables:
            params = {
                "idContato": contact_id,
                "tipoFiltroData": "E",
                "dataInicial": start.isoformat(),
                "dataFinal": min(start + MAX_RANGE, today + dt.timedelta(days=30)).isoformat(),
            }
            caches.receivables[key] = list(self.wire.pages("/contas/receber", params, what="receivables"))
        return [to_int(row.get("situacao")) for row in caches.receivables[key] if origin_order(row) == oid]

    def local(self, moment: dt.datetime) -> str:
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")
