"""Bling API v3 client: the ``ErpProvider`` for Bling (wire facts in ``erp-apis/bling.md``).

- Bling v3 has no service orders. A *Service Order* is a pedido de venda holding only the service
  lines, with no stock posting; a *Sales Order* is a pedido de venda of goods followed by
  ``lancar-estoque``. Both get ``lancar-contas`` (receivables) unless switched off.
- Exactly once: the caller's marker goes in ``numeroLoja``. With ``maybe_exists`` the client
  searches ``GET /pedidos/vendas?numerosLojas[]=<marker>`` before creating, adopts what it finds
  and resumes the follow-up steps, which are idempotent: Bling's "já lançado" answer to a second
  ``lancar-estoque``/``lancar-contas`` counts as done.
- States are read by ``situacao.valor`` (ids differ per account); the ids the client writes
  (Cancelado...) are resolved by name from ``GET /situacoes/modulos/{Vendas}``.
- Read-back is incremental: orders changed since the cursor, receivables received since then and
  NF-e emitted since then (NFS-e are read through the order's ``notaFiscal`` link), so its cost
  follows the number of changes.
- Fiscal notes: goods get ``gerar-nfe`` + ``/nfe/{id}/enviar``; services get ``POST /nfse`` +
  ``/enviar``. An NFS-e has no order link and no marker, so its RPS number is written ahead into
  the order's ``observacoesInternas`` and the note is found again by it after a lost answer.
- Every account may make 3 requests per second: all clients of one account share one
  ``RateLimiter`` (``account_rate_limiter``); a 429 pauses it.

Tokens come from ``BlingTokenManager``; they never reach messages or logs.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .bling_oauth import BlingTokenManager
from .common import ProductIds, check_amounts, customer_phone, customer_value, parse_cursor, read_each
from .contract import (
    CENT,
    ChangeSet,
    ConnectionInfo,
    Customer,
    DocRef,
    DocState,
    DocType,
    FiscalNote,
    Installment,
    OrderRequest,
    PushResult,
    RemoteStatus,
)
from .customers import push_checking_stale_customer, upsert_customer
from .errors import AuthError, DataError, ErpError, QuotaExhausted, RateLimited, SetupError
from .formatting import digits, format_cep_bling
from .http import DEFAULT_TIMEOUT, HttpResponse, HttpTransport
from .ratelimit import Limiter, RateLimiter
from .states import (
    BLING_NFE_ISSUED,
    BLING_NFE_REJECTED,
    BLING_NFSE_ISSUED,
    BLING_ORDER_CANCELLED,
    BLING_READY_VALORES,
    NoteKind,
    bling_order_state,
)

_logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.bling.com.br/Api/v3"
DEFAULT_TOKEN_URL = DEFAULT_BASE_URL + "/oauth/token"
DEFAULT_AUTHORIZE_URL = "https://www.bling.com.br/Api/v3/oauth/authorize"
PANEL_URL = "https://www.bling.com.br/vendas.php#edit/{id}"

# Bling allows 3 requests per second per account. The window is 100 ms longer than a second so
# that the time between taking a slot and the request reaching Bling (network, a busy worker
# process of another server) never lets Bling see a 4th request inside one of its seconds. It
# costs 9 % of the account's throughput; 50 ms let 5 requests into one second with 4 workers on
# a loaded machine (bench).
RATE_LIMIT_CALLS = 3
RATE_LIMIT_PERIOD = 1.1
PAGE_LIMIT = 100  # Bling's maximum page size
MAX_PAGES = 500
MAX_RANGE = dt.timedelta(days=364)  # Bling refuses date filters spanning more than one year

# Note situações the issuing steps look at (which ones mean "issued" is states.py's business).
NFE_CANCELED = 2
NFSE_CANCELED = 3
NFSE_PENDING = 0

_ALREADY_DONE_RE = re.compile(
    r"\bja\s+(foi\s+|foram\s+|esta\s+|estao\s+|havia\s+sido\s+)?(lancad|efetuad|realizad)"
)
_NOT_POSTED_RE = re.compile(
    r"\bnao\s+(foi\s+|foram\s+|esta\s+|estao\s+|possui\s+|ha\s+|existem?\s+)?(\w+\s+){0,3}lancad"
    r"|\bja\s+(foi\s+|foram\s+)?estornad|sem\s+lancamentos?"
)
_RPS_TAG_RE = re.compile(r"\[NFS-e RPS (\w+)/(\w+)\]")
_ALREADY_SENT_RE = re.compile(r"\bja\s+(foi\s+|esta\s+)?(autorizad|emitid|enviad)")

# path prefix -> the Bling scope a 403 on it is about
SCOPE_LABELS = {
    "/situacoes": "Situações",
    "/contatos": "Contatos",
    "/pedidos/vendas": "Pedidos de Venda",
    "/contas/receber": "Contas a Receber",
    "/formas-pagamentos": "Formas de Pagamento",
    "/nfse": "Notas Fiscais de Serviço",
    "/nfe": "Notas Fiscais",
    "/produtos": "Produtos",
    "/empresas": "Dados básicos da empresa",
}


PRODUCT_IDS = ProductIds()  # product ids by codigo, per account, for this process's clients
# A refused item product: "itens[0].produto: Produto não encontrado." (``_error_detail``).
_PRODUCT_REFUSED_RE = re.compile(r"\bitens\[\d+\]\.produto\b")


def account_rate_limiter(account_key: str) -> RateLimiter:
    """The limiter shared by every client (and thread) of one Bling account in this process."""
    return RateLimiter.for_account(f"bling:{account_key}", RATE_LIMIT_CALLS, RATE_LIMIT_PERIOD)


@dataclass(frozen=True)
class BlingOptions:
    """Per-integration settings. Ids are the account's own (``GET /formas-pagamentos``, ``/lojas``...)."""

    account_key: str = ""  # names the Bling account for the shared rate limiter (default: URL + client id)
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    # formaPagamento for installments whose own method is unknown: an id, or a name from
    # GET /formas-pagamentos. Empty/0: then no parcelas are sent (Bling leaves the order without them).
    payment_method_id: int | str = 0
    store_id: int = 0  # loja.id of the orders (0: none)
    seller_id: int = 0  # vendedor.id
    category_id: int = 0  # categoria.id (revenue category)
    post_stock: bool = True  # lancar-estoque after creating a sales order
    post_receivables: bool = True  # lancar-contas after creating any order
    link_products: bool = True  # goods items carry produto.id when Bling has a product with that codigo
    service_code: str = ""  # servicos[].codigo of NFS-e: the municipal service-list code, e.g. "0501"
    send_rps: bool = True  # numeroRPS/serie on POST /nfse, from GET /nfse/configuracoes
    link_nfse_on_order: bool = True  # write the new NFS-e id into the order's notaFiscal (PUT)
    cancel_situacao: str = "Cancelado"  # name of the situação written by cancel()
    awaiting_issue_valores: tuple[int, ...] = BLING_READY_VALORES  # Atendido, Verificado: ready for the note
    awaiting_issue_situacoes: tuple[str, ...] = ()  # extra (custom) situação names meaning "ready"
    change_margin_seconds: int = 300  # read-back overlap that absorbs clock skew between Odoo and Bling
    rate_limit_retries: int = 1  # 429s absorbed (after the pause) before RateLimited is raised
    utc_offset_hours: int = -3  # Bling's filters and dates are Brazil local time
    send_email_on_issue: bool = False  # enviarEmail of /nfe/{id}/enviar
    panel_url: str = PANEL_URL


