"""Issuing a service order's NFS-e in VHSYS: a draft (``POST /notas-servico``), then
``/emitir``. VHSYS links no NFS-e to its OS, so the OS's internal notes carry the progress:
``[NFS-e criando <time>]`` before the draft's create, ``[NFS-e rascunho <id>]`` once it exists and
``[NFS-e <number>]`` once issued; a lost answer never makes a second municipal note (defect A4)."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from ..common import BRT
from ..contract import DocRef, DocState, RemoteStatus
from ..errors import DataError, ErpError, UnknownOutcome
from ..formatting import money
from ..messages import _
from ..push_flow import unless_done
from .notes import CLOCK_SKEW, NFSE_CREATING_RE, NFSE_DRAFT_RE, VhsysNotes, nfse_number, nfse_total
from .plan import OS_PATH
from .values import last_tag, parse_stamp, to_int, truthy
from .wire import VhsysWire

_logger = logging.getLogger(__name__)

_ALREADY_ISSUED_RE = re.compile(r"j[áa]\s+(foi\s+)?emitid", re.IGNORECASE)


class VhsysNfse:
    """``issue_note`` for a service order."""

    def __init__(self, wire: VhsysWire, notes: VhsysNotes, options: Any):
        self.wire = wire
        self.notes = notes
        self.options = options

    def issue(self, ref: DocRef) -> RemoteStatus:
        path = f"{OS_PATH}/{ref.external_id}"
        head = self.wire.get(path, what="service order")
        if head is None:
            raise DataError(_("Service order %(id)s no longer exists in VHSYS."), id=ref.external_id)
        number = str(head.get("id_pedido") or "")
        if head.get("lixeira") == "Sim" or head.get("status_pedido") == self.options.status_canceled:
            raise DataError(
                _("Service order %(number)s is cancelled in VHSYS: no NFS-e can be issued for it."),
                number=number,
            )
        issued, note = self.notes.os_note(head)
        if issued:
            return RemoteStatus(ref.doc_type, ref.external_id, DocState.ISSUED, number, note)
        obs = str(head.get("obs_interno_pedido") or "")
        draft_id = last_tag(NFSE_DRAFT_RE, obs)
        if draft_id:
            existing = self.notes.draft(draft_id)
            note = nfse_number(existing) if existing else ""
            if existing is None or not self.notes.nfse_live(existing):
                draft_id = note = ""
        if not draft_id:
            # A draft create whose answer was lost left its write-ahead tag: find that draft
            # instead of creating a second one (a duplicate municipal note, defect A4).
            creating = last_tag(NFSE_CREATING_RE, obs)
            draft_id = self._orphan_draft(head, creating) if creating else ""
        if not draft_id:
            obs = self._tag_os(path, obs, f"[NFS-e criando {dt.datetime.now(BRT):%Y-%m-%d %H:%M:%S}]")
            draft_id = self._create_draft(ref.external_id, head)
        if f"[NFS-e rascunho {draft_id}]" not in obs:
            obs = self._tag_os(path, obs, f"[NFS-e rascunho {draft_id}]")
        if not note:
            note = self._emit(draft_id, number)
        note = note or "?"
        try:
            self._tag_os(path, obs, f"[NFS-e {note}]")
        except ErpError as exc:  # the note is issued; only our bookkeeping on the OS failed
            _logger.warning(
                "VHSYS OS %s: NFS-e %s issued but the OS could not be tagged: %s",
                ref.external_id,
                note,
                exc.message,
            )
        return RemoteStatus(ref.doc_type, ref.external_id, DocState.ISSUED, number, note)

    def _emit(self, draft_id: str, number: str) -> str:
        """Issue the draft; its number. An "already issued" refusal reads the number instead."""
        try:
            envelope = unless_done(
                lambda: self.wire.call("POST", f"/notas-servico/{draft_id}/emitir", what="NFS-e") or {},
                lambda exc: bool(_ALREADY_ISSUED_RE.search(exc.erp_message)),
            )
        except DataError as exc:
            raise DataError(
                _("VHSYS rejected the NFS-e of service order %(number)s: %(text)s"),
                field=exc.field,
                erp_message=exc.erp_message,
                number=number,
                text=exc.erp_message,
            ) from exc
        if envelope is None:
            return nfse_number(self.notes.draft(draft_id))
        return nfse_number(envelope.get("data"))

    def _orphan_draft(self, head: dict, since: str) -> str:
        """The draft an earlier attempt created for this OS without hearing back: the customer's
        newest live, unissued draft created since the write-ahead tag, for the OS's amount."""
        start = parse_stamp(since)
        start = start - CLOCK_SKEW if start else None  # VHSYS's clock and ours may disagree a little
        found = [
            row
            for row in self.notes.customer_nfse(head)
            if not truthy(row.get("nota_emitida"))
            and (start is None or (parse_stamp(row.get("data_cad_pedido")) or start) >= start)
        ]
        return str(max((to_int(row.get("id_servico")) for row in found), default="") or "")

    def _create_draft(self, doc_id: str, head: dict) -> str:
        services = self.wire.list(
            f"{OS_PATH}/{doc_id}/servicos", pk=("id_ordem_servico", "id_os_servico"), what="items"
        )
        description = "; ".join(str(s.get("desc_servico") or "").strip() for s in services) or "Serviços"
        total = nfse_total(head)
        body: dict[str, Any] = {
            "ambiente": self.options.ambiente,
            "id_cliente": to_int(head.get("id_cliente")),
            "nome_cliente": head.get("nome_cliente") or "",
            "desc_servicos": description[:255],
            "valor_total_servicos": money(total),
            "valor_base_calculo": money(total),
            "valor_total_nota": money(total),
            **self.options.nfse_fields,
        }
        draft_id = str(self.wire.post_new("/notas-servico", body, what="NFS-e").get("id_servico") or "")
        if not draft_id:
            raise UnknownOutcome(_("VHSYS created the NFS-e draft without returning its id."))
        return draft_id

    def _tag_os(self, path: str, obs: str, tag: str) -> str:
        """Records our NFS-e progress in the OS's internal notes (VHSYS links no NFS-e to an OS)."""
        text = (obs.rstrip() + "\n" + tag).strip()
        self.wire.call("PUT", path, body={"obs_interno_pedido": text}, what="service order")
        return text
