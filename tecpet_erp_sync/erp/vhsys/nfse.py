"""Issuing a service order's NFS-e in VHSYS: a draft (``POST /notas-servico``), then ``/emitir``,
one per service list item of the OS (``notes.Group``). VHSYS links no NFS-e to its OS, so the OS's
internal notes carry the progress (the tags of ``notes.py``), and each draft carries a token of
its own OS and item in its internal notes: a lost answer never makes a second municipal note, and
a retried create adopts a draft only when it is provably this OS's (defects A4, N14)."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal
from typing import Any

from ..common import BRT
from ..contract import DocRef, DocState, RemoteStatus
from ..errors import DataError, ErpError, SetupError, UnknownOutcome
from ..formatting import money
from ..messages import _
from ..push_flow import unless_done
from .notes import (
    CLOCK_SKEW,
    DEFAULT_ITEM,
    HOMOLOGATION_MARK,
    NFSE_CREATING_RE,
    NFSE_DRAFT_RE,
    NFSE_HOMOLOGATION,
    ODOO_TOKEN,
    TOLERANCE,
    Group,
    VhsysNotes,
    created,
    groups_of,
    homologation,
    last_for,
    nfse_number,
    nfse_total,
    tag,
)
from .options import VhsysOptions
from .plan import OS_PATH
from .values import dec, parse_stamp, to_int, truthy
from .wire import VhsysWire

_logger = logging.getLogger(__name__)

_ALREADY_ISSUED_RE = re.compile(r"j[áa]\s+(foi\s+)?emitid", re.IGNORECASE)

SETTINGS_MISSING = _(
    "The VHSYS NFS-e series and nature of operation are not set on the integration: fill them in "
    "(ERP Integrations → VHSYS NFS-e), then Reprocess the invoice."
)
ISSUED_IN_VHSYS = _(
    "VHSYS already holds NFS-e %(notes)s of this customer for %(amount)s, issued since service order "
    "%(order)s was created and not by Odoo: it may be this order's note, issued in VHSYS's screens. "
    "Odoo does not issue a second one. If it is this order's note, there is nothing to do; if not, "
    "issue this order's NFS-e in VHSYS (Odoo reads it back)."
)
SPLIT_CHANGED = _(
    "Service order %(order)s changed in VHSYS since it was sent (its services are worth %(total)s, "
    "%(expected)s when sent): its NFS-e, one per service list item, can no longer be made from it. "
    "Issue them in VHSYS; Odoo reads them back."
)


class VhsysNfse:
    """``issue_note`` for a service order."""

    def __init__(self, wire: VhsysWire, notes: VhsysNotes, options: VhsysOptions):
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
        found = self.notes.os_note(head)
        if found.issued:
            return RemoteStatus(ref.doc_type, ref.external_id, DocState.ISSUED, number, found.number)
        if self.options.nfse.missing():
            raise SetupError(SETTINGS_MISSING)
        groups = self._groups(head)
        obs = str(head.get("obs_interno_pedido") or "")
        token = ref.marker or f"OS_{ref.external_id}"
        numbers, tests = [], []
        for group in groups:
            obs, note, test = self._issue_group(path, head, obs, group, token)
            (tests if test else numbers).append(note)
        if tests:  # VHSYS's test environment: the flow worked, but no fiscal note exists
            raise SetupError(NFSE_HOMOLOGATION, number=", ".join(tests), order=number)
        return RemoteStatus(ref.doc_type, ref.external_id, DocState.ISSUED, number, ", ".join(numbers))

    def _groups(self, head: dict) -> list[Group]:
        total = nfse_total(head)
        groups = groups_of(str(head.get("obs_interno_pedido") or ""))
        if groups is None:
            return [Group(DEFAULT_ITEM, total)]
        expected = sum((g.amount or Decimal(0) for g in groups), Decimal(0))
        if abs(expected - total) > TOLERANCE:
            raise DataError(
                SPLIT_CHANGED,
                order=str(head.get("id_pedido") or ""),
                total=f"{total:.2f}",
                expected=f"{expected:.2f}",
            )
        return groups

    def _issue_group(
        self, path: str, head: dict, obs: str, group: Group, token: str
    ) -> tuple[str, str, bool]:
        """(the OS's notes, the note's number, whether it is a homologation note)."""
        production = self.options.nfse.production
        draft_id, note, test = "", "", False
        draft = last_for(NFSE_DRAFT_RE, obs, group)
        if draft:
            existing = self.notes.draft(draft.group("value"))
            test = bool(draft.group("homologation")) or (existing is not None and homologation(existing))
            if existing is not None and self.notes.nfse_live(existing) and not (test and production):
                draft_id = draft.group("value")
                note = nfse_number(existing) if truthy(existing.get("nota_emitida")) else ""
        # This OS, this item, this environment: a homologation draft is never taken for production's.
        token = f"{token}#{group.item}" + ("" if production else "#" + HOMOLOGATION_MARK.strip())
        if not draft_id:
            # A write-ahead tag no draft tag follows: that create's answer was lost.
            creating = last_for(NFSE_CREATING_RE, obs, group)
            lost = creating is not None and (draft is None or creating.start() > draft.start())
            found = self._orphan_draft(head, group, token, creating.group("value"), obs) if lost else None
            if found is not None:
                draft_id = str(found.get("id_servico"))
                note = nfse_number(found) if truthy(found.get("nota_emitida")) else ""
            else:
                self._stop_if_issued_in_vhsys(head, group, obs)
                obs = self._tag_os(path, obs, tag(group, f"criando {dt.datetime.now(BRT):%Y-%m-%d %H:%M:%S}"))
                draft_id = self._create_draft(path, head, group, token)
            test = not production
            mark = HOMOLOGATION_MARK if test else ""
            obs = self._tag_os(path, obs, tag(group, f"rascunho {draft_id}{mark}"))
        if not note:
            note = self._emit(draft_id, str(head.get("id_pedido") or ""))
        note = note or "?"
        if not test:
            try:
                obs = self._tag_os(path, obs, tag(group, note))
            except ErpError as exc:  # the note is issued; only our bookkeeping on the OS failed
                _logger.warning("VHSYS OS %s: NFS-e %s issued but not tagged: %s", path, note, exc.message)
        return obs, note, test

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

    def _orphan_draft(self, head: dict, group: Group, token: str, since: str, obs: str) -> dict | None:
        """The draft an earlier attempt created for this OS and item without hearing back: it
        carries our token (in its internal notes; where VHSYS's rows do not show them, the OS's
        number its description ends with), the OS's customer and the group's amount, and was
        created since the write-ahead tag. Never another OS's draft of the same customer and
        amount (N14); without either token, a new draft is made instead."""
        start = parse_stamp(since)
        start = start - CLOCK_SKEW if start else None  # VHSYS's clock and ours may disagree a little
        own = {m.group("value") for m in NFSE_DRAFT_RE.finditer(obs)}  # drafts already accounted for
        suffix = _os_suffix(head)
        found = [
            row
            for row in self.notes.service_notes(head, start)
            if str(row.get("id_servico")) not in own
            and (
                f"{ODOO_TOKEN}{token}]" in str(row.get("obs_interno_pedido") or "")
                or ("obs_interno_pedido" not in row and str(row.get("desc_servicos") or "").endswith(suffix))
            )
            and abs(dec(row.get("valor_total_servicos")) - (group.amount or 0)) <= TOLERANCE
        ]
        return min(found, key=lambda row: to_int(row.get("id_servico"))) if found else None

    def _stop_if_issued_in_vhsys(self, head: dict, group: Group, obs: str) -> None:
        """ERP staff may have issued this OS's note in VHSYS's NFS-e screens (the OS is then not
        flagged): a live production note of the customer for the amount, created since the OS
        and not by this addon, stops the draft (N15). Our other notes of this OS do not count."""
        start = created(head)
        since = start - CLOCK_SKEW if start else None
        own = {m.group("value") for m in NFSE_DRAFT_RE.finditer(obs)}
        found = sorted(
            nfse_number(row) or str(row.get("id_servico"))
            for row in self.notes.service_notes(head, since)
            if truthy(row.get("nota_emitida"))
            and not homologation(row)
            and ODOO_TOKEN not in str(row.get("obs_interno_pedido") or "")
            and not _OS_SUFFIX_RE.search(str(row.get("desc_servicos") or ""))  # another OS's, by Odoo
            and str(row.get("id_servico")) not in own
            and abs(dec(row.get("valor_total_servicos")) - (group.amount or 0)) <= TOLERANCE
            and (since is None or (parse_stamp(row.get("data_cad_pedido")) or since) >= since)
        )
        if found:
            raise DataError(
                ISSUED_IN_VHSYS,
                notes=", ".join(found),
                amount=money(group.amount or 0),
                order=str(head.get("id_pedido") or ""),
            )

    def _create_draft(self, path: str, head: dict, group: Group, token: str) -> str:
        services = self.wire.list(f"{path}/servicos", pk=("id_ordem_servico", "id_os_servico"), what="items")
        chosen = [services[p - 1] for p in group.positions if 0 < p <= len(services)] or services
        suffix = _os_suffix(head)
        description = "; ".join(str(s.get("desc_servico") or "").strip() for s in chosen) or "Serviços"
        description = description[: 255 - len(suffix)].rstrip() + suffix
        total = money(group.amount if group.amount is not None else nfse_total(head))
        item = self.options.nfse.service_item if group.item == DEFAULT_ITEM else group.item
        body: dict[str, Any] = {
            **self.options.nfse.body(),
            "id_cliente": to_int(head.get("id_cliente")),
            "nome_cliente": head.get("nome_cliente") or "",
            "desc_servicos": description,
            "valor_total_servicos": total,
            "valor_base_calculo": total,
            "valor_total_nota": total,
            "obs_interno_pedido": f"{ODOO_TOKEN}{token}]",
        }
        if item:
            body["itemLista_servico"] = item
        draft_id = str(self.wire.post_new("/notas-servico", body, what="NFS-e").get("id_servico") or "")
        if not draft_id:
            raise UnknownOutcome(_("VHSYS created the NFS-e draft without returning its id."))
        return draft_id

    def _tag_os(self, path: str, obs: str, text: str) -> str:
        """Records our NFS-e progress in the OS's internal notes (VHSYS links no NFS-e to an OS)."""
        obs = (obs.rstrip() + "\n" + text).strip()
        self.wire.call("PUT", path, body={"obs_interno_pedido": obs}, what="service order")
        return obs


_OS_SUFFIX_RE = re.compile(r" \(OS \d+\)$")


def _os_suffix(head: dict) -> str:
    """What ends the description of this addon's NFS-e: the number of its OS, for the customer
    to read and for a retry to recognise its own draft where VHSYS shows no internal notes."""
    return f" (OS {head.get('id_pedido') or head.get('id_ordem')})"
