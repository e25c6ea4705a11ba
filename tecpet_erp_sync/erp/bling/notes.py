"""Issuing a Bling sales order's NF-e: ``gerar-nfe`` on the order, then ``/nfe/{id}/enviar``. Bling
links the note to the order itself (``notaFiscal``), which is how a retry finds it; the search by
``numeroLoja`` is a fallback whose rows are adopted only when they name this order (defect N6).
Service orders' NFS-e: ``nfse.py``."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

from typing import Any

from ..errors import ErpError
from ..messages import _
from ..push_flow import unless_done
from ..states import BLING_NFE_ISSUED
from .values import already_sent, created_note_id, to_int
from .wire import BlingWire

NFE_CANCELED = 2
NFE_FILTER_FACT = "bling_nfe_numero_loja_filter"  # Check account: is GET /nfe?numeroLoja= honoured?
MAX_CANDIDATES = 5  # more notes of the customer for one marker: the filter was ignored


class BlingNfe:
    """``issue_note`` for a sales order."""

    def __init__(self, wire: BlingWire, facts: dict[str, Any]):
        self.wire = wire
        self.facts = facts

    def issue(self, oid: int, detail: dict[str, Any]) -> dict[str, Any]:
        note = None
        note_id = to_int((detail.get("notaFiscal") or {}).get("id"))
        if note_id:
            note = self.wire.get(f"/nfe/{note_id}", what="NF-e")
        if not isinstance(note, dict) or to_int(note.get("situacao")) == NFE_CANCELED:
            note = self._found_by_marker(detail)
        if note is None:
            resp = self.wire.call("POST", f"/pedidos/vendas/{oid}/gerar-nfe", what="NF-e generation")
            note_id = created_note_id(resp.body if resp else None)
            if not note_id:
                raise ErpError(_("Bling generated the NF-e but did not return its id."))
            note = self.wire.get(f"/nfe/{note_id}", what="NF-e") or {"id": note_id, "situacao": 1}
        if to_int(note.get("situacao")) not in BLING_NFE_ISSUED + (NFE_CANCELED,):
            note_id = to_int(note.get("id"))
            unless_done(
                lambda: self.wire.call(
                    "POST",
                    f"/nfe/{note_id}/enviar",
                    params={"enviarEmail": "false"},
                    what="NF-e transmission",
                ),
                already_sent,
            )
            note = self.wire.get(f"/nfe/{note_id}", what="NF-e") or note
        return note

    def _found_by_marker(self, detail: dict[str, Any]) -> dict[str, Any] | None:
        """The live NF-e an earlier ``gerar-nfe`` may have made without us hearing back, when the
        order does not show it: one whose ``numeroPedidoLoja`` is the order's marker and whose
        customer is the order's. Never asked when Check account found the filter ignored."""
        marker = str(detail.get("numeroLoja") or "")
        if not marker or self.facts.get(NFE_FILTER_FACT) is False:
            return None
        contact = to_int((detail.get("contato") or {}).get("id"))
        rows = self.wire.search("/nfe", {"numeroLoja": marker}, what="NF-e search")
        candidates = sorted(
            to_int(r.get("id"))
            for r in rows
            if to_int(r.get("situacao")) != NFE_CANCELED
            and to_int((r.get("contato") or {}).get("id")) == contact
        )
        for note_id in candidates[:MAX_CANDIDATES]:
            note = self.wire.get(f"/nfe/{note_id}", what="NF-e")
            if isinstance(note, dict) and str(note.get("numeroPedidoLoja") or "") == marker:
                return note
        return None
