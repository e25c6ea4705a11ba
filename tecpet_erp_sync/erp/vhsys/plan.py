"""What one document must look like in VHSYS, resolved to VHSYS ids and priced to the cent
(docs/money.md): the header, its service and goods items, its installments and its stock exits."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from ..contract import CENT, CustomerBinding, DocType, Installment, Line, LineKind, OrderRequest
from ..errors import DataError, SetupError
from ..formatting import money, quantity
from ..messages import _
from .notes import DEFAULT_ITEM, Group, plan_tag
from .options import payment_method as vhsys_payment_method
from .values import dec

UNIT_STEP = Decimal("0.0001")  # VHSYS quantities and unit prices: 4 decimals
_NOT_IN_ITEM = re.compile(r"[\s;=:,\[\]]")  # what a service list item cannot hold in the OS's tag
UNKNOWN_PAYMENT_METHOD = _(
    '"%(method)s" is not a VHSYS payment method (forma de pagamento). Map it, in the ERP integration, to '
    "one VHSYS knows, spelled as VHSYS spells it (e.g. PIX, Boleto, Cartão de Crédito, Dinheiro), then "
    "Reprocess the invoice."
)
OS_PATH = "/ordens-servico"
PV_PATH = "/pedidos"


@dataclass
class Item:
    product_id: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal(0)  # desconto_produto, in reais (goods only)

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, ROUND_HALF_UP) - self.discount


@dataclass
class Plan:
    """What one document must look like in VHSYS, resolved to VHSYS ids."""

    doc_type: DocType
    marker: str
    reference: str
    customer_id: int
    customer_name: str
    header: dict[str, Any]
    services: list[Item]
    goods: list[Item]
    installments: list[dict[str, Any]]
    # document id -> products whose stock exit this push posted (what a rollback reverses)
    posted_stock: dict[str, list[int]] = field(default_factory=dict)
    since: dt.datetime | None = None  # where a search for an earlier attempt's document starts

    @property
    def is_os(self) -> bool:
        return self.doc_type is DocType.SERVICE_ORDER

    @property
    def path(self) -> str:
        return OS_PATH if self.is_os else PV_PATH

    @property
    def pk(self) -> str:
        return "id_ordem" if self.is_os else "id_ped"

    @property
    def installments_total(self) -> Decimal:
        return sum((dec(i["valor_parcela"]) for i in self.installments), Decimal(0))

    def stock_exits(self) -> dict[int, tuple[Decimal, Decimal]]:
        """Product id -> (quantity, average unit value) of the PV's stock exit."""
        result: dict[int, tuple[Decimal, Decimal]] = {}
        if self.is_os:
            return result
        for item in self.goods:
            qty, value = result.get(item.product_id, (Decimal(0), Decimal(0)))
            result[item.product_id] = (qty + item.quantity, value + item.quantity * item.unit_price)
        return {
            pid: (qty, (value / qty).quantize(CENT, ROUND_HALF_UP) if qty else Decimal(0))
            for pid, (qty, value) in result.items()
        }


