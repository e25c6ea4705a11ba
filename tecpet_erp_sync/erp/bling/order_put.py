"""Writing a Bling order back (``PUT /pedidos/vendas/{id}``, the whole order): the one write the
client makes to an order after creating it, the RPS tag of its NFS-e (``nfse.py``).

The body is the order as ``GET`` answered it, less what the OpenAPI marks read-only (the ids,
the totals, ``situacao``, ``notaFiscal``, the customer's name). Two things make the naive round
trip wrong (fidelity-review finding 5): the GET answers each item's ``valor`` **net** of its
``desconto`` %, while the PUT takes ``valor`` as the list price, so sending both back discounts
the item again; and the PUT needs the ``id`` of each parcela it keeps. So the items go back at
their net price with ``desconto`` 0, the parcelas with their ids, and the order's own discount
or other expenses absorb any cent the items' rounding moves; then the order is read again and a
total that moved anyway stops everything with a clear message.
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..errors import DataError
from ..messages import _
from .values import cents, data, dec, plain, to_int
from .wire import BlingWire

# Check account's answer to "is the GET's itens[].valor net of its desconto?" (docs/erp-facts.md)
NET_PRICES_FACT = "bling_item_valor_net"

_READ_ONLY = ("id", "total", "totalProdutos", "situacao", "notaFiscal")

TOTAL_MOVED = _(
    "Bling changed the total of order %(number)s from %(before)s to %(after)s when Odoo wrote its NFS-e "
    "note on it. Check the order's items and discounts in Bling, then Reprocess the document: Odoo "
    "does not issue a note for an order whose total it did not send."
)
LOCKED = _(
    "Bling refused to change order %(number)s (%(text)s). Odoo writes the RPS number on the order "
    "before creating its NFS-e, so that a lost answer never issues a second note and the note is "
    "found again; without it Odoo does not create the note. Issue the NFS-e from the order in Bling "
    "(Odoo reads it back), or unlock the order and Reprocess the document."
)
REFUSED = _("Bling refused to record the RPS number on the order before issuing its NFS-e: %(text)s")


def prices_are_net(detail: dict[str, Any], known: bool | None = None) -> bool:
    """Whether the GET's ``itens[].valor`` are net of their ``desconto``: as the order tells it
    (``told_by``), else Check account's answer, else net (integrators' notes)."""
    told = told_by(detail)
    if told is not None:
        return told
    return True if known is None else known


def told_by(detail: dict[str, Any]) -> bool | None:
    """What the order tells of its items' ``valor``: net (True) or list prices (False) when a
    discount makes the two readings differ, the one whose sum is closer to ``totalProdutos``
    winning; None when it cannot tell."""
    items = [i for i in detail.get("itens") or [] if isinstance(i, dict)]
    net = sum((_amount(i, net=True) for i in items), Decimal("0"))
    gross = sum((_amount(i, net=False) for i in items), Decimal("0"))
    if net == gross or detail.get("totalProdutos") in (None, ""):
        return None
    target = dec(detail.get("totalProdutos"))
    return abs(net - target) <= abs(gross - target)


def _amount(item: dict[str, Any], *, net: bool) -> Decimal:
    value = dec(item.get("quantidade")) * dec(item.get("valor"))
    return cents(value if net else value * (100 - dec(item.get("desconto"))) / 100)


def item_amounts(detail: dict[str, Any], net: bool) -> list[Decimal]:
    """What each item of the order is worth, to the cent, in the order of ``itens``."""
    return [_amount(i, net=net) for i in detail.get("itens") or [] if isinstance(i, dict)]


def writable_order(detail: dict[str, Any], changes: dict[str, Any], *, net: bool) -> dict[str, Any]:
    """The PUT body: the order read before with ``changes``, its total unchanged (module doc)."""
    body = {k: _linked(v) for k, v in detail.items() if k not in _READ_ONLY}
    body = {k: v for k, v in body.items() if v is not None}
    body["contato"] = {"id": to_int((detail.get("contato") or {}).get("id"))}
    items = [i for i in detail.get("itens") or [] if isinstance(i, dict)]
    body["itens"] = [
        {k: v for k, v in (_linked(i) or {}).items() if k != "id"} | ({"desconto": 0} if net else {})
        for i in items
    ]
    body["parcelas"] = [_linked(p) for p in detail.get("parcelas") or [] if isinstance(p, dict)]
    body.update(changes)
    # The order's discount or other expenses take the cents the items may have moved.
    products = sum(item_amounts(detail, net), Decimal("0"))
    freight = dec((detail.get("transporte") or {}).get("frete"))
    expenses = dec(detail.get("outrasDespesas"))
    discount = products + expenses + freight - dec(detail.get("total"))
    if discount < 0:
        expenses, discount = expenses - discount, Decimal("0")
    body["desconto"] = {"valor": float(discount), "unidade": "REAL"}
    body["outrasDespesas"] = float(expenses)
    return body


def _linked(value: Any) -> Any:
    """``value`` without the relations Bling answers empty (``{"id": 0}``): sent back, they would
    name a record 0; None when ``value`` itself is one."""
    if isinstance(value, dict):
        if (
            "id" in value
            and not to_int(value.get("id"))
            and not any(_filled(v) for k, v in value.items() if k != "id")
        ):
            return None
        kept = {k: _linked(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None}
    if isinstance(value, list):
        return [v for v in (_linked(v) for v in value) if v is not None]
    return value


def _filled(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_filled(v) for v in value.values())
    if isinstance(value, list):
        return bool(value)
    return value not in (None, "", 0, 0.0, False)


class BlingOrderPut:
    """PUTs an order read before, keeping its total, and reads it back."""

    def __init__(self, wire: BlingWire, facts: dict[str, Any]):
        self.wire = wire
        self.facts = facts

    def put(self, detail: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        """The order as Bling holds it after the PUT of ``detail`` with ``changes``. A refusal is a
        DataError saying what to do; a total that moved raises before anything more is sent."""
        oid = to_int(detail.get("id"))
        number = str(detail.get("numero") or oid)
        net = prices_are_net(detail, self.facts.get(NET_PRICES_FACT))
        body = writable_order(detail, changes, net=net)
        try:
            self.wire.call("PUT", f"/pedidos/vendas/{oid}", json=body, what="order")
        except DataError as exc:
            text = exc.erp_message or exc.message
            template = LOCKED if "bloquead" in plain(text) else REFUSED
            raise DataError(
                template, field=exc.field, erp_message=exc.erp_message, number=number, text=text
            ) from exc
        after = data(self.wire.call("GET", f"/pedidos/vendas/{oid}", what="order"))
        if not isinstance(after, dict):
            after = {**detail, **changes}
        if dec(after.get("total")) != dec(detail.get("total")):
            raise DataError(
                TOTAL_MOVED,
                field="total",
                number=number,
                before=f"{dec(detail.get('total')):.2f}",
                after=f"{dec(after.get('total')):.2f}",
            )
        return after
