"""A Bling order's parcelas: the invoice's installments with the account's payment methods
(``formaPagamento``: an id, or a name from ``GET /formas-pagamentos``)."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

from typing import Any

from ..contract import DocType, Installment, OrderRequest
from ..errors import DataError
from ..messages import _
from .values import cents, plain, to_int
from .wire import BlingWire

PARCELS_DIFFER = {
    DocType.SERVICE_ORDER: _(
        "The installments of %(reference)s add up to %(parcels)s, the service order to %(total)s: "
        "check the invoice's payment terms."
    ),
    DocType.SALES_ORDER: _(
        "The installments of %(reference)s add up to %(parcels)s, the sales order to %(total)s: "
        "check the invoice's payment terms."
    ),
}


class BlingPayments:
    """The account's payment methods, read once per client."""

    def __init__(self, wire: BlingWire, default_method: int | str):
        self.wire = wire
        self.default_method = default_method
        self.formas: list[dict[str, Any]] | None = None

    def parcelas(self, order: OrderRequest) -> list[dict[str, Any]]:
        """The invoice's installments, adding up exactly to the order's total (Bling requires them)."""
        installments = order.installments or (Installment(order.issue_date, order.total),)
        parcels = sum((cents(i.amount) for i in installments), cents(0))
        if parcels != order.total:
            raise DataError(
                PARCELS_DIFFER[order.doc_type],
                field="parcelas",
                reference=order.reference,
                parcels=f"{parcels:.2f}",
                total=f"{order.total:.2f}",
            )
        parcelas = []
        for inst in installments:
            method = self.method_id(inst.payment_method)
            if not method:
                raise DataError(
                    _(
                        "Bling needs an active payment method for the order's installments and none was "
                        "found (the integration's Default Payment Method is %(method)s): set it to the id "
                        "or the name of an active method of Bling's Formas de Pagamento."
                    ),
                    field="formaPagamento",
                    method=str(self.default_method or "").strip() or "-",
                )
            parcelas.append(
                {
                    "dataVencimento": inst.due_date.isoformat(),
                    "valor": float(cents(inst.amount)),
                    "formaPagamento": {"id": method},
                }
            )
        return parcelas

    def _formas(self) -> list[dict[str, Any]]:
        if self.formas is None:
            self.formas = list(self.wire.pages("/formas-pagamentos", {}, what="payment methods"))
        return self.formas

    def method_id(self, method: str, *, fallback: bool = True) -> int:
        """Bling's formaPagamento.id for an installment's method (an id or a name), else the default."""
        method = str(method or "").strip()
        if method.isdigit():
            return int(method)
        if method:
            wanted = plain(method)
            for forma in self._formas():
                if plain(str(forma.get("descricao") or "")) == wanted and forma.get("situacao", 1) == 1:
                    return to_int(forma.get("id"))
        default = str(self.default_method or "").strip()
        if fallback and default:
            return self.method_id(default, fallback=False)
        return self._default_forma() if fallback else 0

    def _default_forma(self) -> int:
        """The account's default payment method (``padrao`` 1, "Pagamento"), or 0."""
        return next(
            (
                to_int(f.get("id"))
                for f in self._formas()
                if f.get("padrao") == 1 and f.get("situacao", 1) == 1
            ),
            0,
        )