class BlingClient:
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
        self._account = key
        self.rate_limiter = rate_limiter or account_rate_limiter(key)
        self.http = HttpTransport(base_url, timeout=self.options.timeout, rate_limiter=self.rate_limiter)
        self._tz = dt.timezone(dt.timedelta(hours=self.options.utc_offset_hours))
        self._situacoes: list[dict[str, Any]] | None = None
        self._formas: list[dict[str, Any]] | None = None

    def __repr__(self) -> str:
        return f"BlingClient(base_url={self.http.base_url!r})"

    @property
    def calls(self) -> int:
        return self.http.calls

    def close(self) -> None:
        self.http.close()

    # == ErpProvider ========================================================================
    def test_connection(self) -> ConnectionInfo:
        company = _data(self._call("GET", "/empresas/me/dados-basicos", what="company data")) or {}
        situacoes = self._sales_situacoes()
        detail = f"CNPJ {company.get('cnpj') or '?'}; {len(situacoes)} sales order situações"
        return ConnectionInfo(account_name=str(company.get("nome") or ""), detail=detail)

    def push(self, order: OrderRequest, *, maybe_exists: bool = False) -> PushResult:
        return push_checking_stale_customer(lambda o: self._push(o, maybe_exists), order, "contato")

    def _push(self, order: OrderRequest, maybe_exists: bool) -> PushResult:
        _check_order(order)
        what = _doc_label(order.doc_type)
        customer = upsert_customer(self, order.customer, order.customer_binding)
        existing = self._find_by_marker(order.marker, order.issue_date) if maybe_exists else None
        if existing is not None:
            oid = int(existing["id"])
            _logger.info("Bling: adopting pedido %s found by its marker", oid)
        else:
            created = self._create_order(order, int(customer.external_id))
            oid = _int(created.get("id"))
            if not oid:
                raise ErpError("Bling created the order but did not return its id.")
        self._complete(order.doc_type, oid)
        if existing is None:
            # Just created: open, and the create's answer has its id. Bling numbers the order
            # without saying the number; the next read-back (the order changed since its cursor)
            # reads it, so a read here would cost one call of three for nothing else.
            number, state = str(created.get("numero") or ""), DocState.OPEN
        else:
            detail = self._get_order(oid)
            if detail is None:
                raise ErpError(f"Bling does not show the {what} {oid} it has found by its marker.")
            ref = DocRef(order.doc_type, str(oid), order.marker)
            number, state = str(detail.get("numero") or ""), self._status(ref, detail, _Caches()).state
        return PushResult(
            external_id=str(oid),
            external_number=number,
            state=state,
            adopted=existing is not None,
            url=self.options.panel_url.format(id=oid),
            customer=customer,
        )

    def cancel(self, ref: DocRef) -> RemoteStatus:
        oid = _ref_id(ref)
        detail = self._get_order(oid)
        if detail is None:  # deleted in Bling
            return RemoteStatus(ref.doc_type, ref.external_id, DocState.CANCELED)
        number = str(detail.get("numero") or "")
        kind, note = self._note_of(ref.doc_type, detail, _Caches())
        if note is not None and _note_issued(kind, note):
            label = "NF-e" if kind == "nfe" else "NFS-e"
            raise DataError(
                f"The {_doc_label(ref.doc_type)} {number} has the {label} {note.get('numero') or ''} "
                f"issued in Bling. Cancel the {label} in Bling first, then cancel or reprocess the invoice.",
                field="notaFiscal",
            )
        if _valor(detail) == BLING_ORDER_CANCELLED:
            return RemoteStatus(ref.doc_type, ref.external_id, DocState.CANCELED, external_number=number)
        if ref.doc_type is DocType.SALES_ORDER and self.options.post_stock:
            self._idempotent_post(f"/pedidos/vendas/{oid}/estornar-estoque", _NOT_POSTED_RE, "stock reversal")
        if self.options.post_receivables:
            self._idempotent_post(
                f"/pedidos/vendas/{oid}/estornar-contas", _NOT_POSTED_RE, "receivables reversal"
            )
        cancel_id = self._situacao_id(self.options.cancel_situacao)
        self._call("PATCH", f"/pedidos/vendas/{oid}/situacoes/{cancel_id}", what="order cancellation")
        return RemoteStatus(ref.doc_type, ref.external_id, DocState.CANCELED, external_number=number)

    def fetch_changes(self, refs: list[DocRef], since: str | None) -> ChangeSet:
        calls_before = self.http.calls
        now = dt.datetime.now(dt.timezone.utc)
        by_id = {ref.external_id: ref for ref in refs if _int(ref.external_id) > 0}
        caches = _Caches()
        start = parse_cursor(since, naive_tz=dt.timezone.utc, provider="Bling")
        if start is None:
            candidates = set(by_id)
        else:
            start = max(start - dt.timedelta(seconds=self.options.change_margin_seconds), now - MAX_RANGE)
            candidates = self._changed_candidates(by_id, start, now, caches)
        statuses, unreadable = read_each(
            (by_id[external_id] for external_id in sorted(candidates)),
            lambda ref: self._status(ref, None, caches),
        )
        return ChangeSet(
            statuses, cursor=now.isoformat(), calls=self.http.calls - calls_before, unreadable=unreadable
        )

    def issue_note(self, ref: DocRef) -> RemoteStatus:
        oid = _ref_id(ref)
        detail = self._get_order(oid)
        if detail is None:
            raise DataError(f"The {_doc_label(ref.doc_type)} {oid} no longer exists in Bling.")
        if _valor(detail) == BLING_ORDER_CANCELLED:
            raise DataError(
                f"The {_doc_label(ref.doc_type)} {detail.get('numero')} is cancelled in Bling: "
                "no fiscal note can be issued for it."
            )
        if ref.doc_type is DocType.SALES_ORDER:
            note = self._issue_nfe(oid, detail)
            kind = "nfe"
        else:
            note = self._issue_nfse(detail)
            kind = "nfse"
        # An issued note needs nothing more; otherwise the order's receivables say where it stands.
        receivables = [] if _note_issued(kind, note) else self._receivables(detail, _Caches())
        return self._remote_status(ref, detail, receivables, kind, note)

    # == HTTP ===============================================================================
    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        what: str = "request",
        allow_404: bool = False,
    ) -> HttpResponse | None:
        refreshed = False
        limited = 0
        token = self.tokens.access_token()
        while True:
            try:
                resp = self.http.request(
                    method, path, params=params, json=json, headers={"Authorization": f"Bearer {token}"}
                )
            except AuthError:  # 401: expired or revoked token; a refresh may fix it once
                if refreshed:
                    raise AuthError(
                        "Bling rejected the access token even after refreshing it: reconnect Bling with the "
                        "Connect button on the integration."
                    ) from None
                # The token refresh() returns, not a re-read: the store's snapshot may be older.
                token = self.tokens.refresh(stale_access_token=token)
                refreshed = True
                continue
            except QuotaExhausted:  # the daily quota: waiting seconds will not help
                raise
            except RateLimited:  # the transport has paused the shared limiter; nothing was applied
                if limited >= self.options.rate_limit_retries:
                    raise
                limited += 1
                continue
            if resp.status == 404 and allow_404:
                return None
            if resp.status >= 400:
                raise self._error(resp, path, what)
            return resp

    def _error(self, resp: HttpResponse, path: str, what: str) -> ErpError:
        error = resp.body.get("error") if isinstance(resp.body, dict) else None
        error = error if isinstance(error, dict) else {}
        error_type = str(error.get("type") or "")
        detail, element = _error_detail(error)
        if resp.status == 403:
            # A missing scope: this request fails, the credentials are fine (only 401 says otherwise).
            scope = next((label for prefix, label in SCOPE_LABELS.items() if path.startswith(prefix)), "")
            return SetupError(
                f"Bling refused access to {path.split('?')[0]} (HTTP 403): the Bling app lacks the "
                f'"{scope or "required"}" scope. Add it to the app in Bling, then reconnect Bling.',
                erp_message=detail,
            )
        if resp.status == 404:
            return DataError(f"Bling could not find the {what}.", erp_message=detail)
        if resp.status in (400, 409, 422) and (
            error_type in ("VALIDATION_ERROR", "MISSING_REQUIRED_FIELD_ERROR", "BAD_REQUEST", "")
            or error.get("fields")
        ):
            return DataError(f"Bling rejected the {what}: {detail}", field=element, erp_message=detail)
        return ErpError(
            f"Bling answered HTTP {resp.status} {error_type} to the {what}: {detail}", erp_message=detail
        )

    def _get(self, path: str, *, what: str, params: Any = None) -> Any:
        resp = self._call("GET", path, params=params, what=what, allow_404=True)
        return None if resp is None else _data(resp)

    def _pages(self, path: str, params: dict[str, Any], *, what: str) -> Iterator[dict[str, Any]]:
        for page in range(1, MAX_PAGES + 1):
            rows = _data(
                self._call("GET", path, params={**params, "pagina": page, "limite": PAGE_LIMIT}, what=what)
            )
            rows = rows if isinstance(rows, list) else []
            yield from (row for row in rows if isinstance(row, dict))
            if len(rows) < PAGE_LIMIT:
                return
        _logger.warning("Bling: stopped paging %s after %s pages", path, MAX_PAGES)

    def _search(self, path: str, params: dict[str, Any], *, what: str) -> list[dict[str, Any]]:
        """The records on the first page of a filtered list: a search expected to find a few at most."""
        rows = _data(self._call("GET", path, params={**params, "pagina": 1, "limite": PAGE_LIMIT}, what=what))
        return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []

    def _idempotent_post(self, path: str, done_re: re.Pattern, what: str) -> bool:
        """POST an action Bling refuses to repeat; its "already done" refusal counts as success."""
        try:
            self._call("POST", path, what=what)
        except DataError as exc:
            if done_re.search(_plain(f"{exc.erp_message} {exc.message}")):
                return False
            raise
        return True

    def find(self, doc_type: DocType, marker: str, issue_date: dt.date) -> DocRef | None:
        """The live order carrying ``marker``, if an earlier send created it."""
        found = self._find_by_marker(marker, issue_date)
        return DocRef(doc_type, str(found["id"]), marker) if found else None

    # == pushing ============================================================================
    def _find_by_marker(self, marker: str, day: dt.date) -> dict[str, Any] | None:
        rows = self._search("/pedidos/vendas", {"numerosLojas[]": [marker]}, what="order search")
        if any(r.get("numeroLoja") != marker for r in rows):
            # The filter was ignored (bling.md: unconfirmed without idLoja): scan the order's day instead.
            window = {"dataInicial": day.isoformat(), "dataFinal": day.isoformat()}
            rows = list(self._pages("/pedidos/vendas", window, what="order search"))
        matches = [r for r in rows if r.get("numeroLoja") == marker]
        if len(matches) > 1:
            _logger.warning("Bling: %s orders carry one marker; adopting the oldest", len(matches))
        return min(matches, key=lambda r: _int(r.get("id"))) if matches else None

    def _complete(self, doc_type: DocType, oid: int) -> None:
        """The follow-up steps of a create, each safe to repeat."""
        if doc_type is DocType.SALES_ORDER and self.options.post_stock:
            self._idempotent_post(f"/pedidos/vendas/{oid}/lancar-estoque", _ALREADY_DONE_RE, "stock exit")
        if self.options.post_receivables:
            self._idempotent_post(f"/pedidos/vendas/{oid}/lancar-contas", _ALREADY_DONE_RE, "receivables")

    # == customers: the wire of erp/customers.py =============================================
    # PUT /contatos/{id} takes the whole record (bling.md §3.1): read it, merge ours in, write it.
    full_record_update = True

    def customer_payload(self, customer: Customer) -> dict[str, Any]:
        return _contact_body(customer)

    def find_customer(self, customer: Customer) -> tuple[str, dict[str, Any] | None] | None:
        document = digits(customer.document)
        if not document:
            return None
        # criterio=1 (Todos): the default criterio=3 only looks at the last contacts created
        params = {"numeroDocumento": document, "criterio": 1}
        rows = self._search("/contatos", params, what="customer search")
        matches = [r for r in rows if digits(r.get("numeroDocumento")) == document]
        if not matches:
            return None
        active = [r for r in matches if r.get("situacao") == "A"]
        chosen = min(active or matches, key=lambda r: _int(r.get("id")))
        return str(_int(chosen.get("id"))), None  # list rows are summaries: the update reads it

    def read_customer(self, external_id: str) -> dict[str, Any] | None:
        current = self._get(f"/contatos/{external_id}", what="customer")
        return current if isinstance(current, dict) and current.get("situacao") != "E" else None

    def write_customer(self, external_id: str, body: dict[str, Any]) -> bool:
        body = {k: v for k, v in body.items() if k != "id"}  # the record's id is read-only
        resp = self._call("PUT", f"/contatos/{external_id}", json=body, what="customer", allow_404=True)
        return resp is not None

    def create_customer(self, payload: dict[str, Any]) -> str:
        created = _data(self._call("POST", "/contatos", json=payload, what="customer")) or {}
        contact_id = _int(created.get("id"))
        if not contact_id:
            raise ErpError("Bling created the customer but did not return its id.")
        return str(contact_id)

    def _create_order(self, order: OrderRequest, contact_id: int) -> dict[str, Any]:
        """POST the order; its answer (``id``). A product id remembered from an earlier run that
        Bling refuses (deleted there) is looked up again and the order sent once more: the
        refused create left nothing behind."""
        what = _doc_label(order.doc_type)
        product_ids = self._product_ids(order)
        try:
            body = self._order_body(order, contact_id, product_ids)
            return _data(self._call("POST", "/pedidos/vendas", json=body, what=what)) or {}
        except DataError as exc:
            if not product_ids or not _PRODUCT_REFUSED_RE.search(exc.erp_message or ""):
                raise
        PRODUCT_IDS.forget(self._account)
        body = self._order_body(order, contact_id, self._product_ids(order))
        return _data(self._call("POST", "/pedidos/vendas", json=body, what=what)) or {}

    def _product_ids(self, order: OrderRequest) -> dict[str, int]:
        """Bling's product id by codigo for the order's goods; a code looked up by an earlier run
        of this process costs no call (``PRODUCT_IDS``)."""
        if not self.options.link_products or order.doc_type is not DocType.SALES_ORDER:
            return {}
        codes = sorted({line.product_code for line in order.lines if line.product_code})
        known = PRODUCT_IDS.known(self._account, codes)
        missing = [code for code in codes if code not in known]
        found: dict[str, int] = {}
        for start in range(0, len(missing), 50):
            chunk = missing[start : start + 50]
            for row in self._search("/produtos", {"codigos[]": chunk}, what="product search"):
                if row.get("codigo") in chunk and row.get("situacao", "A") == "A":
                    found.setdefault(row["codigo"], _int(row.get("id")))
        PRODUCT_IDS.remember(self._account, {code: found.get(code, 0) for code in missing})
        return {code: pid for code, pid in {**known, **found}.items() if pid}

    def _order_body(
        self, order: OrderRequest, contact_id: int, product_ids: dict[str, int]
    ) -> dict[str, Any]:
        items, total = [], Decimal("0")
        for line in order.lines:
            description = " ".join(line.description.split()) or line.product_code or "Item"
            price = _cents(line.unit_price)  # Bling's valor holds cents: the remainder goes below
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
            total += _cents(line.quantity * price * (100 - line.discount_percent) / 100)
        day = order.issue_date.isoformat()
        body: dict[str, Any] = {
            "numeroLoja": order.marker,
            "data": day,
            "dataSaida": day,
            "dataPrevista": day,
            "contato": {"id": contact_id},
            "itens": items,
            "observacoes": order.notes,
            "observacoesInternas": f"{_doc_label(order.doc_type).capitalize()} {order.reference} (Odoo)",
        }
        # What the items cannot say to the cent, said by the order (docs/money.md).
        remainder = order.total - total
        if remainder < 0:
            body["desconto"] = {"valor": float(-remainder), "unidade": "REAL"}
        elif remainder > 0:
            body["outrasDespesas"] = float(remainder)
        if order.total <= 0 or -remainder >= total:
            raise DataError(
                f"The {_doc_label(order.doc_type)} of {order.reference} would be worth "
                f"{total + remainder:.2f} in Bling: only documents with a positive total can be sent."
            )
        body["parcelas"] = self._parcelas(order)
        if self.options.store_id:
            body["loja"] = {"id": self.options.store_id}
        if self.options.seller_id:
            body["vendedor"] = {"id": self.options.seller_id}
        if self.options.category_id:
            body["categoria"] = {"id": self.options.category_id}
        return body

    def _parcelas(self, order: OrderRequest) -> list[dict[str, Any]]:
        """The invoice's installments, adding up exactly to the order's total (Bling requires them)."""
        installments = order.installments or (Installment(order.issue_date, order.total),)
        parcels = sum((_cents(i.amount) for i in installments), Decimal("0"))
        if parcels != order.total:
            raise DataError(
                f"The installments of {order.reference} add up to {parcels:.2f}, the "
                f"{_doc_label(order.doc_type)} to {order.total:.2f}: check the invoice's payment terms.",
                field="parcelas",
            )
        parcelas = []
        for inst in installments:
            method = self._payment_method_id(inst.payment_method)
            if not method:
                configured = str(self.options.payment_method_id or "").strip() or "empty"
                raise DataError(
                    "Bling needs an active payment method for the order's installments and none was "
                    f"found (the integration's Default Payment Method is {configured}): set it to the id "
                    "or the name of an active method of Bling's Formas de Pagamento.",
                    field="formaPagamento",
                )
            parcelas.append(
                {
                    "dataVencimento": inst.due_date.isoformat(),
                    "valor": float(_cents(inst.amount)),
                    "formaPagamento": {"id": method},
                }
            )
        return parcelas

    def _payment_method_id(self, method: str, *, fallback: bool = True) -> int:
        """Bling's formaPagamento.id for an installment's method (an id or a name), else the default."""
        method = str(method or "").strip()
        if method.isdigit():
            return int(method)
        if method:
            if self._formas is None:
                self._formas = list(self._pages("/formas-pagamentos", {}, what="payment methods"))
            wanted = _plain(method)
            for forma in self._formas:
                if _plain(str(forma.get("descricao") or "")) == wanted and forma.get("situacao", 1) == 1:
                    return _int(forma.get("id"))
        default = str(self.options.payment_method_id or "").strip()
        if fallback and default:
            return self._payment_method_id(default, fallback=False)
        return self._default_forma() if fallback else 0

    def _default_forma(self) -> int:
        """The account's default payment method (``padrao`` 1, "Pagamento"), or 0."""
        if self._formas is None:
            self._formas = list(self._pages("/formas-pagamentos", {}, what="payment methods"))
        return next(
            (_int(f.get("id")) for f in self._formas if f.get("padrao") == 1 and f.get("situacao", 1) == 1), 0
        )

    # == states =============================================================================
    def _get_order(self, oid: int) -> dict[str, Any] | None:
        """The order, or None when Bling answers 404 (deleted)."""
        resp = self._call("GET", f"/pedidos/vendas/{oid}", what="order", allow_404=True)
        if resp is None:
            return None
        detail = _data(resp)
        if not isinstance(detail, dict) or _int(detail.get("id")) != oid:
            # An answer we cannot read must never pass for a deleted order.
            raise ErpError(f"Bling answered the order {oid} in an unexpected shape.")
        return detail

    def _status(self, ref: DocRef, detail: dict[str, Any] | None, caches: _Caches) -> RemoteStatus:
        if detail is None:
            detail = self._get_order(_ref_id(ref))
            if detail is None:  # deleted in Bling
                return RemoteStatus(ref.doc_type, ref.external_id, DocState.CANCELED, deleted=True)
        kind, note = self._note_of(ref.doc_type, detail, caches)
        return self._remote_status(ref, detail, self._receivables(detail, caches), kind, note)

    def _remote_status(
        self,
        ref: DocRef,
        detail: dict[str, Any],
        receivables: list[int],
        kind: NoteKind,
        note: dict[str, Any] | None,
    ) -> RemoteStatus:
        """The order's state by ``states.bling_order_state``, and its note number once issued."""
        situacao = detail.get("situacao") or {}
        custom_ready = bool(self.options.awaiting_issue_situacoes) and _int(situacao.get("id")) in (
            self._situacao_ids(self.options.awaiting_issue_situacoes)
        )
        state = bling_order_state(
            _valor(detail),
            receivables,
            _int(note.get("situacao")) if note else None,
            kind if note else None,
            ready_valores=self.options.awaiting_issue_valores,
            ready=custom_ready,
        )
        rejected = note is not None and kind == "nfe" and _int(note.get("situacao")) in BLING_NFE_REJECTED
        return RemoteStatus(
            ref.doc_type,
            ref.external_id,
            state,
            external_number=str(detail.get("numero") or ""),
            note_number=str(note.get("numero") or "") if note and state is DocState.ISSUED else "",
            note_rejection=(
                f"NF-e {note.get('numero') or ''} {BLING_NFE_REJECTED[_int(note.get('situacao'))]} "
                "in Bling (open it in Bling for the SEFAZ's reason)"
                if rejected
                else ""
            ),
            note=_fiscal_note(kind, note) if note and state is DocState.ISSUED else None,
        )

    def _note_of(
        self, doc_type: DocType, detail: dict[str, Any], caches: _Caches
    ) -> tuple[NoteKind, dict | None]:
        """The fiscal note linked to an order: NF-e for sales orders, NFS-e for service orders."""
        kind: NoteKind = "nfe" if doc_type is DocType.SALES_ORDER else "nfse"
        note_id = _int((detail.get("notaFiscal") or {}).get("id"))
        if not note_id:
            return kind, None
        key = (kind, note_id)
        if key not in caches.notes:
            caches.notes[key] = self._get(f"/{kind}/{note_id}", what="fiscal note")
        note = caches.notes[key]
        return kind, note if isinstance(note, dict) else None

    def _receivables(self, detail: dict[str, Any], caches: _Caches) -> list[int]:
        """Situações of the contas a receber created from this order (tipoOrigem venda, origem.id)."""
        oid = _int(detail.get("id"))
        contact_id = _int((detail.get("contato") or {}).get("id"))
        if contact_id not in caches.receivables:
            today = dt.datetime.now(self._tz).date()
            params = {
                "idContato": contact_id,
                "tipoFiltroData": "E",
                "dataInicial": (today - MAX_RANGE + dt.timedelta(days=31)).isoformat(),
                "dataFinal": (today + dt.timedelta(days=30)).isoformat(),
            }
            caches.receivables[contact_id] = list(self._pages("/contas/receber", params, what="receivables"))
        return [
            _int(row.get("situacao")) for row in caches.receivables[contact_id] if _origin_order(row) == oid
        ]

    def _changed_candidates(
        self, by_id: dict[str, DocRef], start: dt.datetime, now: dt.datetime, caches: _Caches
    ) -> set[str]:
        """Ids of the given documents touched since ``start``: changed, paid, or with a note emitted."""
        candidates: set[str] = set()
        local_start, local_end = self._local(start), self._local(now + dt.timedelta(hours=1))
        for row in self._pages(
            "/pedidos/vendas",
            {"dataAlteracaoInicial": local_start, "dataAlteracaoFinal": local_end},
            what="changed orders",
        ):
            if str(row.get("id")) in by_id:
                candidates.add(str(row["id"]))
        paid = {
            "tipoFiltroData": "R",
            "situacoes[]": [2],
            "dataInicial": local_start[:10],
            "dataFinal": local_end[:10],
        }
        for row in self._pages("/contas/receber", paid, what="received receivables"):
            if str(_origin_order(row)) in by_id:
                candidates.add(str(_origin_order(row)))
        notes_window = {"dataEmissaoInicial": local_start, "dataEmissaoFinal": local_end}
        sales = {
            ref.marker: ref for ref in by_id.values() if ref.doc_type is DocType.SALES_ORDER and ref.marker
        }
        if sales:
            for row in self._pages("/nfe", notes_window, what="fiscal notes"):
                note = self._get(f"/nfe/{_int(row.get('id'))}", what="fiscal note")
                if not isinstance(note, dict):
                    continue
                caches.notes[("nfe", _int(note.get("id")))] = note
                ref = sales.get(str(note.get("numeroPedidoLoja") or ""))
                if ref is not None:
                    candidates.add(ref.external_id)
        # NFS-e carry no order link: they are read through the order they are linked to (notaFiscal)
        return candidates

    # == fiscal notes =======================================================================
    def _issue_nfe(self, oid: int, detail: dict[str, Any]) -> dict[str, Any]:
        note = None
        note_id = _int((detail.get("notaFiscal") or {}).get("id"))
        if note_id:
            note = self._get(f"/nfe/{note_id}", what="NF-e")
        if not isinstance(note, dict) or _int(note.get("situacao")) == NFE_CANCELED:
            note = None
            marker = str(detail.get("numeroLoja") or "")
            if marker:  # an earlier gerar-nfe may have been applied without us hearing back
                rows = self._search("/nfe", {"numeroLoja": marker}, what="NF-e search")
                live = [r for r in rows if _int(r.get("situacao")) != NFE_CANCELED]
                if live:
                    note = self._get(
                        f"/nfe/{_int(min(live, key=lambda r: _int(r.get('id')))['id'])}", what="NF-e"
                    )
        if not isinstance(note, dict):
            resp = self._call("POST", f"/pedidos/vendas/{oid}/gerar-nfe", what="NF-e generation")
            note_id = _created_note_id(resp.body if resp else None)
            if not note_id:
                raise ErpError("Bling generated the NF-e but did not return its id.")
            note = self._get(f"/nfe/{note_id}", what="NF-e") or {"id": note_id, "situacao": 1}
        if _int(note.get("situacao")) not in BLING_NFE_ISSUED + (NFE_CANCELED,):
            note_id = _int(note.get("id"))
            try:
                self._call(
                    "POST",
                    f"/nfe/{note_id}/enviar",
                    params={"enviarEmail": "true" if self.options.send_email_on_issue else "false"},
                    what="NF-e transmission",
                )
            except DataError as exc:
                if not _ALREADY_SENT_RE.search(_plain(f"{exc.erp_message} {exc.message}")):
                    raise
            note = self._get(f"/nfe/{note_id}", what="NF-e") or note
        return note

    def _issue_nfse(self, detail: dict[str, Any]) -> dict[str, Any]:
        _, note = self._note_of(DocType.SERVICE_ORDER, detail, _Caches())
        if note is not None and _int(note.get("situacao")) == NFSE_CANCELED:
            note = None
        if note is None:
            note = self._find_tagged_nfse(detail)
        if note is None:
            note = self._create_nfse(detail)
        if _int(note.get("situacao")) == NFSE_PENDING:
            note_id = _int(note.get("id"))
            try:
                sent = _data(self._call("POST", f"/nfse/{note_id}/enviar", what="NFS-e transmission"))
            except DataError as exc:
                if not _ALREADY_SENT_RE.search(_plain(f"{exc.erp_message} {exc.message}")):
                    raise
                sent = None
            note = (
                sent
                if isinstance(sent, dict) and "situacao" in sent
                else (self._get(f"/nfse/{note_id}", what="NFS-e") or note)
            )
        return note

    def _find_tagged_nfse(self, detail: dict[str, Any]) -> dict[str, Any] | None:
        """The NFS-e an earlier attempt created but never heard back about.

        NFS-e carry no link to an order, so before creating one the client writes its RPS number
        into the order's ``observacoesInternas`` (``[NFS-e RPS n/serie]``); the note is found again
        by that number, never by customer and amount (a customer often buys the same service twice).
        """
        tags = set(_RPS_TAG_RE.findall(str(detail.get("observacoesInternas") or "")))
        if not tags:
            return None
        try:
            day = dt.date.fromisoformat(str(detail.get("data") or "")[:10])
        except ValueError:
            day = dt.datetime.now(self._tz).date()
        day = max(day - dt.timedelta(days=1), dt.datetime.now(self._tz).date() - MAX_RANGE)
        window = {
            "dataEmissaoInicial": f"{day.isoformat()} 00:00:00",
            "dataEmissaoFinal": self._local(dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)),
        }
        for row in self._pages("/nfse", window, what="service notes"):
            if (str(row.get("numeroRPS")), str(row.get("serie"))) in tags and _int(
                row.get("situacao")
            ) != NFSE_CANCELED:
                self._link_note(detail, _int(row.get("id")))
                return row
        return None

    def _create_nfse(self, detail: dict[str, Any]) -> dict[str, Any]:
        code = self.options.service_code.strip()
        if not code:
            raise DataError(
                "The municipal service code for NFS-e is not set: fill it in the Bling integration options.",
                field="service_code",
            )
        contact_id = _int((detail.get("contato") or {}).get("id"))
        contact = self._get(f"/contatos/{contact_id}", what="customer") or {}
        address = ((contact.get("endereco") or {}).get("geral")) or {}
        services = []
        for item in detail.get("itens") or []:
            amount = _cents(
                _dec(item.get("quantidade"))
                * _dec(item.get("valor"))
                * (100 - _dec(item.get("desconto")))
                / 100
            )
            if amount > 0:
                description = str(item.get("descricao") or "Serviço")
                services.append({"codigo": code, "descricao": description, "valor": float(amount)})
        body: dict[str, Any] = {
            "data": dt.datetime.now(self._tz).date().isoformat(),
            "contato": {
                "id": contact_id,
                "nome": contact.get("nome") or (detail.get("contato") or {}).get("nome") or "",
                "numeroDocumento": contact.get("numeroDocumento") or "",
                "email": contact.get("email") or "",
                "ie": contact.get("ie") or "",
                "telefone": contact.get("telefone") or "",
                "endereco": {
                    k: address.get(k) or ""
                    for k in ("endereco", "numero", "complemento", "bairro", "cep", "municipio", "uf")
                },
            },
            "servicos": services,
        }
        created: dict[str, Any] = {}
        for attempt in range(3):
            if self.options.send_rps:  # required by the OpenAPI; the next number comes from the settings
                body["numeroRPS"], body["serie"] = self._next_rps(attempt)
                self._tag_rps(detail, body["numeroRPS"], body["serie"])
            try:
                created = _data(self._call("POST", "/nfse", json=body, what="service note (NFS-e)")) or {}
            except DataError as exc:
                if self.options.send_rps and exc.field == "numeroRPS" and attempt < 2:
                    continue  # another worker took that RPS number meanwhile
                raise
            break
        note_id = _int(created.get("id"))
        if not note_id:
            raise ErpError("Bling created the NFS-e but did not return its id.")
        self._link_note(detail, note_id)
        return {**created, "id": note_id, "situacao": NFSE_PENDING}

    def _next_rps(self, skip: int = 0) -> tuple[str, str]:
        settings = _data(self._call("GET", "/nfse/configuracoes", what="NFS-e settings")) or {}
        rps = (settings.get("controle") or {}).get("numeracaoRPS") or {}
        return str((_int(rps.get("numero")) or 1) + skip), str(rps.get("serie") or "1")

    def _tag_rps(self, detail: dict[str, Any], rps: str, serie: str) -> None:
        """Write ahead, on the order, the RPS number about to be used (see ``_find_tagged_nfse``)."""
        notes = f"{detail.get('observacoesInternas') or ''} [NFS-e RPS {rps}/{serie}]".strip()
        # Mandatory: without it, a retry after a lost answer could not find the note and would
        # create a second NFS-e (defect A4). A refusal stops the issue here, before POST /nfse.
        self._put_order(detail, {"observacoesInternas": notes}, what="RPS note", required=True)

    def _link_note(self, detail: dict[str, Any], note_id: int) -> None:
        """Record the NFS-e on the order (``notaFiscal``) so read-back finds it."""
        if self.options.link_nfse_on_order and _int((detail.get("notaFiscal") or {}).get("id")) != note_id:
            self._put_order(detail, {"notaFiscal": {"id": note_id}}, what="NFS-e link")

    def _put_order(
        self, detail: dict[str, Any], changes: dict[str, Any], *, what: str, required: bool = False
    ) -> None:
        """PUT the full order read before with ``changes`` (``detail`` is updated); a refusal is
        logged and passed over unless ``required``."""
        oid = _int(detail.get("id"))
        try:
            self._call(
                "PUT", f"/pedidos/vendas/{oid}", json={**_writable_order(detail), **changes}, what="order"
            )
        except DataError as exc:
            if required:
                raise DataError(
                    f"Bling refused to record the {what} on the order before issuing its note: "
                    f"{exc.erp_message or exc.message}",
                    field=exc.field,
                    erp_message=exc.erp_message,
                ) from exc
            _logger.warning("Bling: could not write the %s on pedido %s: %s", what, oid, exc.message)
            return
        detail.update(changes)

    # == situações ==========================================================================
    def _sales_situacoes(self) -> list[dict[str, Any]]:
        if self._situacoes is None:
            modules = _data(self._call("GET", "/situacoes/modulos", what="situação modules")) or []
            vendas = next(
                (m for m in modules if isinstance(m, dict) and _plain(str(m.get("nome"))) == "vendas"), None
            ) or next(
                (
                    m
                    for m in modules
                    if isinstance(m, dict) and "pedidos de venda" in _plain(str(m.get("descricao")))
                ),
                None,
            )
            if vendas is None:
                raise ErpError('Bling shows no "Vendas" situação module.')
            rows = (
                _data(self._call("GET", f"/situacoes/modulos/{_int(vendas.get('id'))}", what="situações"))
                or []
            )
            self._situacoes = [r for r in rows if isinstance(r, dict)]
        return self._situacoes

    def _situacao_id(self, name: str) -> int:
        ids = self._situacao_ids((name,))
        if not ids:
            raise DataError(
                f'Bling has no sales order situação named "{name}": create it in Bling or choose another '
                "one in the integration options.",
                field="situacao",
            )
        return min(ids)

    def _situacao_ids(self, names: tuple[str, ...]) -> set[int]:
        wanted = {_plain(n) for n in names}
        return {
            _int(s.get("id")) for s in self._sales_situacoes() if _plain(str(s.get("nome") or "")) in wanted
        }

    def _local(self, moment: dt.datetime) -> str:
        return moment.astimezone(self._tz).strftime("%Y-%m-%d %H:%M:%S")


