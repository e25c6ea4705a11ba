"""A VHSYS sales order's stock: its exit (``Saida`` tagged ``Ped_<id>``) and its reversal.

VHSYS moves no stock for an order posted through the API: the client posts the exit itself and,
when the order goes away, an ``Entrada`` for what was taken out and not yet returned. Both are
read back first, so repeating either is harmless.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..common import BRT
from ..formatting import money, quantity
from .values import dec, to_int
from .wire import VhsysWire

PV_PATH = "/pedidos"


def stock_since(day: object) -> dt.date:
    """The first day a document's stock moves can carry: the day it was created or dated (never
    later than today: an invoice dated ahead still moves stock today), a day early for the clock."""
    today = dt.datetime.now(BRT).date()
    try:
        first = min(dt.date.fromisoformat(str(day)[:10]), today)
    except ValueError:
        return dt.date.min
    return first - dt.timedelta(days=1)


def moved(moves: list[dict], kind: str, identificacao: str) -> Decimal:
    """Quantity the stock moves of one kind ("Saida", "Entrada") tagged ``identificacao`` add up to."""
    return sum(
        (
            dec(m.get("qtde_estoque"))
            for m in moves
            if m.get("identificacao") == identificacao and m.get("tipo_estoque") == kind
        ),
        Decimal(0),
    )


class VhsysStock:
    """Stock exits and reversals of sales orders."""

    def __init__(self, wire: VhsysWire):
        self.wire = wire

    def moves(self, product_id: int, since: dt.date) -> list[dict]:
        """The product's stock moves since ``since``: newest first (``id_estoque`` descending, a
        stable order; the default one is not, notes §2), no page after one reaching older moves."""
        return self.wire.list(
            f"/produtos/{product_id}/estoque",
            {"order": "id_estoque", "sort": "Desc"},
            pk=("id_estoque",),
            what="stock history",
            stop=lambda row: str(row.get("data_estoque") or "9999")[:10] < since.isoformat(),
        )

    def taken_out(self, product_id: int, doc_id: str, since: dt.date) -> Decimal:
        return moved(self.moves(product_id, since), "Saida", f"Ped_{doc_id}")

    def post_exit(self, product_id: int, doc_id: str, qty: Decimal, value: Decimal, reference: str) -> None:
        self.wire.call(
            "POST",
            f"/produtos/{product_id}/estoque",
            what="stock exit",
            body={
                "tipo_estoque": "Saida",
                "qtde_estoque": quantity(qty),
                "valor_estoque": money(value),
                "obs_estoque": f"Pedido de venda {reference} (Odoo)"[:255],
                "identificacao": f"Ped_{doc_id}",
            },
        )

    def order_products(self, doc_id: str) -> list[int]:
        """The product ids of a sales order's items, as VHSYS holds them."""
        rows = self.wire.list(f"{PV_PATH}/{doc_id}/produtos", pk=("id_ped_produto",), what="items")
        return [to_int(r.get("id_produto")) for r in rows if to_int(r.get("id_produto"))]

    def reverse(self, doc_id: str, product_ids: list[int], since: dt.date) -> None:
        """Post an Entrada for what ``Ped_<id>`` took out and was not yet returned (idempotent)."""
        for product_id in dict.fromkeys(product_ids):
            moves = self.moves(product_id, since)
            out = moved(moves, "Saida", f"Ped_{doc_id}")
            back = moved(moves, "Entrada", f"Ped_{doc_id}-estorno")
            if out > back:
                self.wire.call(
                    "POST",
                    f"/produtos/{product_id}/estoque",
                    what="stock reversal",
                    body={
                        "tipo_estoque": "Entrada",
                        "qtde_estoque": quantity(out - back),
                        "obs_estoque": f"Estorno do pedido {doc_id} (cancelado no Odoo)",
                        "identificacao": f"Ped_{doc_id}-estorno",
                    },
                )
