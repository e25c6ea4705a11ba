"""What a sandbox ERP holds for one document, as an ERP user's report would show it: the total, what
the items and the document fields make, and the installments (VHSYS: over its HTTP API; Bling:
from its store, since its GET answers net item prices).

Used by the tests of both tiers to check that money reaches the ERP exactly (docs/money.md).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import requests

CENT = Decimal("0.01")
VHSYS_HEADERS = {"access-token": "readback", "secret-access-token": "readback", "User-Agent": "readback/1"}


@dataclass(frozen=True)
class StoredDocument:
    total: Decimal  # the ERP's own total field
    parts: Decimal  # Σ items ± the document's discount/expense fields
    installments: tuple[tuple[str, Decimal], ...]  # (due date ISO, amount)


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def stored_document(server, provider: str, doc_type: str, external_id: str) -> StoredDocument:
    """``server``: a running ``SandboxServer``; ``doc_type``: "service_order" or "sales_order"."""
    if provider == "bling":
        return _bling(server, external_id)
    return _vhsys(server, doc_type, external_id)


def _bling(server, external_id: str) -> StoredDocument:
    """The order as Bling stores it: items at their list price and discount % (its GET answers
    them net, in cents, which cannot add back up to the cent), the order's own fields."""
    with server.bling.lock:
        order = copy.deepcopy(server.bling.orders[int(external_id)])
    items = sum(
        (
            (_dec(i["quantidade"]) * _dec(i["valor"]) * (100 - _dec(i.get("desconto"))) / 100).quantize(
                CENT, ROUND_HALF_UP
            )
            for i in order["itens"]
        ),
        Decimal(0),
    )
    parts = items - _dec((order.get("desconto") or {}).get("valor")) + _dec(order.get("outrasDespesas"))
    parts += _dec((order.get("transporte") or {}).get("frete"))
    parcels = tuple((p["dataVencimento"], _dec(p["valor"])) for p in order["parcelas"])
    return StoredDocument(_dec(order["total"]), parts, parcels)


def _vhsys(server, doc_type: str, external_id: str) -> StoredDocument:
    def get(path: str) -> Any:
        resp = requests.get(server.vhsys_url + path, headers=VHSYS_HEADERS, timeout=10)
        body = resp.json()
        return body["data"] if body.get("code") == 200 else []

    if doc_type == "service_order":
        path, total_field, subs = f"/ordens-servico/{external_id}", "valor_total_os", ("servicos", "produtos")
    else:
        path, total_field, subs = f"/pedidos/{external_id}", "valor_total_nota", ("produtos",)
    head = get(path)
    head = head[0] if isinstance(head, list) else head
    parts = _dec(head.get("valor_total_despesas")) - _dec(head.get("valor_total_desconto"))
    parts -= _dec(head.get("desconto_pedido"))
    parts += _dec(head.get("frete_pedido"))
    for sub in subs:
        for row in get(f"{path}/{sub}") or []:
            parts += _dec(row.get("valor_total_servico") or row.get("valor_total_produto"))
    parcels = tuple((p["data_parcela"], _dec(p["valor_parcela"])) for p in get(f"{path}/parcelas") or [])
    return StoredDocument(_dec(head[total_field]), parts, parcels)