class _Caches:
    """What one read-back run has already fetched."""

    def __init__(self):
        self.notes: dict[tuple[str, int], Any] = {}
        self.receivables: dict[int, list[dict[str, Any]]] = {}


# == pure helpers ===============================================================================


def _note_issued(kind: NoteKind, note: dict[str, Any]) -> bool:
    return _int(note.get("situacao")) in (BLING_NFE_ISSUED if kind == "nfe" else BLING_NFSE_ISSUED)


def _check_order(order: OrderRequest) -> None:
    if not order.marker:
        raise ErpError("An order without marker cannot be sent: it could be duplicated.")
    if not order.lines:
        raise DataError(f"The {_doc_label(order.doc_type)} {order.reference} has no lines to send.")
    check_amounts(order)


# What GET /pedidos/vendas/{id} answers that the OpenAPI marks read-only for a PUT.
_ORDER_READ_ONLY = ("id", "total", "totalProdutos", "situacao", "notaFiscal")


def _writable_order(detail: dict[str, Any]) -> dict[str, Any]:
    """The order read before, without what Bling computes or owns (the PUT body)."""
    body = {k: v for k, v in detail.items() if k not in _ORDER_READ_ONLY}
    body["contato"] = {"id": _int((detail.get("contato") or {}).get("id"))}
    body["itens"] = [{k: v for k, v in i.items() if k != "id"} for i in detail.get("itens") or []]
    return body


