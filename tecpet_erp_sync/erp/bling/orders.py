"""Bling orders (``/pedidos/vendas``): the ``DocumentWire`` of ``erp/push_flow.py``.

Bling v3 has no service orders: a *Service Order* is a pedido de venda holding only the service
lines, with no stock posting; a *Sales Order* is a pedido de venda of goods followed by
``lancar-estoque``. Both get ``lancar-contas`` unless switched off. The marker goes in
``numeroLoja``; the follow-up steps are idempotent (Bling's "já lançado" counts as done), so an
adopted order is completed by doing them again and nothing is ever rolled back.
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..contract import CustomerBinding, DocRef, DocState, DocType, OrderRequest, PushResult
from ..errors import DataError, ErpError
from ..messages import _
from ..push_flow import unless_done
from .customers import BlingCustomers
from .payments import BlingPayments
from .products import BlingProducts
from .rps import codes_tag
from .status import BlingStatus, Caches
from .values import cents, data, doc_label, plain, to_int
from .wire import BlingWire

_logger = logging.getLogger(__name__)

PANEL_URL = "https://www.bling.com.br/vendas.php#edit/{id}"
MARKER_FILTER_FACT = "bling_numeros_lojas_filter"  # Check account: is numerosLojas[] honoured?
# A refused item product: "itens[0].produto: Produto não encontrado." (``wire.error_detail``).
_PRODUCT_REFUSED_RE = re.compile(r"\bitens\[\d+\]\.produto\b")
# Bling's "already done" and "nothing to undo" refusals. Their texts were never published
# (fidelity-review, "Not found anywhere"): every wording the sandbox's ``stock_refusal_wording``
# switch offers is recognised.
ALREADY_DONE_RE = re.compile(
    r"\bja\s+(foi\s+|foram\s+|esta\s+|estao\s+|havia\s+sido\s+)?(lancad|efetuad|realizad)"
    r"|\bja\s+(possui|tem|teve|existe)\w*\s+(\w+\s+){0,2}lancamentos?\b|\blancad[oa]s?\s+anteriormente"
)
NOT_POSTED_RE = re.compile(
    r"\bnao\s+(foi\s+|foram\s+|esta\s+|estao\s+|possui\s+|ha\s+|existem?\s+)?(\w+\s+){0,3}lanca(d|mento)"
    r"|\bja\s+(foi\s+|foram\s+)?estornad|sem\s+lancamentos?"
)
NOT_POSITIVE = {
    DocType.SERVICE_ORDER: _(
        "The service order of %(reference)s would be worth %(total)s in Bling: only documents with a "
        "positive total can be sent."
    ),
    DocType.SALES_ORDER: _(
        "The sales order of %(reference)s would be worth %(total)s in Bling: only documents with a "
        "positive total can be sent."
    ),
}


def post_action(wire: BlingWire, path: str, done_re: re.Pattern, what: str) -> None:
    """POST an action Bling refuses to repeat; its "already done" refusal counts as success."""
    unless_done(
        lambda: wire.call("POST", path, what=what),
        lambda exc: bool(done_re.search(plain(f"{exc.erp_message} {exc.message}"))),
    )


@dataclass(frozen=True)
class BlingPlan:
    order: OrderRequest
    contact_id: int
    product_ids: dict[str, int]  # catalogue product id by code, for the goods


class BlingOrders:
    """Creates and completes Bling orders (see ``push_flow``)."""

    erp = "Bling"
    customer_field = "contato"

    def __init__(self, wire: BlingWire, status: BlingStatus, options: Any, account: str):
        self.wire = wire
        self.customers = BlingCustomers(wire)
        self.payments = BlingPayments(wire, options.payment_method_id)
        self.products = BlingProducts(wire, account, options.allow_free_text_items)
        self.status = status
        self.options = options

    def check(self, order: OrderRequest) -> None:
        """Goods are catalogue products or carry their NCM (``products.py``); every installment's
        payment method makes a receivable (``payments.py``): both before anything is sent."""
        self.products.check(order)
        for inst in order.installments:
            self.payments.usable(self.payments.method_id(inst.payment_method))

    def plan(self, order: OrderRequest, customer: CustomerBinding) -> BlingPlan:
        return BlingPlan(order, int(customer.external_id), self.products.resolve(order))

    def find_live(self, plan: BlingPlan) -> list[dict[str, Any]]:
        return self.find_by_marker(plan.order.marker, plan.order.issue_date)

    def find_by_marker(self, marker: str, day: Any) -> list[dict[str, Any]]:
        """The orders carrying ``marker``, oldest first. ``numerosLojas[]`` is used unless Check
        account found it ignored; its answer is checked anyway, and an answer of other orders
        (the filter ignored) makes the order's day be scanned instead."""
        rows: list[dict[str, Any]] = [{}]
        if self.options.facts.get(MARKER_FILTER_FACT) is not False:
            rows = self.wire.search("/pedidos/vendas", {"numerosLojas[]": [marker]}, what="order search")
        if any(r.get("numeroLoja") != marker for r in rows):
            window = {"dataInicial": day.isoformat(), "dataFinal": day.isoformat()}
            rows = list(self.wire.pages("/pedidos/vendas", window, what="order search"))
        return sorted((r for r in rows if r.get("numeroLoja") == marker), key=lambda r: to_int(r.get("id")))

    @staticmethod
    def doc_id(plan: BlingPlan, row: dict[str, Any]) -> str:
        return str(to_int(row["id"]))

    def drop_duplicate(self, plan: BlingPlan, row: dict[str, Any]) -> None:
        _logger.warning(
            "Bling: pedido %s carries the marker of an older one; adopting the oldest", row.get("id")
        )

    def in_use(self, row: dict[str, Any]) -> bool:
        return True  # never asked: Bling's completion is idempotent and never Broken

    def in_use_refusal(self, plan: BlingPlan, row: dict[str, Any], reason: str) -> DataError:
        raise AssertionError("Bling's completion is never Broken")

    def roll_back(self, plan: BlingPlan, doc_id: str) -> None:
        """Nothing: the order stays, and the next push adopts it and repeats its idempotent steps."""

    def create_header(self, plan: BlingPlan) -> tuple[str, dict[str, Any]]:
        """POST the order. A product id remembered from an earlier run that Bling refuses (deleted
        there) is looked up again and the order sent once more: the refused create left nothing."""
        order, what = plan.order, doc_label(plan.order.doc_type)
        try:
            created = self._post(order, plan.contact_id, plan.product_ids, what)
        except DataError as exc:
            if not plan.product_ids or not _PRODUCT_REFUSED_RE.search(exc.erp_message or ""):
                raise
            self.products.forget()
            created = self._post(order, plan.contact_id, self.products.resolve(order), what)
        oid = to_int(created.get("id"))
        if not oid:
            raise ErpError(_("Bling created the order but did not return its id."))
        return str(oid), created

    def _post(self, order: OrderRequest, contact_id: int, product_ids: dict[str, int], what: str) -> dict:
        body = self._body(order, contact_id, product_ids)
        return data(self.wire.call("POST", "/pedidos/vendas", json=body, what=what)) or {}

    def complete(self, plan: BlingPlan, doc_id: str, *, resume: bool) -> None:
        """The follow-up steps of a create, each safe to repeat (so ``resume`` changes nothing)."""
        if plan.order.doc_type is DocType.SALES_ORDER:
            post_action(self.wire, f"/pedidos/vendas/{doc_id}/lancar-estoque", ALREADY_DONE_RE, "stock exit")
        post_action(self.wire, f"/pedidos/vendas/{doc_id}/lancar-contas", ALREADY_DONE_RE, "receivables")

    def created(self, plan: BlingPlan, doc_id: str, head: dict[str, Any]) -> PushResult:
        # Just created: open. Bling numbers the order without saying the number; the next
        # read-back (the order changed since its cursor) reads it, so no read here.
        return PushResult(doc_id, str(head.get("numero") or ""), DocState.OPEN, url=self._url(doc_id))

    def adopted(self, plan: BlingPlan, doc_id: str, row: dict[str, Any]) -> PushResult:
        detail = self.status.get_order(int(doc_id))
        if detail is None:
            raise ErpError(_("Bling does not show the order %(id)s it has found by its marker."), id=doc_id)
        ref = DocRef(plan.order.doc_type, doc_id, plan.order.marker)
        state = self.status.status(ref, detail, Caches()).state
        return PushResult(doc_id, str(detail.get("numero") or ""), state, adopted=True, url=self._url(doc_id))

    def _url(self, doc_id: str) -> str:
        return PANEL_URL.format(id=doc_id)

    def _body(self, order: OrderRequest, contact_id: int, product_ids: dict[str, int]) -> dict[str, Any]:
        items, total = [], Decimal("0")
        for line in order.lines:
            description = " ".join(line.description.split()) or line.product_code or "Item"
            price = cents(line.unit_price)  # Bling's valor holds cents: the remainder goes below
            item: dict[str, Any] = {
                "descricao": description[:120],
                "quantidade": float(line.quantity),
                "valor": float(price),
                "unidade": (line.unit or "UN")[:6],
            }
            if len(description) > 120:
                item["descricaoDetalhada"] = line.description
            if line.product_code:
                item["codigo"] = line.product_code[:40]
                if product_ids.get(line.product_code):
                    item["produto"] = {"id": product_ids[line.product_code]}
            if line.discount_percent:
                item["desconto"] = float(line.discount_percent)
            items.append(item)
            total += cents(line.quantity * price * (100 - line.discount_percent) / 100)
        day = order.issue_date.isoformat()
        label = f"{doc_label(order.doc_type).capitalize()} {order.reference} (Odoo)"
        if order.doc_type is DocType.SERVICE_ORDER:  # each item's NFS-e code, for the note (rps.py)
            label = f"{label} {codes_tag([line.service_code.strip() for line in order.lines])}".strip()
        body: dict[str, Any] = {
            "numeroLoja": order.marker,
            "data": day,
            "dataSaida": day,
            "dataPrevista": day,
            "contato": {"id": contact_id},
            "itens": items,
            "observacoes": order.notes,
            "observacoesInternas": label,
        }
        if order.freight:
            body["transporte"] = {"frete": float(cents(order.freight))}
        # What the items cannot say to the cent, said by the order (docs/money.md).
        remainder = order.total - total - cents(order.freight)
        if remainder < 0:
            body["desconto"] = {"valor": float(-remainder), "unidade": "REAL"}
        elif remainder > 0:
            body["outrasDespesas"] = float(remainder)
        if order.total <= 0 or -remainder >= total + cents(order.freight):
            raise DataError(
                NOT_POSITIVE[order.doc_type], reference=order.reference, total=f"{order.total:.2f}"
            )
        body["parcelas"] = self.payments.parcelas(order)
        return body
