"""The VHSYS emulator's control actions (a person or a test acting as the ERP's user) and its snapshot."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

from .common import (
    NFSE_FIELDS,
    _dec,
    _flag,
    _int,
    _long,
    _money,
)

# The tags the client writes into an OS's internal notes (one NFS-e per service list item:
# "[NFS-e 05.01: rascunho 12]", or "[NFS-e rascunho 12]" for the integration's default item).
DRAFT_TAG = re.compile(r"\[NFS-e (?:[^\]:]+: )?rascunho (\d+)")
NUMBER_TAG = re.compile(r"\[NFS-e (?:[^\]:]+: )?(\d+)\]")


class Control:
    # -- control ---------------------------------------------------------------------------
    CONTROLS = {
        "restore_credentials": "_ctl_restore_credentials",
        "revoke_credentials": "_ctl_revoke_credentials",
        "set_credentials": "_ctl_set_credentials",
        "clock": "_ctl_clock",
        "nfse_reject": "_ctl_nfse_reject",
    }
    DOCUMENT_CONTROLS = {
        "pay": "_doc_pay",
        "launch_receivables": "_doc_launch_receivables",
        "ready": "_doc_ready",
        "cancel": "_doc_cancel",
        "issue": "_doc_issue",
        "delete": "_doc_delete",
        "cancel_note": "_doc_cancel_note",
        "reject_note": "_doc_reject_note",
    }

    def _ctl_restore_credentials(self, params: dict[str, Any]) -> dict:
        self.revoked = False
        return {"ok": True}

    def _ctl_revoke_credentials(self, params: dict[str, Any]) -> dict:
        self.revoked = True
        return {"ok": True}

    def _ctl_set_credentials(self, params: dict[str, Any]) -> dict:
        """Require exactly these tokens (default: see ``_authorized``)."""
        access, secret = params.get("access_token", ""), params.get("secret_token", "")
        self.tokens = (access, secret) if access and secret else None
        return {"ok": True}

    def _ctl_clock(self, params: dict[str, Any]) -> dict:
        if "offset_seconds" in params:
            self.clock_offset = float(params["offset_seconds"])
        self.clock_offset += float(params.get("advance_seconds", 0) or 0)
        return {"now": self._stamp(), "offset_seconds": self.clock_offset}

    def _ctl_nfse_reject(self, params: dict[str, Any]) -> dict:
        self.nfse_rejection = str(params.get("message") or "")
        return {"ok": True}

    def _document_control(self, run, params: dict[str, Any]) -> dict[str, Any]:
        doc_type, doc = self._control_doc(params)
        run(doc_type, doc, params)
        return self._summary(doc_type, doc)

    def _doc_pay(self, doc_type: str, doc: dict, params: dict[str, Any]) -> None:
        self._launch_receivables(doc_type, doc)
        self._liquidate(doc_type, doc, params.get("amount"))

    def _doc_launch_receivables(self, doc_type: str, doc: dict, params: dict[str, Any]) -> None:
        self._launch_receivables(doc_type, doc)

    def _doc_issue(self, doc_type: str, doc: dict, params: dict[str, Any]) -> None:
        """As a VHSYS user issuing the note: ``ambiente`` 2 for homologation; ``linked`` 0 for an
        NFS-e issued in VHSYS's NFS-e module for the OS's customer and amount, the OS not flagged."""
        self._issue(doc_type, doc, _int(params.get("ambiente"), 1) or 1, _flag(params.get("linked", "1")))

    def _doc_cancel_note(self, doc_type: str, doc: dict, params: dict[str, Any]) -> None:
        self._cancel_note(doc_type, doc)

    def _doc_ready(self, doc_type: str, doc: dict, params: dict[str, Any]) -> None:
        self._status_entry(doc, self._doc_id(doc_type, doc), "Atendido", "Atendido (sandbox)")

    def _doc_cancel(self, doc_type: str, doc: dict, params: dict[str, Any]) -> None:
        self._status_entry(doc, self._doc_id(doc_type, doc), "Cancelado", "Cancelado (sandbox)")

    def _doc_delete(self, doc_type: str, doc: dict, params: dict[str, Any]) -> None:
        """As a VHSYS user deleting it in the UI: to the trash."""
        doc["row"]["lixeira"] = "Sim"
        self._touch(doc)

    def _doc_reject_note(self, doc_type: str, doc: dict, params: dict[str, Any]) -> None:
        """The SEFAZ denied the NF-e."""
        self._issue(doc_type, doc)
        note = self._notes_of(doc)[-1]
        note.update(nota_emitida=0, nota_denegada=1, status_pedido="Em Aberto")

    def _control_doc(self, params: dict[str, Any]) -> tuple[str, dict]:
        doc_type = params.get("doc_type", "")
        doc_id = _int(params.get("id"), -1)
        table = {"service_order": self.ordens, "sales_order": self.pedidos}.get(doc_type)
        if table is None:
            raise ValueError("doc_type must be service_order or sales_order")
        if doc_id not in table:
            raise ValueError(f"no {doc_type} with id {params.get('id')!r}")
        return doc_type, table[doc_id]

    @staticmethod
    def _doc_id(doc_type: str, doc: dict) -> int:
        return doc["row"]["id_ordem" if doc_type == "service_order" else "id_ped"]

    def _identificacao(self, doc_type: str, doc: dict) -> str:
        return ("OS_" if doc_type == "service_order" else "Ped_") + str(self._doc_id(doc_type, doc))

    def _total(self, doc_type: str, doc: dict) -> Decimal:
        return _dec(doc["row"]["valor_total_os" if doc_type == "service_order" else "valor_total_nota"])

    def _linked_receivables(self, doc_type: str, doc: dict) -> list[dict]:
        ident = self._identificacao(doc_type, doc)
        idents = {ident}
        if doc_type == "sales_order":
            idents |= {
                f"NFe_{n['id_venda']}"
                for n in self.notas_fiscais.values()
                if n["id_pedido_ref"] == self._doc_id(doc_type, doc)
            }
        return [r for r in self.receitas.values() if r["identificacao"] in idents and r["lixeira"] == "Nao"]

    def _launch_receivables(self, doc_type: str, doc: dict) -> None:
        """What "Lançar Contas" does in the VHSYS UI: one receivable per installment, linked by
        ``identificacao``."""
        row = doc["row"]
        if _int(row.get("contas_pedido")) == 1 or self._linked_receivables(doc_type, doc):
            return
        kind = "Ordem de Serviço" if doc_type == "service_order" else "Pedido"
        installments = doc["parcelas"] or [
            {
                "data_parcela": self._today(),
                "valor_parcela": _money(self._total(doc_type, doc)),
                "forma_pagamento": "Outros",
            }
        ]
        for n, inst in enumerate(installments, 1):
            self._new_receita(
                id_registro=row["id_pedido"],
                identificacao=self._identificacao(doc_type, doc),
                nome_conta=f"{kind} {row['id_pedido']} - parcela {n}/{len(installments)}",
                id_cliente=row["id_cliente"],
                nome_cliente=row["nome_cliente"],
                vencimento_rec=inst["data_parcela"],
                valor_rec=_money(inst["valor_parcela"]),
                n_documento_rec=f"{row['id_pedido']}/{n}",
                forma_pagamento=inst.get("forma_pagamento") or "Outros",
                data_emissao=self._today(),
            )
        row["contas_pedido"] = 1
        self._touch(doc)

    def _liquidate(self, doc_type: str, doc: dict, amount: Any = None) -> None:
        """Settle the linked receivables: fully, or up to ``amount`` (a partial payment leaves a
        receivable ``liquidado_rec`` "Sim" with ``valor_pago`` < ``valor_rec``, as VHSYS can)."""
        remaining = None if amount in (None, "") else _dec(amount)
        for rec in self._linked_receivables(doc_type, doc):
            due = _dec(rec["valor_rec"]) - (_dec(rec["valor_pago"]) if rec["liquidado_rec"] == "Sim" else 0)
            if due <= 0 or (remaining is not None and remaining <= 0):
                continue
            step = due if remaining is None else min(remaining, due)
            if remaining is not None:
                remaining -= step
            value = step + (_dec(rec["valor_pago"]) if rec["liquidado_rec"] == "Sim" else 0)
            rec.update(
                liquidado_rec="Sim",
                valor_pago=_money(value),
                valor_baixa=_money(value),
                data_pagamento=self._today(),
                status=3,
                situacao="Conta Liquidada.",
                data_mod_rec=self._stamp(),
            )

    def _issue(self, doc_type: str, doc: dict, ambiente: int = 1, linked: bool = True) -> None:
        row = doc["row"]
        now = self._stamp()
        if doc_type == "service_order":
            nid = self._next("nfse")
            nfse = dict.fromkeys(NFSE_FIELDS, "")
            nfse.update(
                {
                    "id_servico": nid,
                    "id_pedido": self._next("nfse_num"),
                    "id_cliente": row["id_cliente"],
                    "nome_cliente": row["nome_cliente"],
                    "ambiente": ambiente,
                    "desc_servicos": "; ".join(s["desc_servico"] for s in doc["servicos"])[:255],
                    "valor_total_servicos": row["valor_total_servicos"],
                    "valor_total_nota": row["valor_total_os"],
                    "status_pedido": "Em Aberto",
                    "nota_emitida": 0,
                    "NumeroNFS": "",
                    "data_cad_pedido": now,
                    "data_mod_pedido": now,
                    "lixeira": "Nao",
                }
            )
            self._emit_nfse_row(nfse)
            self.notas_servico[nid] = nfse
            if linked:
                doc["nfse"] = nfse["NumeroNFS"]
                row["nota_servico_emitida"] = 1
                self._touch(doc)
            return
        vid = self._next("nfe")
        self.notas_fiscais[vid] = {
            "id_venda": vid,
            "id_pedido": self._next("nfe_num"),
            "id_pedido_ref": row["id_ped"],
            "id_cliente": row["id_cliente"],
            "nome_cliente": row["nome_cliente"],
            "valor_total_nota": row["valor_total_nota"],
            "nota_emitida": 1,
            "status_pedido": "Atendido",
            "nota_chave": "35" + str(vid).rjust(42, "0"),
            "nota_protocolo": str(135000000000000 + vid),
            "nota_data_autorizacao": now,
            "nota_data_cancelamento": None,
            "nota_motivo_cancelamento": "",
            "nota_denegada": 0,
            "ambiente": ambiente,
            "contas_pedido": 0,
            "estoque_pedido": 0,
            "data_emissao": now[:10],
            "data_cad_pedido": now,
            "data_mod_pedido": now,
            "lixeira": "Nao",
        }  # the pedido itself is not touched: read-back must look at /notas-fiscais

    def _notes_of(self, doc: dict) -> list[dict]:
        return [n for n in self.notas_fiscais.values() if n["id_pedido_ref"] == doc["row"]["id_ped"]]

    def _cancel_note(self, doc_type: str, doc: dict) -> None:
        """As a VHSYS user cancelling the note in the UI (the OS's NFS-e, the pedido's NF-e)."""
        now = self._stamp()
        row = doc["row"]
        if doc_type == "service_order":
            numbers = {doc.get("nfse")} | set(NUMBER_TAG.findall(str(row.get("obs_interno_pedido"))))
            drafts = set(DRAFT_TAG.findall(str(row.get("obs_interno_pedido"))))
            for nid, note in self.notas_servico.items():
                if str(nid) in drafts or note["NumeroNFS"] in numbers:
                    note.update(status_pedido="Cancelado", nota_data_cancelamento=now, data_mod_pedido=now)
            row["nota_servico_emitida"] = 0
            self._touch(doc)
            return
        for note in self._notes_of(doc):
            if note["nota_emitida"] and not note["nota_data_cancelamento"]:
                note.update(
                    nota_data_cancelamento=now,
                    nota_motivo_cancelamento="Cancelada (sandbox)",
                    status_pedido="Cancelado",
                    data_mod_pedido=now,
                )

    # -- snapshot --------------------------------------------------------------------------
    def _note_number(self, doc_type: str, doc: dict) -> str:
        row = doc["row"]
        if doc_type == "service_order":
            if not row.get("nota_servico_emitida"):  # issued through the API: its own records say
                drafts = DRAFT_TAG.findall(str(row.get("obs_interno_pedido") or ""))
                notes = [self.notas_servico.get(int(d)) for d in dict.fromkeys(drafts)]
                live = [n for n in notes if n and n["nota_emitida"] and n["status_pedido"] != "Cancelado"]
                return ", ".join(n["NumeroNFS"] for n in live)
            return doc.get("nfse") or "1"
        for note in self.notas_fiscais.values():
            if (
                note["id_pedido_ref"] == row["id_ped"]
                and note["nota_emitida"]
                and not note["nota_data_cancelamento"]
            ):
                return str(note["id_pedido"])
        return ""

    def _summary(self, doc_type: str, doc: dict) -> dict[str, Any]:
        row = doc["row"]
        doc_id = self._doc_id(doc_type, doc)
        receivables = self._linked_receivables(doc_type, doc)
        total = self._total(doc_type, doc)
        paid = (
            bool(receivables)
            and all(r["liquidado_rec"] == "Sim" for r in receivables)
            and sum((_dec(r["valor_pago"]) for r in receivables), Decimal(0)) >= total
        )
        is_os = doc_type == "service_order"
        marker = (row.get("referencia_ordem") if is_os else "") or str(row.get("obs_interno_pedido") or "")
        items = doc["servicos"] + doc["produtos"] if is_os else doc["produtos"]
        ident = f"Ped_{doc_id}"
        # linked by what the client sent (VHSYS may answer identificacao "API" instead)
        moves = [
            m
            for m in self.estoque
            if self.sent_identificacao.get(m["id_estoque"]) in (ident, ident + "-estorno")
        ]
        stock: dict[str, str] = {}
        for move in moves:
            sign = -1 if move["tipo_estoque"] == "Saida" else 1
            key = str(move["id_produto"])
            stock[key] = _long(_dec(stock.get(key, 0)) + sign * _dec(move["qtde_estoque"]))
        return {
            "doc_type": doc_type,
            "id": str(doc_id),
            "number": str(row["id_pedido"]),
            "marker": marker.splitlines()[0].strip() if marker else "",
            "status": row["status_pedido"],
            "customer": row["nome_cliente"],
            "customer_id": row["id_cliente"],
            "total": _money(total),
            "paid": paid,
            # some of it paid: Odoo's cancel is refused until a user reverses the payment (N23)
            "receivable_paid": any(
                r["liquidado_rec"] == "Sim" or _dec(r["valor_pago"]) > 0 for r in receivables
            ),
            "note": self._note_number(doc_type, doc),
            "in_trash": row["lixeira"] == "Sim",
            "live": row["lixeira"] != "Sim" and row["status_pedido"] != "Cancelado",
            "items": len(items),
            "services": len(doc.get("servicos", [])),
            "goods": len(doc["produtos"]),
            "items_total": _money(
                sum(
                    (_dec(i.get("valor_total_servico") or i.get("valor_total_produto")) for i in items),
                    Decimal(0),
                )
            ),
            "installments": len(doc["parcelas"]),
            "installments_total": _money(
                sum((_dec(p["valor_parcela"]) for p in doc["parcelas"]), Decimal(0))
            ),
            "receivables": len(receivables),
            "stock_exits": sum(1 for m in moves if m["tipo_estoque"] == "Saida"),
            "stock_reversals": sum(1 for m in moves if m["tipo_estoque"] == "Entrada"),
            "stock_net": stock,
            "modified": row["data_mod_pedido"],
        }

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            documents = [self._summary("service_order", d) for d in self.ordens.values()]
            documents += [self._summary("sales_order", d) for d in self.pedidos.values()]
            return {
                "documents": documents,
                "customers": copy.deepcopy(list(self.clientes.values())),
                "products": copy.deepcopy(list(self.produtos.values())),
                "stock_moves": copy.deepcopy(self.estoque),
                "receivables": copy.deepcopy(list(self.receitas.values())),
                "service_notes": copy.deepcopy(list(self.notas_servico.values())),
                "invoices": copy.deepcopy(list(self.notas_fiscais.values())),
                "revoked": self.revoked,
                "clock": self._stamp(),
                "calls": self.calls,
            }