def _contact_body(customer: Customer) -> dict[str, Any]:
    document = digits(customer.document)
    company = customer.is_company or len(document) == 14
    ie = customer.state_registration.strip()
    body: dict[str, Any] = {
        "nome": customer.name.strip(),
        "tipo": "J" if company else "F",
        "situacao": "A",
        "numeroDocumento": document,
        "indicadorIe": 9,  # não contribuinte: the usual choice for people and companies without IE
    }
    if ie and _plain(ie) in ("isento", "isenta"):
        body["indicadorIe"] = 2
    elif ie:
        body["indicadorIe"], body["ie"] = 1, ie
    if customer.email:
        body["email"] = customer.email.strip()
    if customer.phone:
        phone, mobile = customer_phone(customer.phone)
        body["telefone"] = phone
        if mobile:
            body["celular"] = phone
    address = customer.address
    body["endereco"] = {
        "geral": {
            "endereco": address.street,
            "numero": address.number,
            "complemento": address.complement,
            "bairro": address.district,
            "cep": customer_value(
                format_cep_bling, address.zip_code, field="cep", label="CEP", provider="Bling"
            ),
            "municipio": address.city,
            "uf": address.state_code.upper(),
        }
    }
    return body


def _error_detail(error: dict[str, Any]) -> tuple[str, str]:
    """Bling's messages (``fields[].msg`` and ``collection[].msg``) and the first field named."""
    parts: list[str] = []
    element = ""
    for item in error.get("fields") or []:
        if not isinstance(item, dict):
            continue
        name = str(item.get("element") or "")
        element = element or name
        nested = [c for c in item.get("collection") or [] if isinstance(c, dict)]
        if nested:
            for sub in nested:
                sub_name = str(sub.get("element") or "")
                index = sub.get("index")
                label = f"{name}[{index}].{sub_name}" if name and index is not None else (sub_name or name)
                parts.append(f"{label}: {sub.get('msg')}" if label else str(sub.get("msg")))
        elif item.get("msg"):
            parts.append(f"{name}: {item['msg']}" if name else str(item["msg"]))
    if not parts:
        parts = [str(error.get("description") or error.get("message") or "no details")]
    return "; ".join(parts), element


