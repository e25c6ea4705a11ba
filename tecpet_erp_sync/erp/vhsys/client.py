"""VHSYS API v2 client: the ``ErpProvider`` for VHSYS (wire facts in ``erp-apis/vhsys.md``).

- Writes are never repeated blindly. Every document carries the caller's marker (OS:
  ``referencia_ordem`` and ``obs_interno_pedido``; PV: ``obs_interno_pedido``), and
  ``push(..., maybe_exists=True)`` searches for it first, then adopts, resumes or rolls back what an
  earlier attempt left (``erp/push_flow.py``).
- One module per resource: ``wire`` (calls, errors, paging), ``customers``, ``products``,
  ``orders`` (+ ``plan``, ``stock``), ``cancel``, ``notes`` and ``nfse`` (fiscal notes), ``refresh``
  (read-back), ``account`` (Check account); ``options`` holds what the client is told.
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt

from .. import push_flow
from ..client_base import HttpClient
from ..contract import (
    AccountFact,
    ChangeSet,
    ConnectionInfo,
    DocRef,
    DocType,
    OrderRequest,
    PushResult,
    RemoteStatus,
)
from ..errors import NotSupported
from ..http import DEFAULT_TIMEOUT, HttpTransport
from ..messages import _
from ..ratelimit import Limiter
from .account import AccountTour
from .cancel import VhsysCancel
from .customers import VhsysCustomers
from .nfse import VhsysNfse
from .notes import VhsysNotes
from .options import VhsysOptions
from .orders import VhsysOrders, search_since
from .products import VhsysProducts
from .refresh import VhsysReader
from .stock import VhsysStock
from .values import rows_of
from .wire import VhsysWire

DEFAULT_BASE_URL = "https://api.vhsys.com/v2"
READ_RETRIES = 2  # a failed read is tried twice more before the document waits for the next run


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
        self.notes = VhsysNotes(self.wire, self.options)
        self.reader = VhsysReader(self.wire, self.notes, self.options)
        self.stock = VhsysStock(self.wire, ordered=self.options.stock_order)
        products = VhsysProducts(
            self.wire,
            service_type=self.options.service_product_type,
            free_text=self.options.allow_free_text_items,
        )
        self.customers = VhsysCustomers(self.wire)
        self.orders = VhsysOrders(
            self.wire, self.customers, products, self.stock, self.options, self.reader.state_of
        )
        self.nfse = VhsysNfse(self.wire, self.notes, self.options)
        self.canceller = VhsysCancel(self.wire, self.notes, self.stock, self.options)

    @property
    def modified_format(self) -> str:
        """The ``data_modificacao`` filter format this account takes (date-only after a refusal)."""
        return self.wire.modified_format

    def test_connection(self) -> ConnectionInfo:
        envelope = self.wire.call(
            "GET", "/clientes", params={"limit": 1, "offset": 0}, empty_ok=True, what="customer search"
        )
        rows = rows_of(envelope.get("data")) if envelope else []
        company = rows[0].get("id_empresa") if rows else None
        name = f"VHSYS (empresa {company})" if company else "VHSYS"
        return ConnectionInfo(account_name=name, detail="Credentials accepted.")

    def check_account(self) -> tuple[AccountFact, ...]:
        """The read-only tour of ``account.py``: what this account does where the sources disagree
        or are silent (docs/erp-facts.md); nothing is created."""
        return AccountTour(self.wire, self.options).run()

    def push(self, order: OrderRequest, *, maybe_exists: bool = False) -> PushResult:
        return push_flow.push(self.orders, order, maybe_exists=maybe_exists)

    def find(
        self, doc_type: DocType, marker: str, issue_date: dt.date, *, created_at: dt.datetime | None = None
    ) -> DocRef | None:
        """The live document carrying ``marker``, if an earlier send created it."""
        since = search_since(created_at, issue_date, self.options.search_margin)
        found = self.orders.find_by_marker(doc_type, marker, since)
        pk = "id_ordem" if doc_type is DocType.SERVICE_ORDER else "id_ped"
        return DocRef(doc_type, str(found[0].get(pk)), marker) if found else None

    def cancel(self, ref: DocRef) -> RemoteStatus:
        return self.canceller.cancel(ref)

    def fetch_changes(
        self, refs: list[DocRef], since: str | None, *, max_reads: int | None = None
    ) -> ChangeSet:
        """VHSYS is read back by lists (documents, receivables, notes changed since the cursor), not
        one document at a time: ``max_reads`` has nothing to bound."""
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