def priced(line: Line, extra: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(quantity, unit price, what the item exceeds the line by) as VHSYS holds them.

    VHSYS takes quantities and unit prices to 4 decimals and makes an item worth
    ``round(quantity × unit, 2) − desconto_produto``. The unit price is rounded up (and taken
    before the line's discount when it has one), so the excess is never negative: it is the
    item's discount, or the OS header's for a service (docs/money.md).
    """
    target = line.amount + extra
    qty = Decimal(quantity(line.quantity))
    gross = max(line.unit_price if line.discount_percent else Decimal(0), target / qty)
    unit = gross.quantize(UNIT_STEP, ROUND_CEILING)
    return qty, unit, (qty * unit).quantize(CENT, ROUND_HALF_UP) - target


def build_plan(
    order: OrderRequest,
    customer: CustomerBinding,
    product_id: Callable[[Line], int],
    *,
    status_open: str,
    payment_method: str,
) -> Plan:
    """``product_id(line)``: the VHSYS product of an item (0: a service outside the catalogue)."""
    customer_id, customer_name = int(customer.external_id), order.customer.name.strip()
    is_os = order.doc_type is DocType.SERVICE_ORDER
    services: list[Item] = []
    goods: list[Item] = []
    service_lines: list[Line] = []
    # A PV has no field for "other expenses": what the invoice adds beyond its lines (a
    # cash-rounding line rounding up) goes into the last line's price (docs/money.md).
    raise_last = order.adjustment if order.adjustment > 0 and not is_os else Decimal(0)
    for n, line in enumerate(order.lines, 1):
        as_service = is_os and line.kind is LineKind.SERVICE
        qty, unit, over = priced(line, raise_last if n == len(order.lines) else Decimal(0))
        description = line.description.strip()[:255] or "?"
        if as_service:  # service items have no discount field: the OS header takes ``over``
            services.append(Item(product_id(line), description, qty, unit))
            service_lines.append(line)
        else:
            goods.append(Item(product_id(line), description, qty, unit, over))
    installments = _installments(order, payment_method)
    obs = f"Fatura {order.reference}" + (f"\n{order.notes}" if order.notes else "")
    freight = order.freight if not is_os else Decimal(0)
    header: dict[str, Any] = {
        "id_cliente": customer_id,
        "nome_cliente": customer_name,
        "data_pedido": order.issue_date.isoformat(),
        "status_pedido": status_open,
        "obs_pedido": obs,
        "obs_interno_pedido": order.marker,
    }
    if freight:
        header["frete_pedido"] = money(freight)
    if is_os:
        header["referencia_ordem"] = order.marker
        header["data_entrega"] = order.issue_date.isoformat()
    remainder = order.total - freight - sum((i.total for i in services + goods), Decimal(0))
    if remainder:  # what the unit prices cannot say, said by the header (docs/money.md)
        if is_os:
            header["valor_total_desconto" if remainder < 0 else "valor_total_despesas"] = money(
                abs(remainder)
            )
        else:
            header["desconto_pedido"] = money(-remainder)
    _check_total(order, services + goods, header, installments)
    groups = _nfse_groups(service_lines, order.total - sum((i.total for i in goods), Decimal(0)))
    if groups:  # one NFS-e per service list item: which services make which note (notes.py)
        header["obs_interno_pedido"] = f"{order.marker}\n{plan_tag(groups)}"
    return Plan(
        order.doc_type,
        order.marker,
        order.reference,
        customer_id,
        customer_name,
        header,
        services,
        goods,
        installments,
    )


def _nfse_groups(lines: list[Line], amount: Decimal) -> list[Group]:
    """The OS's services by NFS-e service list item (``Line.service_code``; the integration's default
    item for the others): one NFS-e each, together worth what the OS's services are (``amount``:
    the header's discount or expenses go to the largest). [] when no service names an item."""
    items = [_NOT_IN_ITEM.sub("", line.service_code) or DEFAULT_ITEM for line in lines]
    if all(item == DEFAULT_ITEM for item in items):
        return []
    totals: dict[str, Decimal] = {}
    for item, line in zip(items, lines, strict=True):
        totals[item] = totals.get(item, Decimal(0)) + line.amount
    largest = max(totals, key=lambda item: totals[item])
    totals[largest] += amount - sum(totals.values(), Decimal(0))
    return [
        Group(item, total, tuple(n for n, i in enumerate(items, 1) if i == item))
        for item, total in totals.items()
    ]


def _installments(order: OrderRequest, payment_method: str) -> list[dict[str, Any]]:
    installments = order.installments or (Installment(order.issue_date, order.total, payment_method),)
    single = not order.installments
    return [
        {
            "data_parcela": inst.due_date.isoformat(),
            "valor_parcela": money(inst.amount),
            "forma_pagamento": _payment_method(inst.payment_method or payment_method),
            "observacoes_parcela": (
                order.reference if single else f"{order.reference} {n}/{len(installments)}"
            )[:255],
        }
        for n, inst in enumerate(installments, 1)
    ]


def _payment_method(name: str) -> str:
    """VHSYS's own spelling of the method (its enumeration is exact); a clear setup message for a
    method VHSYS does not have, before anything is sent."""
    method = vhsys_payment_method(name)
    if method is None:
        raise SetupError(UNKNOWN_PAYMENT_METHOD, method=name)
    return method


def _check_total(
    order: OrderRequest, items: list[Item], header: dict[str, Any], installments: list[dict[str, Any]]
) -> None:
    """Refuse to send a document VHSYS would total differently from the invoice."""
    total = (
        sum((i.total for i in items), Decimal(0))
        + dec(header.get("frete_pedido"))
        + dec(header.get("valor_total_despesas"))
        - dec(header.get("valor_total_desconto"))
        - dec(header.get("desconto_pedido"))
    )
    if total != order.total or total <= 0 or any(i.discount < 0 for i in items):
        raise DataError(
            _(
                "The document of %(reference)s would be worth %(total)s in VHSYS, not %(expected)s: its "
                "lines cannot be sent exactly. Check the invoice's lines."
            ),
            reference=order.reference,
            total=f"{total:.2f}",
            expected=f"{order.total:.2f}",
        )
    parcels = sum((dec(i["valor_parcela"]) for i in installments), Decimal(0))
    if parcels != total:
        raise DataError(
            _(
                "The installments of %(reference)s add up to %(parcels)s, the document to %(total)s: "
                "check the invoice's payment terms."
            ),
            reference=order.reference,
            parcels=f"{parcels:.2f}",
            total=f"{total:.2f}",
        )
