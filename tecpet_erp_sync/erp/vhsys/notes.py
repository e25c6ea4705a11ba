"""Reading a VHSYS document's fiscal note: the OS's NFS-e (``/notas-servico``, linked to its OS
only by the tags this addon writes into the OS's notes) and the sales order's NF-e
(``/notas-fiscais``, linked by ``id_pedido_ref``)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from ..contract import FiscalNote
from .values import dec, last_tag, parse_stamp, rows_of, to_int, truthy
from .wire import VhsysWire

CLOCK_SKEW = dt.timedelta(minutes=15)
TOLERANCE = Decimal("0.01")
NFSE_TAG_RE = re.compile(r"\[NFS-e (\w+)\]")
NFSE_DRAFT_RE = re.compile(r"\[NFS-e rascunho (\d+)\]")
NFSE_CREATING_RE = re.compile(r"\[NFS-e criando ([\d: -]+)\]")  # written ahead of a draft create


def nfse_total(head: dict) -> Decimal:
    """What the customer owes for an OS's services: its total (header discount or expenses
    included, docs/money.md) less any parts; the NFS-e draft is worth that."""
    return (dec(head.get("valor_total_os")) - dec(head.get("valor_total_pecas"))) or dec(
        head.get("valor_total_servicos")
    )


def nfse_number(data: Any) -> str:
    rows = rows_of(data)
    row = rows[0] if rows else {}
    for key in ("NumeroNFS", "numero_nfs", "numero_nota", "NumeroNota"):
        if str(row.get(key) or "").strip():
            return str(row[key]).strip()
    return ""


def nfe_issued(note: dict) -> bool:
    return (
        truthy(note.get("nota_emitida"))
        and not truthy(note.get("nota_denegada"))
        and parse_stamp(note.get("nota_data_cancelamento")) is None
        and note.get("status_pedido") != "Cancelado"
        and note.get("lixeira", "Nao") != "Sim"
    )


def nfe_details(note: dict) -> FiscalNote:
    """What a VHSYS NF-e row tells (no PDF link: VHSYS gives none through the API)."""
    stamp = parse_stamp(note.get("nota_data_autorizacao"))
    return FiscalNote(
        number=str(note.get("id_pedido") or ""),
        series=str(note.get("serie_nota") or note.get("nota_serie") or ""),
        access_key=str(note.get("nota_chave") or ""),
        issued_on=stamp.date() if stamp else None,
    )


class VhsysNotes:
    """Whether a document's note is issued, and its number."""

    def __init__(self, wire: VhsysWire, *, status_canceled: str):
        self.wire = wire
        self.status_canceled = status_canceled

    def nfse_live(self, note: dict) -> bool:
        """An NFS-e record neither trashed nor cancelled (read as the NF-e's fields are)."""
        return (
            note.get("lixeira", "Nao") != "Sim"
            and str(note.get("status_pedido") or "").strip().casefold() != self.status_canceled.casefold()
            and parse_stamp(note.get("nota_data_cancelamento")) is None
        )

    def draft(self, draft_id: str) -> dict | None:
        return self.wire.get(f"/notas-servico/{draft_id}", what="NFS-e")

    def os_note(self, head: dict) -> tuple[bool, str]:
        """Whether the OS's NFS-e is issued (and not cancelled since), and its number."""
        obs = str(head.get("obs_interno_pedido") or "")
        tag = last_tag(NFSE_TAG_RE, obs)
        draft = last_tag(NFSE_DRAFT_RE, obs)
        if draft:  # a note this addon created: its own record says whether it still stands
            note = self.draft(draft)
            if note is not None and self.nfse_live(note) and truthy(note.get("nota_emitida")):
                return True, nfse_number(note) or tag
            if note is None or not self.nfse_live(note):
                return False, ""
        elif tag:
            return True, tag
        value = head.get("nota_servico_emitida")
        if truthy(value):
            text = str(value).strip()
            return True, text if text.isdigit() and text != "1" else ""
        return False, ""

    def customer_nfse(self, head: dict) -> list[dict]:
        """The live NFS-e records of the OS's customer for the OS's amount."""
        total = nfse_total(head)
        rows = self.wire.list(
            "/notas-servico",
            {"id_cliente": to_int(head.get("id_cliente"))},
            pk=("id_servico",),
            what="NFS-e list",
        )
        return [
            row
            for row in rows
            if self.nfse_live(row) and abs(dec(row.get("valor_total_servicos")) - total) <= TOLERANCE
        ]

    def ui_nfse_number(self, head: dict) -> str:
        """The number of the NFS-e a VHSYS user issued for this OS in VHSYS's own screens.

        The API links no NFS-e to its OS: the one live, issued note of the OS's customer for the
        OS's amount, created since the OS, is it. None or several: the number stays unknown
        ('') rather than guessed; the document is Issued all the same.
        """
        start = parse_stamp(head.get("data_cad_pedido"))
        numbers = {
            nfse_number(row)
            for row in self.customer_nfse(head)
            if truthy(row.get("nota_emitida"))
            and (start is None or (parse_stamp(row.get("data_cad_pedido")) or start) >= start - CLOCK_SKEW)
        } - {""}
        return numbers.pop() if len(numbers) == 1 else ""

    def nfe_of(self, doc_id: str) -> list[dict]:
        rows = self.wire.list("/notas-fiscais", {"id_pedido_ref": doc_id}, pk=("id_venda",), what="NF-e list")
        return [r for r in rows if str(r.get("id_pedido_ref")) == str(doc_id)]
