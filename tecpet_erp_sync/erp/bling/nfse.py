"""Issuing a Bling order's NFS-e: ``POST /nfse``, then ``/nfse/{id}/enviar``, exactly once: the RPS
number is written ahead on the order and a retry adopts only a note that provably is the order's
(``rps.py``).

The note's services are the order's items at what the order says they are worth (the GET's
``valor`` is net of the item's discount, fidelity-review finding 6), each with its own service
code, and the note's discount is whatever the order takes off besides: the note is worth the
order's total to the cent. The RPS number comes from the account's settings (``GET
/nfse/configuracoes``), read as Check account found it (``bling_rps_numbering``); a number Bling
refuses as taken is followed by the next free one.
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from ..contract import DocType
from ..errors import DataError, ErpError
from ..messages import _
from ..push_flow import unless_done
from .order_put import NET_PRICES_FACT, BlingOrderPut, item_amounts, prices_are_net
from .rps import RpsTag, rps_tags, service_codes, with_refused, with_tag
from .status import BlingStatus, Caches
from .values import already_sent, cents, data, dec, to_int
from .wire import BlingWire

_logger = logging.getLogger(__name__)

NFSE_PENDING = 0
RPS_FACT = "bling_rps_numbering"  # Check account: "next" | "last" | "behind" (docs/erp-facts.md)
RPS_LOOKBACK = dt.timedelta(days=60)  # the notes read to find the highest RPS number in use
ATTEMPTS = 3
NO_SERVICE_CODE = _(
    "The municipal service code for NFS-e is not set: fill it in the Bling integration options (or on "
    "the product), then Reprocess."
)


class BlingNfse:
    """``issue_note`` for a service order."""

    def __init__(self, wire: BlingWire, status: BlingStatus, put: BlingOrderPut, options: Any):
        self.wire = wire
        self.status = status
        self.put = put
        self.options = options

    def issue(self, detail: dict[str, Any]) -> dict[str, Any]:
        _kind, note = self.status.note_of(DocType.SERVICE_ORDER, detail, Caches())
        if note is None or to_int(note.get("situacao")) == 3:  # none, or cancelled: a new one
            note = self._create(detail)
        if to_int(note.get("situacao")) == NFSE_PENDING:
            note_id = to_int(note.get("id"))
            sent = unless_done(
                lambda: data(self.wire.call("POST", f"/nfse/{note_id}/enviar", what="NFS-e transmission")),
                already_sent,
            )
            note = (
                sent
                if isinstance(sent, dict) and "situacao" in sent
                else (self.wire.get(f"/nfse/{note_id}", what="NFS-e") or note)
            )
        return note

    def _create(self, detail: dict[str, Any]) -> dict[str, Any]:
        body = self._body(detail)
        today = dt.datetime.now(self.status.tz).date()
        number, serie = self._first_rps()
        highest: int | None = None
        tag: RpsTag | None = None
        for attempt in range(ATTEMPTS):
            notes = str(detail.get("observacoesInternas") or "")
            if tag is not None:  # the number Bling refused as taken: never this order's note
                notes = with_refused(notes, tag)
            tag = RpsTag(str(number), serie, today)
            # Mandatory: without it a retry after a lost answer could not find the note and would
            # create a second NFS-e, and the read-back would never see it (defect A4).
            detail = self.put.put(detail, {"observacoesInternas": with_tag(notes, tag)})
            body["numeroRPS"], body["serie"] = tag.rps, tag.serie
            try:
                created = data(self.wire.call("POST", "/nfse", json=body, what="service note (NFS-e)")) or {}
            except DataError as exc:
                if exc.field == "numeroRPS" and attempt < ATTEMPTS - 1:  # taken meanwhile, or behind
                    highest = self._highest_rps(serie) if highest is None else highest
                    number = max(number + 1, highest + 1)
                    continue
                self._forget(detail, tag)
                raise
            break
        note_id = to_int(created.get("id"))
        if not note_id:
            raise ErpError(_("Bling created the NFS-e but did not return its id."))
        return {**created, "id": note_id, "situacao": NFSE_PENDING}

    def _body(self, detail: dict[str, Any]) -> dict[str, Any]:
        """The note of the order: its services (one per item worth something) and its discount."""
        net = prices_are_net(detail, self.options.facts.get(NET_PRICES_FACT))
        codes = service_codes(detail)
        default = self.options.service_code.strip()
        services = []
        items = [i for i in detail.get("itens") or [] if isinstance(i, dict)]
        for n, (item, amount) in enumerate(zip(items, item_amounts(detail, net), strict=True)):
            if amount <= 0:
                continue
            code = (codes[n].strip() if n < len(codes) else "") or default
            if not code:
                raise DataError(NO_SERVICE_CODE, field="service_code")
            services.append(
                {"codigo": code, "descricao": str(item.get("descricao") or "Serviço"), "valor": amount}
            )
        rest = dec(detail.get("total")) - sum((s["valor"] for s in services), Decimal("0"))
        if rest > 0 and services:  # the order's other expenses: on its last service
            services[-1]["valor"] += rest
        contact = self._contact(detail)
        body: dict[str, Any] = {
            "data": dt.datetime.now(self.status.tz).date().isoformat(),
            "contato": contact,
            "servicos": [dict(s, valor=float(cents(s["valor"]))) for s in services],
        }
        if rest < 0:  # what the order takes off besides its items' own discounts
            body["desconto"] = float(-rest)
        return body

    def _contact(self, detail: dict[str, Any]) -> dict[str, Any]:
        """The note's taker, from the order's contact (``im``: the municipal registration)."""
        contact_id = to_int((detail.get("contato") or {}).get("id"))
        contact = self.wire.get(f"/contatos/{contact_id}", what="customer") or {}
        address = ((contact.get("endereco") or {}).get("geral")) or {}
        return {
            "id": contact_id,
            "nome": contact.get("nome") or (detail.get("contato") or {}).get("nome") or "",
            "numeroDocumento": contact.get("numeroDocumento") or "",
            "email": contact.get("email") or "",
            "ie": contact.get("ie") or "",
            "im": contact.get("inscricaoMunicipal") or "",
            "telefone": contact.get("telefone") or "",
            "endereco": {
                k: address.get(k) or ""
                for k in ("endereco", "numero", "complemento", "bairro", "cep", "municipio", "uf")
            },
        }

    def _first_rps(self) -> tuple[int, str]:
        """The RPS number to try first, and its series."""
        settings = data(self.wire.call("GET", "/nfse/configuracoes", what="NFS-e settings")) or {}
        rps = (settings.get("controle") or {}).get("numeracaoRPS") or {}
        number, serie = to_int(rps.get("numero")), str(rps.get("serie") or "1")
        numbering = self.options.facts.get(RPS_FACT)
        if numbering == "last":  # the settings show the last number used
            number += 1
        elif numbering == "behind":  # the API's notes do not move the settings on
            number = max(number, self._highest_rps(serie) + 1)
        return max(number, 1), serie

    def _highest_rps(self, serie: str) -> int:
        """The highest RPS number of the series among the recent notes."""
        today = dt.datetime.now(self.status.tz).date()
        window = {
            "dataEmissaoInicial": (today - RPS_LOOKBACK).isoformat(),
            "dataEmissaoFinal": (today + dt.timedelta(days=1)).isoformat(),
        }
        rows = self.wire.pages("/nfse", window, what="service notes")
        return max((to_int(r.get("numeroRPS")) for r in rows if str(r.get("serie")) == serie), default=0)

    def _forget(self, detail: dict[str, Any], tag: RpsTag) -> None:
        """Mark the tag of a create Bling refused, so that no later note with that number (another
        order's) passes for this order's. A refusal of this write is only logged: the original
        refusal is what the user needs to read."""
        if tag not in rps_tags(detail):
            return
        try:
            self.put.put(
                detail, {"observacoesInternas": with_refused(str(detail.get("observacoesInternas")), tag)}
            )
        except DataError as exc:
            _logger.warning(
                "Bling: could not mark the refused RPS %s on pedido %s: %s", tag.text, detail.get("id"), exc
            )
