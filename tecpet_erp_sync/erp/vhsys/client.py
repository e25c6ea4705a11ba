"""VHSYS API v2 client: the ``ErpProvider`` for VHSYS (wire facts in ``erp-apis/vhsys.md``).

- Writes are never repeated blindly. Every document carries the caller's marker (OS:
  ``referencia_ordem`` and ``obs_interno_pedido``; PV: ``obs_interno_pedido``), and
  ``push(..., maybe_exists=True)`` searches for it first, then adopts, resumes or rolls back what an
  earlier attempt left (``erp/push_flow.py``).
- One module per resource: ``wire`` (calls, errors, paging), ``customers``, ``products``,
  ``orders`` (+ ``plan``, ``stock``), ``notes`` and ``nfse`` (fiscal notes), ``refresh`` (read-back).
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .. import push_flow
from ..client_base import HttpClient
from ..common import BRT
from ..contract import ChangeSet, ConnectionInfo, DocRef, DocType, OrderRequest, PushResult, RemoteStatus
from ..errors import NotSupported
from ..http import DEFAULT_TIMEOUT, HttpTransport
from ..messages import _
from ..ratelimit import Limiter
from ..states import VHSYS_CANCELED, VHSYS_DONE
from .customers import VhsysCustomers
from .nfse import VhsysNfse
from .notes import VhsysNotes, nfe_issued
from .orders import VhsysOrders
from .plan import OS_PATH, PV_PATH
from .products import VhsysProducts
from .refresh import VhsysReader
from .stock import VhsysStock, stock_since
from .values import rows_of
from .wire import VhsysWire

DEFAULT_BASE_URL = "https://api.vhsys.com/v2"
READ_RETRIES = 2  # a failed read is tried twice more before the document waits for the next run


@dataclass(frozen=True)
class VhsysOptions:
    """Everything about VHSYS that the notes mark as uncertain or account-specific."""

    status_open: str = "Em Aberto"
    status_done: str = VHSYS_DONE  # the base status VHSYS uses for "work done"
    status_canceled: str = VHSYS_CANCELED
    ambiente: int = 1  # NFS-e environment: 1 production, 2 homologation
    payment_method: str = "Outros"  # forma_pagamento when the installment does not name one
    consistency_wait: float = 0.65  # seconds to wait after creating a header before posting its parts
    refresh_margin: float = 600.0  # seconds re-read before the cursor (clock skew, late commits)
    services_in_catalog: bool = True  # services are products with tipo_produto "Servico"; False: id_servico 0
    service_product_type: str = "Servico"
    nfse_fields: dict[str, Any] = field(default_factory=dict)  # extra NFS-e fields (natureza_pedido, ...)


class VhsysClient(HttpClient):
    """``ErpProvider`` for VHSYS API v2 (see the module docstring)."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        access_token: str = "",
        secret_token: str = "",
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        options: VhsysOptions | None = None,
        rate_limiter: Limiter | None = None,
    ):
        self.options = options or VhsysOptions()
        if isinstance(timeout, (int, float)):
            timeout = (float(timeout), float(timeout))
        self.http = HttpTransport(
            base_url,
            timeout=timeout,
            rate_limiter=rate_limiter,
            default_headers={
                "access-token": access_token,
                "secret-access-token": secret_token,
                "Content-Type": "application/json",
                "Cache-Control": "no-cache",
            },
            read_retries=READ_RETRIES,
        )
        self.wire = VhsysWire(
            self.http, (access_token, secret_token), consistency_wait=self.options.consistency_wait
        )
        self.notes = VhsysNotes(self.wire, status_canceled=self.options.status_canceled)
        self.reader = VhsysReader(self.wire, self.notes, self.options)
        self.stock = VhsysStock(self.wire)
        products = VhsysProducts(
            self.wire,
            service_type=self.options.service_product_type,
        )
        self.customers = VhsysCustomers(self.wire)
        self.orders = VhsysOrders(
            self.wire, self.customers, products, self.stock, self.options, self.reader.state_of
        )
        self.nfse = VhsysNfse(self.wire, self.notes, self.options)

    @property
    def modified_format(self) -> str:
        """The ``data_modificacao`` filter format this account takes (date-only after a refusal)."""
        return self.reader.modified_format

    def test_connection(self) -> ConnectionInfo:
        envelope = self.wire.call(
            "GET", "/clientes", params={"limit": 1, "offset": 0}, empty_ok=True, what="customer search"
        )
        rows = rows_of(envelope.get("data")) if envelope else []
        company = rows[0].get("id_empresa") if rows else None
        name = f"VHSYS (empresa {company})" if company else "VHSYS"
        return ConnectionInfo(account_name=name, detail="Credentials accepted.")

    def push(self, order: OrderRequest, *, maybe_exists: bool = False) -> PushResult:
        return push_flow.push(self.orders, order, maybe_exists=maybe_exists)

    def find(self, doc_type: DocType, marker: str, issue_date: dt.date) -> DocRef | None:
        """The live document carrying ``marker``, if an earlier send created it."""
        found = self.orders.find_by_marker(doc_type, marker)
        pk = "id_ordem" if doc_type is DocType.SERVICE_ORDER else "id_ped"
        return DocRef(doc_type, str(found[0].get(pk)), marker) if found else None

    def cancel(self, ref: DocRef) -> RemoteStatus:
        is_os = ref.doc_type is DocType.SERVICE_ORDER
        path = f"{OS_PATH if is_os else PV_PATH}/{ref.external_id}"
        head = self.wire.get(path, what="document")
        if head is None:
            return push_flow.canceled(ref)
        number = str(head.get("id_pedido") or "")
        in_trash = head.get("lixeira") == "Sim"
        if is_os:
            issued, note = self.notes.os_note(head)
            note_kind, note_field = "NFS-e", "nota_servico_emitida"
            note = "" if note == "1" else note
        else:
            notes = [n for n in self.notes.nfe_of(ref.external_id) if nfe_issued(n)]
            issued, note = bool(notes), str(notes[0].get("id_pedido") or "") if notes else ""
            note_kind, note_field = "NF-e", "nota_emitida"
        if issued and not in_trash:
            raise push_flow.note_issued_refusal(
                ref, erp="VHSYS", number=number, note_kind=note_kind, note=note, field=note_field
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
        if not is_os:
            since = stock_since(head.get("data_cad_pedido") or head.get("data_pedido"))
            self.stock.reverse(ref.external_id, self.stock.order_products(ref.external_id), since)
        return push_flow.canceled(ref, number)

    def fetch_changes(self, refs: list[DocRef], since: str | None) -> ChangeSet:
        return self.reader.fetch_changes(refs, since)

    def issue_note(self, ref: DocRef) -> RemoteStatus:
        if ref.doc_type is not DocType.SERVICE_ORDER:
            raise NotSupported(
                _(
                    "VHSYS's API cannot issue the NF-e of a sales order: issue it in VHSYS "
                    "(Pedidos → Gerar NF-e); its state is read back automatically."
                )
            )
        return self.nfse.issue(ref)
