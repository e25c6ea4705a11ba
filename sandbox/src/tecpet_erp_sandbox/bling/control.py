"""The Bling emulator's control actions (a person or a test acting as the ERP's user) and its snapshot."""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal
from typing import Any

from ..clock import now_brt, stamp
from .common import (
    DEFAULT_CLIENT_ID,
    SCOPES,
    SIT_CANCELED,
    SIT_DONE,
    SIT_OPEN,
    TOKEN_TTL,
    VENDAS_MODULE,
    _copy,
    _public,
)


class Control:
    # -- control -----------------------------------------------------------------------------
    CONTROLS = {
        "register_app": "_ctl_register_app",
        "issue_tokens": "_ctl_issue_tokens",
        "token_ttl": "_ctl_token_ttl",
        "expire_tokens": "_ctl_expire_tokens",
        "expire_refresh_tokens": "_ctl_expire_refresh_tokens",
        "rate_limit": "_ctl_rate_limit",
        "add_situacao": "_ctl_add_situacao",
        "set_forma": "_ctl_set_forma",
        "add_product": "_ctl_add_product",
        "set_company": "_ctl_set_company",
    }
    DOCUMENT_CONTROLS = {
        "pay": "_doc_pay",
        "ready": "_doc_ready",
        "issue": "_doc_issue",
        "cancel": "_doc_cancel",
        "delete": "_doc_delete",
        "cancel_note": "_doc_cancel_note",
        "reject_note": "_doc_reject_note",
        "age": "_doc_age",
    }

    def _ctl_register_app(self, params: dict[str, Any]) -> dict[str, Any]:
        client_id = str(params.get("client_id") or "")
        if not client_id or not params.get("client_secret"):
            raise ValueError("register_app needs client_id and client_secret")
        scopes = params.get("scopes")
        if isinstance(scopes, str):
            scopes = [s.strip() for s in scopes.split(",") if s.strip()]
        scopes = set(scopes) if scopes else set(SCOPES)
        unknown = scopes - set(SCOPES)
        if unknown:
            raise ValueError(f"unknown scopes {sorted(unknown)}; known: {sorted(SCOPES)}")
        self.apps[client_id] = {
            "secret": str(params["client_secret"]),
            "redirect_uri": str(params.get("redirect_uri") or ""),
            "scopes": scopes,
        }
        return {"client_id": client_id, "scopes": sorted(scopes)}

    def _ctl_set_company(self, params: dict[str, Any]) -> dict[str, Any]:
        """The tokens now open another account: its company's ``cnpj`` (and ``nome``), as
        ``GET /empresas/me/dados-basicos`` and the notes it issues tell them."""
        cnpj = str(params.get("cnpj") or "")
        if not cnpj:
            raise ValueError("set_company needs the company's cnpj")
        self.empresa.update(cnpj=cnpj, nome=str(params.get("nome") or self.empresa["nome"]))
        return dict(self.empresa)

    def _ctl_issue_tokens(self, params: dict[str, Any]) -> dict[str, Any]:
        client_id = str(params.get("client_id") or DEFAULT_CLIENT_ID)
        if client_id not in self.apps:
            raise ValueError(f"unknown app {client_id!r}")
        self.oauth_stats["issued_by_control"] += 1
        return self._issue(self._new_grant(client_id))

    def _ctl_token_ttl(self, params: dict[str, Any]) -> dict[str, Any]:
        self.token_ttl = int(params.get("seconds", TOKEN_TTL))
        return {"token_ttl": self.token_ttl}

    def _ctl_expire_tokens(self, params: dict[str, Any]) -> dict[str, Any]:
        for info in self.access_tokens.values():
            info["expires"] = min(info["expires"], time.time())
        return {"ok": True}

    def _ctl_expire_refresh_tokens(self, params: dict[str, Any]) -> dict[str, Any]:
        """The live refresh tokens lapse ``seconds`` from now (0: now), as if issued 30 days ago."""
        lapse = time.time() + float(params.get("seconds") or 0)
        live = [info for info in self.refresh_tokens.values() if not info["used"]]
        for info in live:
            info["expires"] = min(info["expires"], lapse)
        return {"refresh_tokens": len(live)}

    def _ctl_rate_limit(self, params: dict[str, Any]) -> dict[str, Any]:
        if "enabled" in params:
            self.rate["enabled"] = str(params["enabled"]).lower() not in ("0", "false", "no", "off", "")
        if "max" in params:
            self.rate["max"] = int(params["max"])
        if "period" in params:
            self.rate["period"] = float(params["period"])
        self.api_calls.clear()
        return dict(self.rate)

    def _ctl_add_situacao(self, params: dict[str, Any]) -> dict[str, Any]:
        parent = self.situacoes.get(int(params.get("idHerdado") or SIT_OPEN))
        if parent is None:
            raise ValueError("idHerdado must be an existing situação")
        sid = self._next("situacao")
        self.situacoes[sid] = {
            "id": sid,
            "nome": str(params.get("nome") or f"Situação {sid}"),
            "idHerdado": parent["id"],
            "cor": "#999999",
            "valor": parent["valor"],
            "modulo": VENDAS_MODULE,
        }
        return {"id": sid}

    def _ctl_set_forma(self, params: dict[str, Any]) -> dict[str, Any]:
        """An account user edits a payment method: ``id`` and any of ``situacao``, ``destino``, ``padrao``."""
        forma = next((f for f in self.formas if str(f["id"]) == str(params.get("id"))), None)
        if forma is None:
            raise ValueError(f"no forma de pagamento {params.get('id')!r}")
        for key in ("situacao", "destino", "padrao"):
            if key in params:
                forma[key] = int(params[key])
        return dict(forma)

    def _ctl_add_product(self, params: dict[str, Any]) -> dict[str, Any]:
        """A product an account user registered in the catalogue: ``codigo``, ``nome``, ``ncm``."""
        body = {"nome": params.get("nome") or params.get("codigo"), "codigo": params.get("codigo")}
        body |= {"tipo": "P", "situacao": "A", "formato": "S", "tributacao": {"ncm": params.get("ncm")}}
        return {"id": self._store_product(body)}

    def _document_control(self, run, params: dict[str, Any]) -> dict[str, Any]:
        try:
            oid = int(params.get("id") or 0)
        except ValueError:
            raise ValueError("id must be a pedido id") from None
        order = self.orders.get(oid)
        if order is None:
            raise ValueError(f"no pedido {oid}")
        return run(oid, order, params) or {"ok": True}

    def _doc_pay(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> None:
        if not self.meta[oid]["contas_lancadas"]:
            self._launch_contas(oid)
        today = now_brt().date().isoformat()
        for conta in self.contas.values():
            if conta["origem"]["id"] == oid and conta["situacao"] in (1, 3):
                conta["situacao"], conta["_recebimento"] = 2, today

    def _doc_ready(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> None:
        if order["situacao"]["id"] != SIT_DONE:
            order["situacao"] = {"id": SIT_DONE, "valor": 1}
            self._touch(oid)

    def _doc_cancel(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> None:
        if order["situacao"]["id"] != SIT_CANCELED:
            order["situacao"] = {"id": SIT_CANCELED, "valor": 2}
            self._touch(oid)

    def _doc_issue(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        doc_type = params.get("doc_type") or self._doc_type(oid)
        note_id = self._note_id(order)
        if doc_type == "sales_order":
            if note_id not in self.nfes or self.nfes[note_id]["situacao"] == 2:
                note_id = self._create_nfe(oid)
            if self.nfes[note_id]["situacao"] not in (5, 6, 7):
                self._authorise_nfe(note_id)
            return {"ok": True, "note": self.nfes[note_id]["numero"], "note_id": note_id}
        if note_id not in self.nfses or self.nfses[note_id]["situacao"] == 3:
            contact = self.contacts[order["contato"]["id"]]
            note_id = self._create_nfse(contact, Decimal(str(order["total"])))
            order["notaFiscal"] = {"id": note_id}
            self._touch(oid)
        if self.nfses[note_id]["situacao"] == 0:
            self._emit_nfse(note_id)
        return {"ok": True, "note": self.nfses[note_id]["numero"], "note_id": note_id}

    # What a Bling user does in the UI: delete the order, cancel its note or have it rejected.
    def _doc_delete(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> None:
        del self.orders[oid]
        self.meta.pop(oid, None)

    def _doc_cancel_note(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> None:
        note_id = self._note_id(order)
        if note_id in self.nfes:
            self.nfes[note_id]["situacao"] = 2
        elif note_id in self.nfses:
            self.nfses[note_id]["situacao"] = 3
        else:
            raise ValueError(f"pedido {oid} has no note")

    def _doc_reject_note(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> None:
        note_id = order["notaFiscal"]["id"]
        if note_id not in self.nfes:
            note_id = self._create_nfe(oid)
        self.nfes[note_id]["situacao"] = int(params.get("situacao") or 4)

    def _doc_age(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> None:
        """The order was made ``days`` ago (default 400): its dates and its receivables' move back."""
        days = dt.timedelta(days=int(params.get("days") or 400))

        def back(value: str) -> str:
            return (dt.date.fromisoformat(value[:10]) - days).isoformat() if value else value

        for key in ("data", "dataSaida", "dataPrevista"):
            order[key] = back(order[key])
        self.meta[oid]["created"] -= days
        for conta in self.contas.values():
            if conta["origem"]["id"] == oid:
                conta["dataEmissao"] = conta["origem"]["dataEmissao"] = order["data"]
                conta["vencimento"] = back(conta["vencimento"])
                conta["_recebimento"] = back(conta["_recebimento"] or "") or None

    # -- inspection --------------------------------------------------------------------------
    def _note_id(self, order: dict[str, Any]) -> int:
        """The order's note: the one Bling linked, else (a person looking at the order's notes) a
        live NFS-e of its customer whose RPS the order's internal notes name."""
        if order["notaFiscal"]["id"]:
            return order["notaFiscal"]["id"]
        tagged = set(re.findall(r"\[NFS-e RPS (\w+)/(\w+)[^\]]*?\]", order["observacoesInternas"]))
        tagged -= set(re.findall(r"\[NFS-e RPS (\w+)/(\w+)[^\]]* recusado\]", order["observacoesInternas"]))
        found = [
            n["id"]
            for n in self.nfses.values()
            if (n["numeroRPS"], n["serie"]) in tagged and n["contato"]["id"] == order["contato"]["id"]
        ]
        return min(found, default=0)

    def _doc_type(self, oid: int) -> str:
        """Bling has no OS: an order is a "sales order" when it moved stock or sells products."""
        order, meta = self.orders[oid], self.meta[oid]
        goods = any(self.produtos.get(i["produto"]["id"], {}).get("tipo") == "P" for i in order["itens"])
        return (
            "sales_order"
            if goods or meta["stock_postings"] or order["notaFiscal"]["id"] in self.nfes
            else "service_order"
        )

    def _note_number(self, order: dict[str, Any]) -> str:
        note_id = self._note_id(order)
        note = self.nfes.get(note_id) or self.nfses.get(note_id)
        return note["numero"] if note and note["situacao"] in (1, 2, 5, 6, 7) and note["numero"] else ""

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            documents = []
            for oid, order in sorted(self.orders.items()):
                mine = [c for c in self.contas.values() if c["origem"]["id"] == oid]
                documents.append(
                    {
                        "doc_type": self._doc_type(oid),
                        "id": oid,
                        "number": order["numero"],
                        "marker": order["numeroLoja"],
                        "status": self.situacoes[order["situacao"]["id"]]["nome"],
                        "customer": order["contato"]["nome"],
                        "total": order["total"],
                        "paid": bool(mine) and all(c["situacao"] in (2, 7) for c in mine),
                        "note": self._note_number(order),
                        "stock_posted": self.meta[oid]["stock_posted"],
                        "updated": stamp(self.meta[oid]["updated"]),
                    }
                )
            return {
                "documents": documents,
                "contacts": [_copy(c) for c in sorted(self.contacts.values(), key=lambda c: c["id"])],
                "stock_postings": {str(oid): m["stock_postings"] for oid, m in sorted(self.meta.items())},
                "contas": [_public(c) for c in self.contas.values()],
                "nfe": [_public(n) for n in self.nfes.values()],
                "nfse": [_public(n) for n in self.nfses.values()],
                "products": [_copy(p) for p in self.produtos.values()],
                "oauth": dict(self.oauth_stats, token_ttl=self.token_ttl),
                "rate_limit": dict(self.rate, rejected=self.rate_limited),
            }
