"""A Bling order's parcelas: the invoice's installments, each with its payment method
(``formaPagamento``: an id, or a name from ``GET /formas-pagamentos``; else the integration's
default, else the account's).

``lancar-contas`` makes a receivable only of an installment whose method goes to "contas a
receber" (``destino`` 1) and aborts on an inactive method (integrators' notes): without
receivables the order never reads as paid. So a method is used only when it is active and its
``destino`` (told by ``GET /formas-pagamentos/{id}`` only) is 1; any other is a setup problem
named before the order is sent.
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

from typing import Any

from ..contract import DocType, Installment, OrderRequest
from ..errors import DataError, SetupError
from ..messages import _
from .values import cents, plain, to_int
from .wire import BlingWire

RECEIVABLE = 1  # destino: "Conta a receber/pagar"
DESTINOS = {1: "Conta a receber/pagar", 2: "Ficha financeira", 3: "Caixa e bancos"}
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
NO_METHOD = _(
    "Bling needs an active payment method for the order's installments and none was found (the "
    "integration's Default Payment Method is %(method)s): set it to the id or the name of an active "
    "method of Bling's Formas de Pagamento."
)
UNKNOWN = _(
    "Bling has no payment method with the id %(method)s: set the integration's payment method (or its "
    "mapping) to the id or the name of a method of Bling's Formas de Pagamento."
)
INACTIVE = _(
    'The Bling payment method "%(method)s" is inactive: Bling would refuse to launch the order\'s '
    "receivables. Activate it in Bling (Cadastros > Formas de Pagamento) or choose another one on the "
    "integration."
)
NOT_RECEIVABLE = _(
    'The Bling payment method "%(method)s" goes to "%(destino)s", not to "Conta a receber/pagar": Bling '
    "would launch no receivable for the order, and Odoo would never see it paid. Change its destino in "
    "Bling (Cadastros > Formas de Pagamento) or choose another method on the integration."
)


class BlingPayments:
    """The account's payment methods, read once per client."""

    def __init__(self, wire: BlingWire, default_method: int | str):
        self.wire = wire
        self.default_method = default_method
        self.formas: list[dict[str, Any]] | None = None
        self.details: dict[int, dict[str, Any]] = {}

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
        return [
            {
                "dataVencimento": inst.due_date.isoformat(),
                "valor": float(cents(inst.amount)),
                "formaPagamento": {"id": self.usable(self.method_id(inst.payment_method))},
            }
            for inst in installments
        ]

    def all_formas(self) -> list[dict[str, Any]]:
        if self.formas is None:
            self.formas = list(self.wire.pages("/formas-pagamentos", {}, what="payment methods"))
        return self.formas

    def method_id(self, method: str, *, fallback: bool = True) -> int:
        """Bling's formaPagamento.id for an installment's method (an id, or the name of an active
        method), else the integration's default, else the account's (``padrao`` 1); 0 if none."""
        method = str(method or "").strip()
        if method.isdigit():
            return int(method)
        if method:
            wanted = plain(method)
            for forma in self.all_formas():
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
                for f in self.all_formas()
                if f.get("padrao") == 1 and f.get("situacao", 1) == 1
            ),
            0,
        )

    def problem(self, method_id: int) -> SetupError | None:
        """Why Bling would make no receivable of an installment paid by ``method_id`` (None: it will)."""
        forma = next((f for f in self.all_formas() if to_int(f.get("id")) == method_id), None)
        if forma is None:
            return SetupError(UNKNOWN, method=str(method_id))
        name = str(forma.get("descricao") or method_id)
        if to_int(forma.get("situacao", 1)) != 1:
            return SetupError(INACTIVE, method=name)
        destino = to_int(self.detail(method_id).get("destino")) or RECEIVABLE
        if destino != RECEIVABLE:
            return SetupError(NOT_RECEIVABLE, method=name, destino=DESTINOS.get(destino, str(destino)))
        return None

    def detail(self, method_id: int) -> dict[str, Any]:
        """``GET /formas-pagamentos/{id}``: the only answer that tells the ``destino``."""
        if method_id not in self.details:
            found = self.wire.get(f"/formas-pagamentos/{method_id}", what="payment methods")
            self.details[method_id] = found if isinstance(found, dict) else {}
        return self.details[method_id]

    def usable(self, method_id: int) -> int:
        """``method_id`` when Bling will launch receivables with it; else a setup error, before the
        order is sent."""
        if not method_id:
            raise DataError(
                NO_METHOD, field="formaPagamento", method=str(self.default_method or "").strip() or "-"
            )
        problem = self.problem(method_id)
        if problem is not None:
            raise problem
        return method_id
