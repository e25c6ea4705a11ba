"""Issuing a Bling order's fiscal note: goods get ``gerar-nfe`` + ``/nfe/{id}/enviar``; services
get ``POST /nfse`` + ``/enviar``. An NFS-e has no order link and no marker, so its RPS number is
written ahead into the order's ``observacoesInternas`` and the note is found again by it after a
lost answer (defect A4)."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from ..contract import DocType
from ..errors import DataError, ErpError
from ..messages import _
from ..push_flow import unless_done
from ..states import BLING_NFE_ISSUED
from .status import MAX_RANGE, BlingStatus, Caches
from .values import cents, created_note_id, data, dec, plain, to_int, writable_order
from .wire import BlingWire

_logger = logging.getLogger(__name__)

NFE_CANCELED = 2
NFSE_CANCELED = 3
NFSE_PENDING = 0
_RPS_TAG_RE = re.compile(r"\[NFS-e RPS (\w+)/(\w+)\]")
_ALREADY_SENT_RE = re.compile(r"\bja\s+(foi\s+|esta\s+)?(autorizad|emitid|enviad)")


def _already_sent(exc: DataError) -> bool:
    return bool(_ALREADY_SENT_RE.search(plain(f"{exc.erp_message} {exc.message}")))


class BlingNotes:
    """``issue_note``'s NF-e and NFS-e steps."""

    def __init__(self, wire: BlingWire, status: BlingStatus, options: Any):
        self.wire = wire
        self.status = status
        self.options = options

    def issue_nfe(self, oid: int, detail: dict[str, Any]) -> dict[str, Any]:
        note = None
        note_id = to_int((detail.get("notaFiscal") or {}).get("id"))
        if note_id:
            note = self.wire.get(f"/nfe/{note_id}", what="NF-e")
        if not isinstance(note, dict) or to_int(note.get("situacao")) == NFE_CANCELED:
            note = None
            marker = str(detail.get("numeroLoja") or "")
            if marker:  # an earlier gerar-nfe may have been applied without us hearing back
                rows = self.wire.search("/nfe", {"numeroLoja": marker}, what="NF-e search")
                live = [r for r in rows if to_int(r.get("situacao")) != NFE_CANCELED]
                if live:
                    oldest = to_int(min(live, key=lambda r: to_int(r.get("id")))["id"])
                    note = self.wire.get(f"/nfe/{oldest}", what="NF-e")
        if not isinstance(note, dict):
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
                _already_sent,
            )
            note = self.wire.get(f"/nfe/{note_id}", what="NF-e") or note
        return note

    def issue_nfse(self, detail: dict[str, Any]) -> dict[str, Any]:
        _kind, note = self.status.note_of(DocType.SERVICE_ORDER, detail, Caches())
        if note is not None and to_int(note.get("situacao")) == NFSE_CANCELED:
            note = None
        if note is None:
            note = self._find_tagged_nfse(detail)
        if note is None:
            note = self._create_nfse(detail)
        if to_int(note.get("situacao")) == NFSE_PENDING:
            note_id = to_int(note.get("id"))
            sent = unless_done(
                lambda: data(self.wire.call("POST", f"/nfse/{note_id}/enviar", what="NFS-e transmission")),
                _already_sent,
            )
            note = (
                sent
                if isinstance(sent, dict) and "situacao" in sent
                else (self.wire.get(f"/nfse/{note_id}", what="NFS-e") or note)
            )
        return note

    def _find_tagged_nfse(self, detail: dict[str, Any]) -> dict[str, Any] | None:
        """The NFS-e an earlier attempt created but never heard back about, found by the RPS
        number written ahead on the order, never by customer and amount (a customer often buys
        the same service twice)."""
        tags = set(_RPS_TAG_RE.findall(str(detail.get("observacoesInternas") or "")))
        if not tags:
            return None
        today = dt.datetime.now(self.status.tz).date()
        try:
            day = dt.date.fromisoformat(str(detail.get("data") or "")[:10])
        except ValueError:
            day = today
        day = max(day - dt.timedelta(days=1), today - MAX_RANGE)
        window = {
            "dataEmissaoInicial": f"{day.isoformat()} 00:00:00",
            "dataEmissaoFinal": self.status.local(dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)),
        }
        for row in self.wire.pages("/nfse", window, what="service notes"):
            tag = (str(row.get("numeroRPS")), str(row.get("serie")))
            if tag in tags and to_int(row.get("situacao")) != NFSE_CANCELED:
                self._link_note(detail, to_int(row.get("id")))
                return row
        return None

    def _create_nfse(self, detail: dict[str, Any]) -> dict[str, Any]:
        code = self.options.service_code.strip()
        if not code:
            raise DataError(
                _(
                    "The municipal service code for NFS-e is not set: fill it in the Bling integration "
                    "options."
                ),
                field="service_code",
            )
        contact_id = to_int((detail.get("contato") or {}).get("id"))
        contact = self.wire.get(f"/contatos/{contact_id}", what="customer") or {}
        address = ((contact.get("endereco") or {}).get("geral")) or {}
        services = []
        for item in detail.get("itens") or []:
            amount = cents(
                dec(item.get("quantidade")) * dec(item.get("valor")) * (100 - dec(item.get("desconto"))) / 100
            )
            if amount > 0:
                description = str(item.get("descricao") or "Serviço")
                services.append({"codigo": code, "descricao": description, "valor": float(amount)})
        body: dict[str, Any] = {
            "data": dt.datetime.now(self.status.tz).date().isoformat(),
            "contato": {
                "id": contact_id,
                "nome": contact.get("nome") or (detail.get("contato") or {}).get("nome") or "",
                "numeroDocumento": contact.get("numeroDocumento") or "",
                "email": contact.get("email") or "",
                "ie": contact.get("ie") or "",
                "telefone": contact.get("telefone") or "",
                "endereco": {
                    k: address.get(k) or ""
                    for k in ("endereco", "numero", "complemento", "bairro", "cep", "municipio", "uf")
                },
            },
            "servicos": services,
        }
        created: dict[str, Any] = {}
        for attempt in range(3):
            # required by the OpenAPI; the next number comes from the settings
            body["numeroRPS"], body["serie"] = self._next_rps(attempt)
            self._tag_rps(detail, body["numeroRPS"], body["serie"])
            try:
                created = data(self.wire.call("POST", "/nfse", json=body, what="service note (NFS-e)")) or {}
            except DataError as exc:
                if exc.field == "numeroRPS" and attempt < 2:
                    continue  # another worker took that RPS number meanwhile
                raise
            break
        note_id = to_int(created.get("id"))
        if not note_id:
            raise ErpError(_("Bling created the NFS-e but did not return its id."))
        self._link_note(detail, note_id)
        return {**created, "id": note_id, "situacao": NFSE_PENDING}

    def _next_rps(self, skip: int = 0) -> tuple[str, str]:
        settings = data(self.wire.call("GET", "/nfse/configuracoes", what="NFS-e settings")) or {}
        rps = (settings.get("controle") or {}).get("numeracaoRPS") or {}
        return str((to_int(rps.get("numero")) or 1) + skip), str(rps.get("serie") or "1")

    def _tag_rps(self, detail: dict[str, Any], rps: str, serie: str) -> None:
        """Write ahead, on the order, the RPS number about to be used (see ``_find_tagged_nfse``)."""
        notes = f"{detail.get('observacoesInternas') or ''} [NFS-e RPS {rps}/{serie}]".strip()
        # Mandatory: without it, a retry after a lost answer could not find the note and would
        # create a second NFS-e (defect A4). A refusal stops the issue here, before POST /nfse.
        self._put_order(detail, {"observacoesInternas": notes}, what="RPS note", required=True)

    def _link_note(self, detail: dict[str, Any], note_id: int) -> None:
        """Record the NFS-e on the order (``notaFiscal``) so read-back finds it."""
        if to_int((detail.get("notaFiscal") or {}).get("id")) != note_id:
            self._put_order(detail, {"notaFiscal": {"id": note_id}}, what="NFS-e link")

    def _put_order(
        self, detail: dict[str, Any], changes: dict[str, Any], *, what: str, required: bool = False
    ) -> None:
        """PUT the full order read before with ``changes`` (``detail`` is updated); a refusal is
        logged and passed over unless ``required``."""
        oid = to_int(detail.get("id"))
        try:
            self.wire.call(
                "PUT", f"/pedidos/vendas/{oid}", json={**writable_order(detail), **changes}, what="order"
            )
        except DataError as exc:
            if required:
                raise DataError(
                    _(
                        "Bling refused to record the RPS number on the order before issuing its NFS-e: "
                        "%(text)s"
                    ),
                    field=exc.field,
                    erp_message=exc.erp_message,
                    text=exc.erp_message or exc.message,
                ) from exc
            _logger.warning("Bling: could not write the %s on pedido %s: %s", what, oid, exc.message)
            return
        detail.update(changes)
