"""A VHSYS sales order's stock: its exit (``Saida``) and, when the order goes away, its reversal.

VHSYS moves no stock for an order posted through the API (``estoque_pedido`` is only a flag;
"Lançar estoque" is a person's action in VHSYS, erp-apis/vhsys.md §3.4): the client posts the
exit itself. Both moves are read back before being posted, so repeating either is harmless. A
move is recognised by the text this addon writes at the start of its ``obs_estoque``, which
VHSYS keeps (official "Lançar estoque" example), never only by ``identificacao``: the same example
answers ``"identificacao": "API"`` to ``"Ped_1234"`` (reviews/fidelity-review.md V23, docs/erp-facts.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from ..common import BRT
from ..formatting import money, quantity
from .values import dec, parse_stamp, to_int
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


def exit_tag(doc_id: str) -> str:
    return f"[Odoo Ped_{doc_id}]"


def reversal_tag(doc_id: str) -> str:
    return f"[Odoo estorno Ped_{doc_id}]"


def moved(moves: list[dict], kind: str, doc_id: str) -> Decimal:
    """Quantity the moves of one kind ("Saida", "Entrada") this addon made for the order add up to:
    tagged in ``obs_estoque``, or (where VHSYS echoes it) carrying ``identificacao`` ``Ped_<id>``."""
    own = exit_tag(doc_id) if kind == "Saida" else reversal_tag(doc_id)
    idents = {f"Ped_{doc_id}", f"Ped_{doc_id}-estorno"}
    return sum(
        (
            dec(m.get("qtde_estoque"))
            for m in moves
            if m.get("tipo_estoque") == kind
            and (own in str(m.get("obs_estoque") or "") or str(m.get("identificacao") or "") in idents)
        ),
        Decimal(0),
    )


def _read_back_to(since: dt.date):
    """When an ordered stock history (newest first) can stop: once the rows read so far really
    come newest first and one is older than ``since``. An account that ignores the order, or
    answers no date (``0000-00-00 00:00:00`` in the official example), is read to its end."""
    limit = since.isoformat()

    def reached(rows: list[dict]) -> bool:
        ids = [to_int(r.get("id_estoque")) for r in rows]
        if any(a <= b for a, b in itertools.pairwise(ids)):
            return False
        return any(
            (stamp := parse_stamp(r.get("data_cad_estoque"))) and stamp.date().isoformat() < limit
            for r in rows
        )

    return reached


class VhsysStock:
    """Stock exits and reversals of sales orders."""

    def __init__(self, wire: VhsysWire, *, ordered: bool = True):
        self.wire = wire
        self.ordered = ordered  # False: the account refused order=id_estoque (Check account)

    def moves(self, product_id: int, since: dt.date) -> list[dict]:
        """The product's stock moves back to ``since``: asked newest first (``id_estoque`` descending,
        a stable order: the default one is not, notes §2), read until a page reaches older moves."""
        params = {"order": "id_estoque", "sort": "Desc"} if self.ordered else {}
        return self.wire.list(
            f"/produtos/{product_id}/estoque",
            params,
            pk=("id_estoque",),
            what="stock history",
            stop=_read_back_to(since) if self.ordered else None,
        )

    def taken_out(self, product_id: int, doc_id: str, since: dt.date) -> Decimal:
        return moved(self.moves(product_id, since), "Saida", doc_id)

    def post_exit(self, product_id: int, doc_id: str, qty: Decimal, value: Decimal, reference: str) -> None:
        self.wire.call(
            "POST",
            f"/produtos/{product_id}/estoque",
            what="stock exit",
            body={
                "tipo_estoque": "Saida",
                "qtde_estoque": quantity(qty),
                "valor_estoque": money(value),
                "obs_estoque": f"{exit_tag(doc_id)} Pedido de venda {reference} (Odoo)"[:255],
                "identificacao": f"Ped_{doc_id}",
            },
        )

    def order_products(self, doc_id: str) -> list[int]:
        """The product ids of a sales order's items, as VHSYS holds them."""
        rows = self.wire.list(f"{PV_PATH}/{doc_id}/produtos", pk=("id_ped_produto",), what="items")
        return [to_int(r.get("id_produto")) for r in rows if to_int(r.get("id_produto"))]

    def reverse(self, doc_id: str, product_ids: list[int], since: dt.date) -> None:
        """Post an Entrada for what the order took out and was not yet returned (idempotent)."""
        for product_id in dict.fromkeys(product_ids):
            moves = self.moves(product_id, since)
            out = moved(moves, "Saida", doc_id)
            back = moved(moves, "Entrada", doc_id)
            if out > back:
                self.wire.call(
                    "POST",
                    f"/produtos/{product_id}/estoque",
                    what="stock reversal",
                    body={
                        "tipo_estoque": "Entrada",
                        "qtde_estoque": quantity(out - back),
                        "obs_estoque": f"{reversal_tag(doc_id)} Estorno do pedido {doc_id} (cancelado)",
                        "identificacao": f"Ped_{doc_id}",
                    },
                )
