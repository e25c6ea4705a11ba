"""Bling API v3 client: the ``ErpProvider`` for Bling (wire facts in ``erp-apis/bling.md``).

- Exactly once: the caller's marker goes in ``numeroLoja``; ``push(..., maybe_exists=True)``
  searches for it before creating and adopts what it finds (``erp/push_flow.py``).
- Every account may make 3 requests per second: all clients of one account share one
  ``RateLimiter`` (``account_rate_limiter``); a 429 pauses it.
- One module per resource: ``wire`` (calls, errors, paging), ``customers``, ``orders`` (+
  ``payments``), ``status`` (situações, receivables, notes), ``notes`` (issuing), ``refresh``.
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .. import push_flow
from ..bling_oauth import BlingTokenManager
from ..client_base import HttpClient
from ..common import BRT
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
from ..errors import DataError
from ..http import DEFAULT_TIMEOUT, HttpTransport
from ..messages import _
from ..ratelimit import Limiter
from ..states import BLING_ORDER_CANCELLED
from . import refresh
from .customers import unmasked
from .facts import Tour, check_account
from .nfse import BlingNfse
from .notes import BlingNfe
from .order_put import BlingOrderPut
from .orders import NOT_POSTED_RE, BlingOrders, post_action
from .status import BlingStatus, Caches
from .values import data, note_issued, plain, ref_id, valor
from .wire import BlingRefusal, BlingWire, account_rate_limiter

DEFAULT_BASE_URL = "https://api.bling.com.br/Api/v3"

MISSING = {
    DocType.SERVICE_ORDER: _("The service order %(id)s no longer exists in Bling."),
    DocType.SALES_ORDER: _("The sales order %(id)s no longer exists in Bling."),
}
RECEIVED_CODE = 63  # estornar-contas: a receivable is received, reconciled or in a remittance
_RECEIVED_RE = re.compile(r"\b(recebid|conciliad|bordero|remessa)")
RECEIVED = _(
    "Bling refused to reverse the receivables of order %(number)s: at least one is already received, "
    "reconciled or in a bank remittance. Nothing was changed in Bling (the order, its stock and its "
    "receivables are as they were). Undo those receipts in Bling (Finanças > Contas a receber), then "
    "Reprocess the document to cancel the order."
)
CANCELLED = {
    DocType.SERVICE_ORDER: _(
        "The service order %(number)s is cancelled in Bling: no fiscal note can be issued for it."
    ),
    DocType.SALES_ORDER: _(
        "The sales order %(number)s is cancelled in Bling: no fiscal note can be issued for it."
    ),
}


@dataclass(frozen=True)
class BlingOptions:
    """Per-integration settings. Ids are the account's own (``GET /formas-pagamentos``, ``/lojas``...)."""

    account_key: str = ""  # names the Bling account for the shared rate limiter (default: URL + client id)
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    # formaPagamento for installments whose own method is unknown: an id, or a name from
    # GET /formas-pagamentos. Empty/0: then no parcelas are sent (Bling leaves the order without them).
    payment_method_id: int | str = 0
    service_code: str = ""  # servicos[].codigo of NFS-e: the municipal service-list code, e.g. "0501"
    cancel_situacao: str = "Cancelado"  # name of the situação written by cancel()
    awaiting_issue_situacoes: tuple[str, ...] = ()  # extra (custom) situação names meaning "ready"
    change_margin_seconds: int = 300  # read-back overlap that absorbs clock skew between Odoo and Bling
    rate_limit_retries: int = 1  # 429s absorbed (after the pause) before RateLimited is raised
    # What Check account found (fact key -> value, ``facts.py``): the client adapts to it
    facts: dict[str, Any] = field(default_factory=dict)
    # The payment methods in use besides the default (the integration's mapping): checked by
    # Check account
    mapped_payment_methods: tuple[str, ...] = ()
    # Goods that are neither Bling catalogue products nor carry an NCM go as free-text items
    allow_free_text_items: bool = False


