"""The Bling catalogue products of a sales order's goods (``/produtos``, found by ``codigo``).

An order item without a catalogue product is free text: Bling takes it, and its NF-e then fails
inside Bling for want of an NCM, where the clerk cannot see why from Odoo. So a goods line must
be a catalogue product (one Bling already holds keeps its own NCM) or carry its NCM from Odoo,
with which the product is created in the catalogue; otherwise the order is refused before
anything is sent, naming the product and the field, unless the integration allows free-text
items (``allow_free_text_items``).
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

from typing import Any

from ..common import ProductIds
from ..contract import DocType, Line, LineKind, OrderRequest
from ..errors import DataError, ErpError
from ..formatting import digits
from ..messages import _
from .values import data, plain, to_int
from .wire import BlingWire

PRODUCT_IDS = ProductIds()  # product ids by codigo, per account, for this process's clients
NO_NCM = _(
    'The product "%(product)s" (internal reference %(code)s) has no NCM in Odoo and Bling has no '
    "active product with that code: Bling could not issue its NF-e. Fill the product's NCM in Odoo "
    "(or create the product in Bling with its NCM), then Reprocess."
)
NO_CODE = _(
    'The product "%(product)s" has no internal reference: Bling\'s NF-e needs a catalogue product with '
    "its NCM, which Odoo finds or creates by that reference. Fill the product's internal reference "
    "(and its NCM), then Reprocess."
)


class BlingProducts:
    """Finds (and creates, with their NCM) the catalogue products of an order's goods."""

    def __init__(self, wire: BlingWire, account: str, allow_free_text: bool):
        self.wire = wire
        self.account = account
        self.allow_free_text = allow_free_text

    @staticmethod
    def goods(order: OrderRequest) -> list[Line]:
        if order.doc_type is not DocType.SALES_ORDER:
            return []
        return [line for line in order.lines if line.kind is LineKind.GOODS]

    def check(self, order: OrderRequest) -> None:
        """Every goods line is a catalogue product or can become one (its code and NCM), unless
        free-text items are allowed: else a DataError, before anything is sent."""
        if self.allow_free_text:
            return
        known = self.ids(order)
        for line in self.goods(order):
            if not line.product_code:
                raise DataError(NO_CODE, field="default_code", product=line.description)
            if not known.get(line.product_code) and not digits(line.ncm):
                raise DataError(NO_NCM, field="erp_ncm", product=line.description, code=line.product_code)

    def ids(self, order: OrderRequest) -> dict[str, int]:
        """Bling's product id by codigo for the order's goods; a code looked up by an earlier run
        of this process costs no call (``PRODUCT_IDS``)."""
        codes = sorted({line.product_code for line in self.goods(order) if line.product_code})
        known = PRODUCT_IDS.known(self.account, codes)
        missing = [code for code in codes if code not in known]
        found: dict[str, int] = {}
        for start in range(0, len(missing), 50):
            chunk = missing[start : start + 50]
            for row in self.wire.search("/produtos", {"codigos[]": chunk}, what="product search"):
                if row.get("codigo") in chunk and row.get("situacao", "A") == "A":
                    found.setdefault(row["codigo"], to_int(row.get("id")))
        PRODUCT_IDS.remember(self.account, {code: found.get(code, 0) for code in missing})
        return {code: pid for code, pid in {**known, **found}.items() if pid}

    def resolve(self, order: OrderRequest) -> dict[str, int]:
        """``ids``, with the goods that carry an NCM created in the catalogue when Bling lacks them."""
        ids = self.ids(order)
        for line in self.goods(order):
            if line.product_code and line.product_code not in ids and digits(line.ncm):
                ids[line.product_code] = self._create(line)
                PRODUCT_IDS.remember(self.account, {line.product_code: ids[line.product_code]})
        return ids

    def _create(self, line: Line) -> int:
        body: dict[str, Any] = {
            "nome": (" ".join(line.description.split()) or line.product_code)[:120],
            "codigo": line.product_code[:40],
            "tipo": "P",
            "situacao": "A",
            "formato": "S",
            "unidade": (line.unit or "UN")[:6],
            "preco": float(line.unit_price),
            "tributacao": {"ncm": digits(line.ncm)},
        }
        try:
            created = data(self.wire.call("POST", "/produtos", json=body, what="product")) or {}
        except DataError as exc:
            # Created meanwhile (another worker, or an earlier attempt whose answer was lost)
            if exc.field != "codigo" or "exist" not in plain(exc.erp_message):
                raise
            rows = self.wire.search("/produtos", {"codigos[]": [line.product_code]}, what="product search")
            created = next((r for r in rows if r.get("codigo") == line.product_code), {})
        product_id = to_int(created.get("id"))
        if not product_id:
            raise ErpError(
                _("Bling created the product %(code)s but did not return its id."), code=line.product_code
            )
        return product_id

    def forget(self) -> None:
        PRODUCT_IDS.forget(self.account)