def _created_note_id(body: Any) -> int:
    """``gerar-nfe`` answers ``{"idNotaFiscal": N}`` (OpenAPI) or may wrap it in ``data``."""
    if not isinstance(body, dict):
        return 0
    inner = body.get("data") if isinstance(body.get("data"), dict) else body
    return _int(inner.get("idNotaFiscal") or inner.get("id"))


def _fiscal_note(kind: NoteKind, note: dict[str, Any]) -> FiscalNote:
    """What Bling tells of an issued note (GET /nfe/{id}, GET /nfse/{id})."""
    try:
        issued_on = dt.date.fromisoformat(str(note.get("dataEmissao") or "")[:10])
    except ValueError:
        issued_on = None
    return FiscalNote(
        number=str(note.get("numero") or ""),
        series=str(note.get("serie") or ""),
        access_key=str(note.get("chaveAcesso" if kind == "nfe" else "codigoVerificacao") or ""),
        issued_on=issued_on,
        pdf_url=str(note.get("linkDanfe" if kind == "nfe" else "link") or note.get("linkPDF") or ""),
        xml_url=str(note.get("xml") or "") if kind == "nfe" else "",
    )


def _origin_order(row: dict[str, Any]) -> int:
    origin = row.get("origem") or {}
    return _int(origin.get("id")) if "vend" in _plain(str(origin.get("tipoOrigem") or "")) else 0


def _data(resp: HttpResponse | None) -> Any:
    if resp is None:
        return None
    body = resp.body
    return body.get("data") if isinstance(body, dict) and "data" in body else body


def _valor(detail: dict[str, Any]) -> int:
    return _int((detail.get("situacao") or {}).get("valor"))


def _doc_label(doc_type: DocType) -> str:
    return "service order" if doc_type is DocType.SERVICE_ORDER else "sales order"


def _ref_id(ref: DocRef) -> int:
    oid = _int(ref.external_id)
    if oid <= 0:
        raise ErpError(f"{ref.external_id!r} is not a Bling order id.")
    return oid


def _plain(text: str) -> str:
    """Lower case without accents, for matching Bling's Portuguese texts."""
    return (
        "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        .lower()
        .strip()
    )


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        return Decimal("0")


def _cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)