class BlingClient(HttpClient):
    """Talks to one Bling account. Not thread-safe itself; share the limiter, not the client."""

    def __init__(
        self,
        base_url: str,
        tokens: BlingTokenManager,
        *,
        options: BlingOptions | None = None,
        rate_limiter: Limiter | None = None,
    ):
        self.options = options or BlingOptions()
        self.tokens = tokens
        key = self.options.account_key or f"{base_url.rstrip('/')}|{tokens.client_id}"
        self.rate_limiter = rate_limiter or account_rate_limiter(key)
        self.http = HttpTransport(base_url, timeout=self.options.timeout, rate_limiter=self.rate_limiter)
        self.wire = BlingWire(self.http, tokens, rate_limit_retries=self.options.rate_limit_retries)
        self.status = BlingStatus(self.wire, self.options, BRT)  # Bling's filters and dates: Brazil time
        self.orders = BlingOrders(self.wire, self.status, self.options, key)
        self.customers = self.orders.customers
        self.nfe = BlingNfe(self.wire, self.options.facts)
        self.nfse = BlingNfse(
            self.wire, self.status, BlingOrderPut(self.wire, self.options.facts), self.options
        )

    def test_connection(self) -> ConnectionInfo:
        company = data(self.wire.call("GET", "/empresas/me/dados-basicos", what="company data")) or {}
        situacoes = self.status.sales_situacoes()
        detail = f"CNPJ {company.get('cnpj') or '?'}; {len(situacoes)} sales order situações"
        return ConnectionInfo(
            account_name=str(company.get("nome") or ""),
            detail=detail,
            account_document=unmasked(company.get("cnpj")),
        )

    def check_account(self) -> tuple[AccountFact, ...]:
        return check_account(Tour(self.wire, self.status, self.orders.payments, self.options))

    def push(self, order: OrderRequest, *, maybe_exists: bool = False) -> PushResult:
        return push_flow.push(self.orders, order, maybe_exists=maybe_exists)

    def find(self, doc_type: DocType, marker: str, issue_date: dt.date) -> DocRef | None:
        """The live order carrying ``marker``, if an earlier send created it."""
        found = self.orders.find_by_marker(marker, issue_date)
        return DocRef(doc_type, str(found[0]["id"]), marker) if found else None

    def cancel(self, ref: DocRef) -> RemoteStatus:
        oid = ref_id(ref)
        detail = self.status.get_order(oid)
        if detail is None:  # deleted in Bling
            return push_flow.canceled(ref)
        number = str(detail.get("numero") or "")
        kind, note = self.status.note_of(ref.doc_type, detail, Caches())
        if note is not None and note_issued(kind, note):
            raise push_flow.note_issued_refusal(
                ref,
                erp="Bling",
                number=number,
                note_kind="NF-e" if kind == "nfe" else "NFS-e",
                note=str(note.get("numero") or ""),
                field="notaFiscal",
            )
        if valor(detail) == BLING_ORDER_CANCELLED:
            return push_flow.canceled(ref, number)
        # Receivables first: Bling refuses to reverse them when one is received (error 63), and
        # the order must then stay whole, its stock included (fidelity-review finding 8).
        try:
            post_action(
                self.wire, f"/pedidos/vendas/{oid}/estornar-contas", NOT_POSTED_RE, "receivables reversal"
            )
        except BlingRefusal as exc:
            if RECEIVED_CODE in exc.codes or _RECEIVED_RE.search(plain(exc.erp_message)):
                raise DataError(RECEIVED, field="contas", erp_message=exc.erp_message, number=number) from exc
            raise
        if ref.doc_type is DocType.SALES_ORDER:
            post_action(self.wire, f"/pedidos/vendas/{oid}/estornar-estoque", NOT_POSTED_RE, "stock reversal")
        cancel_id = self.status.situacao_id(self.options.cancel_situacao)
        self.wire.call("PATCH", f"/pedidos/vendas/{oid}/situacoes/{cancel_id}", what="order cancellation")
        return push_flow.canceled(ref, number)

    def fetch_changes(
        self, refs: list[DocRef], since: str | None, *, max_reads: int | None = None
    ) -> ChangeSet:
        return refresh.fetch_changes(
            self.wire, self.status, refs, since, self.options.change_margin_seconds, max_reads=max_reads
        )

    def issue_note(self, ref: DocRef) -> RemoteStatus:
        oid = ref_id(ref)
        detail = self.status.get_order(oid)
        if detail is None:
            raise DataError(MISSING[ref.doc_type], id=oid)
        if valor(detail) == BLING_ORDER_CANCELLED:
            raise DataError(CANCELLED[ref.doc_type], number=str(detail.get("numero") or ""))
        if ref.doc_type is DocType.SALES_ORDER:
            note, kind = self.nfe.issue(oid, detail), "nfe"
        else:
            note, kind = self.nfse.issue(detail), "nfse"
        # An issued note needs nothing more; otherwise the order's receivables say where it stands.
        receivables = [] if note_issued(kind, note) else self.status.receivables(detail, Caches())
        return self.status.remote_status(ref, detail, receivables, kind, note)
