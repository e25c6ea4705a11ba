"""Cancelling a VHSYS document (an invoice reset or cancelled in Odoo): refused while its fiscal note
is issued or one of its receivables is paid; else its status, its launched receivables (to the
trash) and, for a sales order, its stock exit are undone. Each step is read first, so a repeated
cancel changes nothing (docs/erp-facts.md, "What a cancel does to receivables")."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt

from .. import push_flow
from ..common import BRT
from ..contract import DocRef, DocType, RemoteStatus
from ..errors import DataError
from ..messages import _
from .notes import VhsysNotes, nfe_issued
from .options import FILTER_RECEIVABLES_CUSTOMER, VhsysOptions
from .plan import OS_PATH, PV_PATH
from .stock import VhsysStock, stock_since
from .values import dec, to_int, truthy
from .wire import Scans, VhsysWire

RECEIVABLE_PAID = _(
    "A receivable of %(kind)s %(number)s is paid in VHSYS (%(paid)s of %(amount)s), so Odoo does not "
    "cancel the order. Reverse the payment in VHSYS (Contas a receber → Desliquidar) or cancel the "
    "order there, then Reprocess the invoice."
)


class VhsysCancel:
    """``VhsysClient.cancel``."""

    def __init__(self, wire: VhsysWire, notes: VhsysNotes, stock: VhsysStock, options: VhsysOptions):
        self.wire = wire
        self.notes = notes
        self.stock = stock
        self.options = options

    def cancel(self, ref: DocRef) -> RemoteStatus:
        is_os = ref.doc_type is DocType.SERVICE_ORDER
        path = f"{OS_PATH if is_os else PV_PATH}/{ref.external_id}"
        head = self.wire.get_confirmed(path, what="document")
        if head is None:  # VHSYS said twice it does not know it: nothing left to cancel
            return push_flow.canceled(ref)
        number = str(head.get("id_pedido") or "")
        in_trash = head.get("lixeira") == "Sim"
        if is_os:
            found = self.notes.os_note(head)
            issued, note = found.issued, found.number
            note_kind, note_field = "NFS-e", "nota_servico_emitida"
        else:
            notes = [n for n in self.notes.nfe_of(ref.external_id, head) if nfe_issued(n)]
            issued, note = bool(notes), str(notes[0].get("id_pedido") or "") if notes else ""
            note_kind, note_field = "NF-e", "nota_emitida"
        if issued and not in_trash:
            raise push_flow.note_issued_refusal(
                ref, erp="VHSYS", number=number, note_kind=note_kind, note=note, field=note_field
            )
        receivables = self._receivables(ref, head) if truthy(head.get("contas_pedido")) else []
        for row in receivables:
            if row.get("liquidado_rec") == "Sim" or dec(row.get("valor_pago")) > 0:
                raise DataError(
                    RECEIVABLE_PAID,
                    field="liquidado_rec",
                    kind="OS" if is_os else "pedido",
                    number=number,
                    paid=f"{dec(row.get('valor_pago')):.2f}",
                    amount=f"{dec(row.get('valor_rec')):.2f}",
                )
        if not in_trash and head.get("status_pedido") != self.options.status_canceled:
            # The status entry first (history, documented for pedidos), then the header itself.
            self.wire.call(
                "POST",
                f"{path}/status",
                what="cancellation",
                body={
                    "data_status": dt.datetime.now(BRT).date().isoformat(),
                    "tipo_status": self.options.status_canceled,
                    "obs_status": "Cancelado pela integração Odoo (fatura cancelada)",
                },
            )
            self.wire.call(
                "PUT", path, body={"status_pedido": self.options.status_canceled}, what="cancellation"
            )
        for row in receivables:  # launched for an order that no longer is: the customer owes nothing
            self.wire.call(
                "DELETE",
                f"/contas-receber/{to_int(row.get('id_conta_rec'))}",
                what="receivable",
                missing_ok=True,
            )
        if not is_os:
            since = stock_since(head.get("data_cad_pedido") or head.get("data_pedido"))
            self.stock.reverse(ref.external_id, self.stock.order_products(ref.external_id), since)
        return push_flow.canceled(ref, number)

    def _receivables(self, ref: DocRef, head: dict) -> list[dict]:
        """The live receivables VHSYS launched for the document (``identificacao`` OS_/Ped_<id>)."""
        ident = f"{'OS' if ref.doc_type is DocType.SERVICE_ORDER else 'Ped'}_{ref.external_id}"
        params = {"lixeira": "Nao"}
        if self.options.honours(FILTER_RECEIVABLES_CUSTOMER):
            params["id_cliente"] = str(to_int(head.get("id_cliente")))
            rows = self.wire.list("/contas-receber", params, pk=("id_conta_rec",), what="receivables")
        else:
            since = self.notes.since(head)
            rows = Scans(self.wire).since(
                "/contas-receber", since, params, pk=("id_conta_rec",), what="receivables"
            )
        return [
            r for r in rows if str(r.get("identificacao") or "") == ident and r.get("lixeira", "Nao") != "Sim"
        ]
