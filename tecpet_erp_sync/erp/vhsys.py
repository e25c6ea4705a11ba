"""VHSYS API v2 client: the ``ErpProvider`` for VHSYS (wire facts in ``erp-apis/vhsys.md``).

- Every answer's body ``code``/``status`` is checked, whatever the HTTP status: VHSYS answers an
  empty search with HTTP 403, an outage with HTTP 200 and ``code`` 404, validation errors with 403.
- Writes are never repeated blindly. Every document carries the caller's marker (OS:
  ``referencia_ordem`` and ``obs_interno_pedido``; PV: ``obs_interno_pedido``), and
  ``push(..., maybe_exists=True)`` searches for it first, then adopts, resumes or rolls back what an
  earlier attempt left.
- Lists are paged (``limit`` ≤ 250, ``offset``) and deduplicated by primary key: VHSYS can repeat a
  row on one page.
- Read-back is incremental: documents, receivables and NF-e changed since the cursor
  (``data_modificacao``, Brasília time), so its cost follows the number of changed documents.

Credentials live only in the HTTP session headers; they never reach messages or logs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .common import BRT, check_amounts, customer_phone, customer_value, parse_cursor, read_each
from .contract import (
    CENT,
    ChangeSet,
    ConnectionInfo,
    Customer,
    CustomerBinding,
    DocRef,
    DocState,
    DocType,
    FiscalNote,
    Line,
    LineKind,
    OrderRequest,
    PushResult,
    RemoteStatus,
)
from .customers import push_checking_stale_customer, upsert_customer
from .errors import (
    AuthError,
    DataError,
    ErpError,
    NotSupported,
    RateLimited,
    SetupError,
    TransientError,
    UnknownOutcome,
)
from .formatting import digits, format_cep_vhsys, format_document, money, quantity
from .http import DEFAULT_TIMEOUT, HttpTransport
from .ratelimit import Limiter
from .states import VHSYS_CANCELED, VHSYS_DONE, vhsys_state

_logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.vhsys.com/v2"
CLOCK_SKEW = dt.timedelta(minutes=15)
UNIT_STEP = Decimal("0.0001")  # VHSYS quantities and unit prices: 4 decimals
TOLERANCE = Decimal("0.01")  # rounding allowed when comparing what an earlier attempt left (resume)
OS_PATH = "/ordens-servico"
PV_PATH = "/pedidos"

_EMPTY_RE = re.compile(r"^\s*nenhum[a]?\b.*encontrad", re.IGNORECASE | re.DOTALL)
_NOT_FOUND_RE = re.compile(r"n[ãa]o\s+(foi\s+)?encontrad|nenhum[a]?\b.*encontrad", re.IGNORECASE | re.DOTALL)
# What VHSYS says when the integration's own credentials are refused ("Acesso negado! Verifique o
# access-token e o secret-access-token..."). Deliberately narrow: a 403 also carries validation
# errors and fiscal rejections ("Prestador não autorizado a emitir NFS-e", "token da prefeitura
# inválido"), which fail that document, not the whole integration.
_AUTH_RE = re.compile(
    r"acesso negado|secret-access-token|access-token|chave de acesso|credencia[il]s?\s+inv|"
    r"unauthori[sz]ed|token\s+(de\s+acesso\s+)?(inv[áa]lid|expirad|revogad)|"
    r"aplicativo.*(inativo|desativado|n[ãa]o contratado)",
    re.IGNORECASE,
)
_OUTAGE_RE = re.compile(r"comunicar|indispon|tente novamente|timeout|tempo esgotado|manuten", re.IGNORECASE)
_ALREADY_ISSUED_RE = re.compile(r"j[áa]\s+(foi\s+)?emitid", re.IGNORECASE)
_FIELD_RE = re.compile(
    r"\(\s*([A-Za-z][A-Za-z0-9_]*)\s*\)|\bcampo\s+([a-z][a-z0-9]*_[a-z0-9_]+)", re.IGNORECASE
)
_NFSE_TAG_RE = re.compile(r"\[NFS-e (\w+)\]")
_NFSE_DRAFT_RE = re.compile(r"\[NFS-e rascunho (\d+)\]")
_NFSE_CREATING_RE = re.compile(r"\[NFS-e criando ([\d: -]+)\]")  # written ahead of a draft create

# How a VHSYS field is called in messages shown to users.
FIELD_LABELS = {
    "razao_cliente": "customer name",
    "cnpj_cliente": "CPF/CNPJ",
    "tipo_pessoa": "person type",
    "endereco_cliente": "street",
    "numero_cliente": "street number (VHSYS takes at most 7 characters)",
    "bairro_cliente": "neighbourhood (VHSYS takes at most 45 characters)",
    "complemento_cliente": "address complement (VHSYS takes at most 45 characters)",
    "cep_cliente": "CEP",
    "cidade_cliente": "city",
    "uf_cliente": "state (UF)",
    "fone_cliente": "phone",
    "celular_cliente": "mobile phone",
    "email_cliente": "e-mail",
    "insc_estadual_cliente": "state registration (IE)",
    "id_cliente": "customer",
    "nome_cliente": "customer name",
    "desc_produto": "product description",
    "cod_produto": "product internal reference",
    "valor_produto": "product price",
    "id_produto": "product",
    "qtde_produto": "quantity",
    "valor_unit_produto": "unit price",
    "desc_servico": "service description",
    "horas_servico": "service quantity",
    "valor_unit_servico": "service unit price",
    "data_parcela": "installment due date",
    "valor_parcela": "installment amount",
    "forma_pagamento": "payment method",
    "desc_servicos": "service description of the NFS-e",
    "valor_total_servicos": "services total",
}


class _NotFound(DataError):
    """VHSYS does not know the record (``... não encontrado``)."""


class _Broken(Exception):
    """An earlier attempt left a document that cannot be completed: roll it back and create anew."""


@dataclass(frozen=True)
class VhsysOptions:
    """Everything about VHSYS that the notes mark as uncertain or account-specific."""

    status_open: str = "Em Aberto"
    status_done: str = VHSYS_DONE  # the base status VHSYS uses for "work done"
    status_canceled: str = VHSYS_CANCELED
    ambiente: int = 1  # NFS-e environment: 1 production, 2 homologation
    payment_method: str = "Outros"  # forma_pagamento when the installment does not name one
    consistency_wait: float = 0.65  # seconds to wait after creating a header before posting its parts
    page_size: int = 250  # VHSYS maximum
    marker_search_pages: int = 4  # most recent pages searched for a marker after an unknown outcome
    refresh_margin: float = 600.0  # seconds re-read before the cursor (clock skew, late commits)
    modified_format: str = "%Y-%m-%d %H:%M:%S"  # data_modificacao filter; "%Y-%m-%d" if only dates work
    os_search_order: str = "id_pedido"  # "order=id_pedido&sort=desc worked" on OS lists (notes §3.3)
    pv_search_order: str = "id_ped"
    services_in_catalog: bool = True  # services are products with tipo_produto "Servico"; False: id_servico 0
    service_product_type: str = "Servico"
    goods_product_type: str = "Produto"
    generated_code_prefix: str = "ODOO-"  # cod_produto for lines without an internal reference
    nfse_fields: dict[str, Any] = field(default_factory=dict)  # extra NFS-e fields (natureza_pedido, ...)
    read_retries: int = 2


@dataclass
class _Item:
    product_id: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal(0)  # desconto_produto, in reais (goods only)

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, ROUND_HALF_UP) - self.discount


@dataclass
class _Plan:
    """What one document must look like in VHSYS, resolved to VHSYS ids."""

    doc_type: DocType
    marker: str
    reference: str
    customer_id: int
    customer_name: str
    header: dict[str, Any]
    services: list[_Item]
    goods: list[_Item]
    installments: list[dict[str, Any]]

    @property
    def is_os(self) -> bool:
        return self.doc_type is DocType.SERVICE_ORDER

    @property
    def path(self) -> str:
        return OS_PATH if self.is_os else PV_PATH

    @property
    def installments_total(self) -> Decimal:
        return sum((_dec(i["valor_parcela"]) for i in self.installments), Decimal(0))

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


def _doc_label(plan: _Plan) -> str:
    return "service order" if plan.is_os else "sales order"


def _priced(line: Line, extra: Decimal) -> tuple[Decimal, Decimal, Decimal]:
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


def _check_total(
    order: OrderRequest, items: list[_Item], header: dict[str, Any], installments: list[dict[str, Any]]
) -> None:
    """Refuse to send a document VHSYS would total differently from the invoice."""
    total = (
        sum((i.total for i in items), Decimal(0))
        + _dec(header.get("valor_total_despesas"))
        - _dec(header.get("valor_total_desconto"))
        - _dec(header.get("desconto_pedido"))
    )
    if total != order.total or total <= 0 or any(i.discount < 0 for i in items):
        raise DataError(
            f"The document of {order.reference} would be worth {total:.2f} in VHSYS, not "
            f"{order.total:.2f}: its lines cannot be sent exactly. Check the invoice's lines."
        )
    parcels = sum((_dec(i["valor_parcela"]) for i in installments), Decimal(0))
    if parcels != total:
        raise DataError(
            f"The installments of {order.reference} add up to {parcels:.2f}, the document to "
            f"{total:.2f}: check the invoice's payment terms."
        )


# -- value helpers -------------------------------------------------------------------------------
def _dec(value: Any) -> Decimal:
    """A VHSYS amount ("10.50", "10,50", 10.5); 0 when unreadable or not finite ("NaN")."""
    try:
        number = Decimal(str(value).strip().replace(",", ".") or "0")
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return number if number.is_finite() else Decimal(0)


def _int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() not in ("", "0", "0.00", "none", "null", "false", "nao", "não", "n")


def _text(data: Any) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, list):
        return "; ".join(_text(d) for d in data if d not in (None, ""))
    if isinstance(data, dict):
        for key in ("mensagem", "message", "erro", "error", "erros", "data"):
            if key in data:
                return _text(data[key])
        return json.dumps(data, ensure_ascii=False)
    return "" if data is None else str(data)


def _rows(data: Any) -> list[dict]:
    """List ``data`` as a flat list of records (one documented example nests them oddly)."""
    if isinstance(data, dict):
        return [data]
    rows: list[dict] = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict):
            continue
        nested = [
            v for v in item.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)
        ]
        if len(item) == 1 and nested:
            rows.extend(nested[0])
        else:
            rows.append(item)
    return rows


def _first(data: Any) -> dict:
    rows = _rows(data)
    if not rows:
        raise ErpError("VHSYS answered a create without the created record.", erp_message=_text(data)[:300])
    return rows[0]


def _parse_stamp(value: Any) -> dt.datetime | None:
    """A VHSYS timestamp ("YYYY-MM-DD HH:MM:SS", Brasília time) or None."""
    text = str(value or "").strip()
    if not text or text.startswith("0000"):
        return None
    try:
        stamp = dt.datetime.fromisoformat(text.replace(" ", "T")[:19])
    except ValueError:
        return None
    return stamp.replace(tzinfo=BRT) if stamp.tzinfo is None else stamp


def _stock_since(day: Any) -> dt.date:
    """The first day a document's stock moves can carry: the day it was created or dated (never
    later than today: an invoice dated ahead still moves stock today), a day early for the clock."""
    today = dt.datetime.now(BRT).date()
    try:
        first = min(dt.date.fromisoformat(str(day)[:10]), today)
    except ValueError:
        return dt.date.min
    return first - dt.timedelta(days=1)


def _moved(moves: list[dict], kind: str, identificacao: str) -> Decimal:
    """Quantity the stock moves of one kind ("Saida", "Entrada") tagged ``identificacao`` add up to."""
    return sum(
        (
            _dec(m.get("qtde_estoque"))
            for m in moves
            if m.get("identificacao") == identificacao and m.get("tipo_estoque") == kind
        ),
        Decimal(0),
    )


def _nfe_details(note: dict) -> FiscalNote:
    """What a VHSYS NF-e row tells (no PDF link: VHSYS gives none through the API)."""
    stamp = _parse_stamp(note.get("nota_data_autorizacao"))
    return FiscalNote(
        number=str(note.get("id_pedido") or ""),
        series=str(note.get("serie_nota") or note.get("nota_serie") or ""),
        access_key=str(note.get("nota_chave") or ""),
        issued_on=stamp.date() if stamp else None,
    )


def _nfse_total(head: dict) -> Decimal:
    """What the customer owes for an OS's services: its total (header discount or expenses
    included, docs/money.md) less any parts; the NFS-e draft is worth that."""
    return (_dec(head.get("valor_total_os")) - _dec(head.get("valor_total_pecas"))) or _dec(
        head.get("valor_total_servicos")
    )


def _last(pattern: re.Pattern, text: str) -> str:
    """The last value a tag took in the OS notes (a note cancelled and issued again adds tags)."""
    found = pattern.findall(text)
    return found[-1] if found else ""


def _has_marker(text: Any, marker: str) -> bool:
    return bool(marker) and re.search(rf"(?<![\w:]){re.escape(marker)}(?![\w:])", str(text or "")) is not None


class VhsysClient:
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
            read_retries=self.options.read_retries,
        )
        self._secrets = tuple(s for s in (access_token, secret_token) if s)
        self.modified_format = self.options.modified_format  # may fall back to date-only (see _Refresh)
        self._products: dict[str, int] = {}  # cod_produto -> id_produto

    def __repr__(self) -> str:
        return f"VhsysClient({self.http.base_url!r})"

    @property
    def calls(self) -> int:
        return self.http.calls

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------------------------------
    # wire
    # ------------------------------------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        """ERP text as shown to users: without our secrets (should VHSYS echo them), and short."""
        for secret in self._secrets:
            if len(secret) >= 8:  # real tokens are long; a short test value would mangle the text
                text = text.replace(secret, "***")
        return text[:500]

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        body: Any = None,
        what: str = "request",
        empty_ok: bool = False,
        missing_ok: bool = False,
    ) -> dict | None:
        """One VHSYS call; returns the envelope, or None for an empty list (``empty_ok``) or an
        unknown record (``missing_ok``). Raises the typed errors of ``errors.py``."""
        is_write = method.upper() != "GET"
        resp = self.http.request(method, path, params=params, json=body)
        envelope = resp.body
        if not isinstance(envelope, dict):
            if resp.status == 401:
                raise AuthError(
                    "VHSYS refused access (HTTP 401). Check the integration's access token and "
                    'secret token and that the "Integração via API" app is active.'
                )
            if resp.status == 403:  # no JSON, so no VHSYS message: a proxy or firewall said no
                raise SetupError(
                    "VHSYS refused the request (HTTP 403) without saying why. Check the API URL of the "
                    'integration and that the "Integração via API" app is active, then Reprocess.'
                )
            raise self._transient(is_write, f"VHSYS answered HTTP {resp.status} without a JSON body")
        code = _int(envelope.get("code")) or resp.status
        state = str(envelope.get("status") or "").strip().lower()
        data = envelope.get("data")
        if code in (200, 201) and state in ("success", "sucesso", ""):
            return envelope
        raw_text = _text(data) or f"code {code}"
        text = self._scrub(raw_text)  # regular expressions look at raw_text, people see text
        if code == 404:
            if _NOT_FOUND_RE.search(raw_text):
                if missing_ok or empty_ok:
                    return None
                raise _NotFound(f"VHSYS does not know the {what} any more ({text}).", erp_message=text)
            if _OUTAGE_RE.search(raw_text):
                raise self._transient(is_write, f"VHSYS is unavailable ({text})")
            raise ErpError(
                f"VHSYS does not know the endpoint {path.split('?')[0]} ({text}). "
                "Check the API URL of the integration.",
                erp_message=text,
            )
        if code == 401 or (code == 403 and _AUTH_RE.search(raw_text) and not _EMPTY_RE.search(raw_text)):
            raise AuthError(
                "VHSYS refused the credentials. Check the integration's access token and secret "
                'token and that the "Integração via API" app is active in VHSYS.',
                erp_message=text,
            )
        if code == 429:
            raise RateLimited("VHSYS's request limit was reached; retrying later.", erp_message=text)
        if code >= 500:
            raise self._transient(is_write, f"VHSYS failed ({text})")
        message = isinstance(data, str)  # a list of messages is a validation error
        if message and _EMPTY_RE.search(raw_text) and (empty_ok or missing_ok):
            return None
        if message and _NOT_FOUND_RE.search(raw_text):
            if missing_ok:
                return None
            raise _NotFound(f"VHSYS does not know the {what} any more ({text}).", erp_message=text)
        if code in (200, 201):  # success code with an odd status
            return envelope
        fname = self._field_of(data)
        label = FIELD_LABELS.get(fname, fname)
        where = f" ({label})" if label else ""
        raise DataError(f"VHSYS rejected the {what}{where}: {text}", field=fname, erp_message=text)

    @staticmethod
    def _transient(is_write: bool, detail: str) -> TransientError:
        if is_write:
            return UnknownOutcome(
                f"{detail} while a change was being sent; it may or may not have been applied."
            )
        return TransientError(f"{detail}; retrying later.")

    @staticmethod
    def _field_of(data: Any) -> str:
        for message in data if isinstance(data, list) else [data]:
            match = _FIELD_RE.search(_text(message))
            if match:
                return match.group(1) or match.group(2)
        return ""

    def _get(self, path: str, params: dict | None = None, *, what: str = "record") -> dict | None:
        envelope = self._call("GET", path, params=params, what=what, missing_ok=True)
        if envelope is None:
            return None
        data = envelope.get("data")
        rows = _rows(data)
        if rows:
            return rows[0]
        if data in (None, "", [], {}):
            return None
        # Not "not found": an answer we cannot read must never pass for a deleted record.
        raise ErpError(f"VHSYS answered the {what} in an unexpected shape.", erp_message=_text(data)[:300])

    def _list(
        self,
        path: str,
        params: dict | None = None,
        *,
        pk: tuple[str, ...] = (),
        max_pages: int = 0,
        what: str = "list",
        stop: Callable[[dict], bool] | None = None,
    ) -> list[dict]:
        """All rows of a list endpoint, paged and deduplicated by primary key; with ``stop``, no
        page after the first one holding a row it is true for (the rows are ordered)."""
        size = max(1, min(self.options.page_size, 250))
        seen: dict[Any, dict] = {}
        offset = pages = 0
        while True:
            query = {**(params or {}), "limit": size, "offset": offset}
            envelope = self._call("GET", path, params=query, what=what, empty_ok=True)
            if envelope is None:
                break
            rows = _rows(envelope.get("data"))
            known = len(seen)
            for row in rows:
                key = next((row[k] for k in pk if row.get(k) not in (None, "")), None)
                if key is None:
                    key = json.dumps(row, sort_keys=True, default=str)
                seen.setdefault(str(key), row)
            if rows and len(seen) == known and offset:
                break  # a page with nothing new: the server ignores offset; stop rather than loop
            pages += 1
            offset += size
            paging = envelope.get("paging") if isinstance(envelope.get("paging"), dict) else {}
            total = _int(paging.get("total_count"))  # "total" may be the page's count: not trusted
            if not rows or (total and offset >= total) or (not total and len(rows) < size):
                break
            if max_pages and pages >= max_pages:
                break
            if stop is not None and any(stop(row) for row in rows):
                break
        return list(seen.values())

    def _wait(self) -> None:
        if self.options.consistency_wait > 0:
            time.sleep(self.options.consistency_wait)

    # ------------------------------------------------------------------------------------------
    # ErpProvider
    # ------------------------------------------------------------------------------------------
    def test_connection(self) -> ConnectionInfo:
        envelope = self._call(
            "GET", "/clientes", params={"limit": 1, "offset": 0}, empty_ok=True, what="customer list"
        )
        rows = _rows(envelope.get("data")) if envelope else []
        company = rows[0].get("id_empresa") if rows else None
        name = f"VHSYS (empresa {company})" if company else "VHSYS"
        detail = "Credentials accepted."
        return ConnectionInfo(account_name=name, detail=detail)

    def push(self, order: OrderRequest, *, maybe_exists: bool = False) -> PushResult:
        return push_checking_stale_customer(lambda o: self._push(o, maybe_exists), order, "id_cliente")

    def _push(self, order: OrderRequest, maybe_exists: bool) -> PushResult:
        self._check_order(order)
        customer = upsert_customer(self, order.customer, order.customer_binding)
        plan = self._plan(order, customer)
        adopted = self._adopt(plan) if maybe_exists else None
        return replace(adopted or self._create(plan), customer=customer)

    def cancel(self, ref: DocRef) -> RemoteStatus:
        is_os = ref.doc_type is DocType.SERVICE_ORDER
        path = f"{OS_PATH if is_os else PV_PATH}/{ref.external_id}"
        head = self._get(path, what="document")
        if head is None:
            return RemoteStatus(ref.doc_type, ref.external_id, DocState.CANCELED)
        number = str(head.get("id_pedido") or "")
        in_trash = head.get("lixeira") == "Sim"
        if is_os:
            issued, note = self._os_note(head)
            if issued and not in_trash:
                raise DataError(
                    f"The NFS-e{' ' + note if note and note != '1' else ''} of service order {number} was "
                    "already issued in VHSYS. Cancel the note in VHSYS first, then cancel the invoice again.",
                    field="nota_servico_emitida",
                )
        else:
            notes = [n for n in self._nfe_of(ref.external_id) if self._nfe_issued(n)]
            if notes and not in_trash:
                raise DataError(
                    f"The NF-e {notes[0].get('id_pedido') or ''} of sales order {number} was already issued "
                    "in VHSYS. Cancel the NF-e in VHSYS first, then cancel the invoice again.",
                    field="nota_emitida",
                )
        if not in_trash and head.get("status_pedido") != self.options.status_canceled:
            # The status entry first (history, documented for pedidos), then the header itself.
            self._call(
                "POST",
                f"{path}/status",
                what="cancellation",
                body={
                    "data_status": dt.datetime.now(BRT).date().isoformat(),
                    "tipo_status": self.options.status_canceled,
                    "obs_status": "Cancelado pela integração Odoo (fatura cancelada)",
                },
            )
            self._call("PUT", path, body={"status_pedido": self.options.status_canceled}, what="cancellation")
        if not is_os:
            since = _stock_since(head.get("data_cad_pedido") or head.get("data_pedido"))
            self._reverse_stock(ref.external_id, self._pv_product_ids(ref.external_id), since)
        return RemoteStatus(ref.doc_type, ref.external_id, DocState.CANCELED, external_number=number)

    def fetch_changes(self, refs: list[DocRef], since: str | None) -> ChangeSet:
        return _Refresh(self, refs, since).run()

    def issue_note(self, ref: DocRef) -> RemoteStatus:
        if ref.doc_type is not DocType.SERVICE_ORDER:
            raise NotSupported(
                "VHSYS's API cannot issue the NF-e of a sales order: issue it in VHSYS "
                "(Pedidos → Gerar NF-e); its state is read back automatically."
            )
        path = f"{OS_PATH}/{ref.external_id}"
        head = self._get(path, what="service order")
        if head is None:
            raise DataError(f"Service order {ref.external_id} no longer exists in VHSYS.")
        number = str(head.get("id_pedido") or "")
        if head.get("lixeira") == "Sim" or head.get("status_pedido") == self.options.status_canceled:
            raise DataError(f"Service order {number} is cancelled in VHSYS: no NFS-e can be issued for it.")
        issued, note = self._os_note(head)
        if issued:
            return RemoteStatus(ref.doc_type, ref.external_id, DocState.ISSUED, number, note)
        obs = str(head.get("obs_interno_pedido") or "")
        draft_id = _last(_NFSE_DRAFT_RE, obs)
        if draft_id:
            existing = self._get(f"/notas-servico/{draft_id}", what="NFS-e")
            note = self._nfse_number(existing) if existing else ""
            if existing is None or not self._nfse_live(existing):
                draft_id = note = ""
        if not draft_id:
            # A draft create whose answer was lost left its write-ahead tag: find that draft
            # instead of creating a second one (a duplicate municipal note, defect A4).
            creating = _last(_NFSE_CREATING_RE, obs)
            draft_id = self._orphan_draft(head, creating) if creating else ""
        if not draft_id:
            obs = self._tag_os(path, obs, f"[NFS-e criando {dt.datetime.now(BRT):%Y-%m-%d %H:%M:%S}]")
            draft_id = self._create_nfse_draft(ref.external_id, head)
        if f"[NFS-e rascunho {draft_id}]" not in obs:
            obs = self._tag_os(path, obs, f"[NFS-e rascunho {draft_id}]")
        if not note:
            try:
                envelope = self._call("POST", f"/notas-servico/{draft_id}/emitir", what="NFS-e")
                note = self._nfse_number((envelope or {}).get("data"))
            except DataError as exc:
                if not _ALREADY_ISSUED_RE.search(exc.erp_message):
                    raise DataError(
                        f"VHSYS rejected the NFS-e of service order {number}: {exc.erp_message}",
                        field=exc.field,
                        erp_message=exc.erp_message,
                    ) from exc
                note = self._nfse_number(self._get(f"/notas-servico/{draft_id}", what="NFS-e"))
        note = note or "?"
        try:
            self._tag_os(path, obs, f"[NFS-e {note}]")
        except ErpError as exc:  # the note is issued; only our bookkeeping on the OS failed
            _logger.warning(
                "VHSYS OS %s: NFS-e %s issued but the OS could not be tagged: %s",
                ref.external_id,
                note,
                exc.message,
            )
        return RemoteStatus(ref.doc_type, ref.external_id, DocState.ISSUED, number, note)

    # ------------------------------------------------------------------------------------------
    # push: plan, create, adopt
    # ------------------------------------------------------------------------------------------
    @staticmethod
    def _check_order(order: OrderRequest) -> None:
        if not order.marker:
            raise ErpError("Internal error: the document has no marker.")
        if not order.lines:
            raise DataError("The document has no lines to send to VHSYS.")
        check_amounts(order)
        for line in order.lines:
            if line.quantity <= 0 or line.unit_price < 0:
                raise DataError(
                    f'Line "{line.description[:60]}" has a non-positive quantity or a negative '
                    "price: VHSYS does not take it."
                )

    def _plan(self, order: OrderRequest, customer: CustomerBinding) -> _Plan:
        customer_id, customer_name = int(customer.external_id), order.customer.name.strip()
        is_os = order.doc_type is DocType.SERVICE_ORDER
        services: list[_Item] = []
        goods: list[_Item] = []
        # A PV has no field for "other expenses": what the invoice adds beyond its lines (a
        # cash-rounding line rounding up) goes into the last line's price (docs/money.md).
        raise_last = order.adjustment if order.adjustment > 0 and not is_os else Decimal(0)
        for n, line in enumerate(order.lines, 1):
            as_service = is_os and line.kind is LineKind.SERVICE
            if as_service and not self.options.services_in_catalog:
                product_id = 0
            else:
                product_id = self._ensure_product(line, service=line.kind is LineKind.SERVICE)
            qty, unit, over = _priced(line, raise_last if n == len(order.lines) else Decimal(0))
            description = line.description.strip()[:255] or "?"
            if as_service:  # service items have no discount field: the OS header takes ``over``
                services.append(_Item(product_id, description, qty, unit))
            else:
                goods.append(_Item(product_id, description, qty, unit, over))
        total = order.total
        remainder = total - sum((i.total for i in services + goods), Decimal(0))
        installments = [
            {
                "data_parcela": inst.due_date.isoformat(),
                "valor_parcela": money(inst.amount),
                "forma_pagamento": inst.payment_method or self.options.payment_method,
                "observacoes_parcela": f"{order.reference} {n}/{len(order.installments)}"[:255],
            }
            for n, inst in enumerate(order.installments, 1)
        ] or [
            {
                "data_parcela": order.issue_date.isoformat(),
                "valor_parcela": money(total),
                "forma_pagamento": self.options.payment_method,
                "observacoes_parcela": order.reference[:255],
            }
        ]
        obs = f"Fatura {order.reference}" + (f"\n{order.notes}" if order.notes else "")
        header: dict[str, Any] = {
            "id_cliente": customer_id,
            "nome_cliente": customer_name,
            "data_pedido": order.issue_date.isoformat(),
            "status_pedido": self.options.status_open,
            "obs_pedido": obs,
            "obs_interno_pedido": order.marker,
        }
        if is_os:
            header["referencia_ordem"] = order.marker
            header["data_entrega"] = order.issue_date.isoformat()
        if remainder:  # what the unit prices cannot say, said by the header (docs/money.md)
            if is_os:
                header["valor_total_desconto" if remainder < 0 else "valor_total_despesas"] = money(
                    abs(remainder)
                )
            else:
                header["desconto_pedido"] = money(-remainder)
        _check_total(order, services + goods, header, installments)
        return _Plan(
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

    def _create(self, plan: _Plan) -> PushResult:
        if plan.is_os:
            head = _first(self._call("POST", OS_PATH, body=plan.header, what="service order")["data"])
            doc_id = str(head.get("id_ordem") or "")
        else:
            head = _first(self._call("POST", PV_PATH, body=plan.header, what="sales order")["data"])
            doc_id = str(head.get("id_ped") or "")
        if not doc_id:
            raise UnknownOutcome(
                "VHSYS created the document without returning its id; it will be searched for."
            )
        self._wait()
        posted: list[int] = []
        try:
            self._complete(plan, doc_id, resume=False, posted_stock=posted)
        except _NotFound as exc:
            # Seen right after a create (VHSYS is eventually consistent): not the user's data.
            raise TransientError(
                f"VHSYS did not find the new document {doc_id} yet; retrying later."
            ) from exc
        except DataError:
            # A definitive rejection of a part: roll the header back so no half-built order stays.
            self._rollback(plan, doc_id, posted)
            raise
        return PushResult(doc_id, self._number(plan, doc_id, head), DocState.OPEN)

    def _number(self, plan: _Plan, doc_id: str, head: dict) -> str:
        number = str(head.get("id_pedido") or "").strip()
        for _attempt in range(3):  # POST /pedidos may answer an empty number, and reads may lag
            if number not in ("", "0"):
                return number
            fresh = self._get(f"{plan.path}/{doc_id}", what="document") or {}
            number = str(fresh.get("id_pedido") or "").strip()
            if number in ("", "0"):
                self._wait()
        return "" if number == "0" else number

    def _complete(self, plan: _Plan, doc_id: str, *, resume: bool, posted_stock: list[int]) -> None:
        """Posts the parts of a document; with ``resume``, first reads which parts already exist."""
        base = f"{plan.path}/{doc_id}"
        parts = (
            [("servicos", plan.services), ("produtos", plan.goods)]
            if plan.is_os
            else [("produtos", plan.goods)]
        )
        for sub, items in parts:
            if not items:
                continue
            if resume:
                existing = self._list(
                    f"{base}/{sub}",
                    pk=(
                        "id_ordem_servico",
                        "id_ordem_produto",
                        "id_os_servico",
                        "id_os_produto",
                        "id_ped_produto",
                    ),
                    what="items",
                )
                verdict = self._compare_items(existing, items, services=sub == "servicos")
                if verdict == "done":
                    continue
                if verdict == "broken":
                    raise _Broken(f"{sub} differ from the invoice")
            payload = [self._item_payload(item, services=sub == "servicos") for item in items]
            self._call(
                "POST", f"{base}/{sub}", body=payload, what="service lines" if sub == "servicos" else "lines"
            )
        if resume:
            existing = self._list(f"{base}/parcelas", pk=("id_parcela",), what="installments")
            total = sum((_dec(p.get("valor_parcela")) for p in existing), Decimal(0))
            matches = (
                len(existing) == len(plan.installments) and abs(total - plan.installments_total) <= TOLERANCE
            )
            if existing and not matches and plan.is_os:
                raise _Broken("installments differ from the invoice")  # OS /parcelas replacing is unverified
            post_installments = not matches
        else:
            post_installments = True
        if post_installments:
            self._call("POST", f"{base}/parcelas", body=plan.installments, what="installments")
        for product_id, (wanted, value) in plan.stock_exits().items():
            qty = wanted
            if resume:
                since = _stock_since(plan.header.get("data_pedido"))
                done = _moved(self._stock_moves(product_id, since), "Saida", f"Ped_{doc_id}")
                if done >= wanted:
                    continue
                qty = wanted - done
            self._call(
                "POST",
                f"/produtos/{product_id}/estoque",
                what="stock exit",
                body={
                    "tipo_estoque": "Saida",
                    "qtde_estoque": quantity(qty),
                    "valor_estoque": money(value),
                    "obs_estoque": f"Pedido de venda {plan.reference} (Odoo)"[:255],
                    "identificacao": f"Ped_{doc_id}",
                },
            )
            posted_stock.append(product_id)

    @staticmethod
    def _item_payload(item: _Item, *, services: bool) -> dict[str, Any]:
        unit = (
            money(item.unit_price)
            if item.unit_price == item.unit_price.quantize(CENT)
            else quantity(item.unit_price)
        )
        if services:
            return {
                "id_servico": item.product_id,
                "desc_servico": item.description,
                "horas_servico": quantity(item.quantity),
                "valor_unit_servico": unit,
            }
        payload = {
            "id_produto": item.product_id,
            "desc_produto": item.description,
            "qtde_produto": quantity(item.quantity),
            "valor_unit_produto": unit,
        }
        if item.discount:
            payload["desconto_produto"] = money(item.discount)
        return payload

    @staticmethod
    def _compare_items(existing: list[dict], expected: list[_Item], *, services: bool) -> str:
        if not existing:
            return "missing"
        qty_f, unit_f, total_f = (
            ("horas_servico", "valor_unit_servico", "valor_total_servico")
            if services
            else ("qtde_produto", "valor_unit_produto", "valor_total_produto")
        )
        total = Decimal(0)
        for row in existing:
            if row.get(total_f) not in (None, ""):
                total += _dec(row[total_f])
            else:
                total += (_dec(row.get(qty_f)) * _dec(row.get(unit_f))).quantize(CENT, ROUND_HALF_UP)
        want = sum((i.total for i in expected), Decimal(0))
        if len(existing) == len(expected) and abs(total - want) <= TOLERANCE * len(expected):
            return "done"
        return "broken"

    def _stock_moves(self, product_id: int, since: dt.date) -> list[dict]:
        """The product's stock moves since ``since``: newest first (``id_estoque`` descending, a
        stable order; the default one is not, notes §2), no page after one reaching older moves."""
        return self._list(
            f"/produtos/{product_id}/estoque",
            {"order": "id_estoque", "sort": "Desc"},
            pk=("id_estoque",),
            what="stock history",
            stop=lambda row: str(row.get("data_estoque") or "9999")[:10] < since.isoformat(),
        )

    def find(self, doc_type: DocType, marker: str, issue_date: dt.date) -> DocRef | None:
        """The live document carrying ``marker``, if an earlier send created it."""
        found = self._find_by_marker(doc_type, marker)
        pk = "id_ordem" if doc_type is DocType.SERVICE_ORDER else "id_ped"
        return DocRef(doc_type, str(found[0].get(pk)), marker) if found else None

    def _find_by_marker(self, doc_type: DocType, marker: str) -> list[dict]:
        is_os = doc_type is DocType.SERVICE_ORDER
        pk = "id_ordem" if is_os else "id_ped"
        order = self.options.os_search_order if is_os else self.options.pv_search_order
        rows = self._list(
            OS_PATH if is_os else PV_PATH,
            {"order": order, "sort": "Desc", "lixeira": "Nao"},
            pk=(pk,),
            max_pages=self.options.marker_search_pages,
            what="document search",
        )
        fields = ("referencia_ordem", "obs_interno_pedido") if is_os else ("obs_interno_pedido",)
        found = [
            r
            for r in rows
            if any(_has_marker(r.get(f), marker) for f in fields)
            and r.get("lixeira", "Nao") != "Sim"
            and r.get("status_pedido") != self.options.status_canceled
        ]
        return sorted(found, key=lambda r: _int(r.get(pk)))

    def _adopt(self, plan: _Plan) -> PushResult | None:
        candidates = self._find_by_marker(plan.doc_type, plan.marker)
        if not candidates:
            return None
        pk = "id_ordem" if plan.is_os else "id_ped"
        chosen, extras = candidates[0], candidates[1:]
        for extra in extras:  # should never happen; keep the oldest, trash untouched duplicates
            if self._in_use(extra):
                _logger.warning(
                    "VHSYS: duplicate %s %s for one marker left in place (already in use)",
                    plan.path,
                    extra.get(pk),
                )
                continue
            self._rollback(plan, str(extra.get(pk)), None)
        doc_id = str(chosen.get(pk))
        try:
            self._complete(plan, doc_id, resume=True, posted_stock=[])
        except _Broken as exc:
            if self._in_use(chosen):  # its receivables launched or its status moved: theirs now
                number = chosen.get("id_pedido") or doc_id
                raise DataError(
                    f"The {_doc_label(plan)} {number} that an earlier attempt left in VHSYS differs from "
                    f"the invoice ({exc}) and VHSYS users have already worked on it (receivables or "
                    "status), so Odoo does not delete it: correct or delete it in VHSYS, then Reprocess "
                    "the invoice."
                ) from exc
            _logger.info(
                "VHSYS %s %s cannot be completed (%s): moving it to the trash", plan.path, doc_id, exc
            )
            self._rollback(plan, doc_id, None)
            return None
        return PushResult(
            doc_id, self._number(plan, doc_id, chosen), self._adopted_state(plan, doc_id), adopted=True
        )

    def _in_use(self, row: dict) -> bool:
        """VHSYS users have worked on the document: its receivables are launched or its status moved."""
        return _truthy(row.get("contas_pedido")) or row.get("status_pedido") != self.options.status_open

    def _adopted_state(self, plan: _Plan, doc_id: str) -> DocState:
        """What the ERP says of an adopted document. Its ERP users may have paid or issued it while
        Odoo did not know it existed; the refresh cursor has moved past those changes since, so
        reporting it as open would keep it open for good (as Bling's adoption, read it back)."""
        ref = DocRef(plan.doc_type, doc_id, plan.marker)
        status = _Refresh(self, [ref], None)._status(plan.doc_type, doc_id)
        return status.state if status is not None else DocState.OPEN

    def _rollback(self, plan: _Plan, doc_id: str, posted_stock: list[int] | None) -> None:
        """Move a half-built document to the trash and reverse its stock exit, if any."""
        try:
            if not plan.is_os:
                products = (
                    posted_stock
                    if posted_stock is not None
                    else (list(plan.stock_exits()) + self._pv_product_ids(doc_id))
                )
                if products:
                    self._reverse_stock(doc_id, products, _stock_since(plan.header.get("data_pedido")))
            self._call("DELETE", f"{plan.path}/{doc_id}", what="rollback")
        except ErpError as exc:
            # The next attempt (maybe_exists=True) finds the document by marker and repairs it.
            _logger.warning("VHSYS: rollback of %s %s failed: %s", plan.path, doc_id, exc.message)

    def _pv_product_ids(self, doc_id: str) -> list[int]:
        rows = self._list(f"{PV_PATH}/{doc_id}/produtos", pk=("id_ped_produto",), what="items")
        return [_int(r.get("id_produto")) for r in rows if _int(r.get("id_produto"))]

    def _reverse_stock(self, doc_id: str, product_ids: list[int], since: dt.date) -> None:
        """Post an Entrada for what ``Ped_<id>`` took out and was not yet returned (idempotent)."""
        for product_id in dict.fromkeys(product_ids):
            moves = self._stock_moves(product_id, since)
            out = _moved(moves, "Saida", f"Ped_{doc_id}")
            back = _moved(moves, "Entrada", f"Ped_{doc_id}-estorno")
            if out > back:
                self._call(
                    "POST",
                    f"/produtos/{product_id}/estoque",
                    what="stock reversal",
                    body={
                        "tipo_estoque": "Entrada",
                        "qtde_estoque": quantity(out - back),
                        "obs_estoque": f"Estorno do pedido {doc_id} (cancelado no Odoo)",
                        "identificacao": f"Ped_{doc_id}-estorno",
                    },
                )

    # ------------------------------------------------------------------------------------------
    # customers and products
    # ------------------------------------------------------------------------------------------
    # The wire of erp/customers.py. PUT /clientes/{id} takes partial bodies (vhsys.md §3.1).
    full_record_update = False

    def customer_payload(self, customer: Customer) -> dict[str, Any]:
        document = digits(customer.document)
        if not document:
            raise DataError("The customer has no CPF/CNPJ.", field="cnpj_cliente")
        addr = customer.address
        payload: dict[str, Any] = {
            "tipo_pessoa": "PJ" if customer.is_company else "PF",
            "razao_cliente": customer.name.strip(),
            "cnpj_cliente": self._masked_document(document),
            # The address goes whole, empty parts too: an update then clears a removed complement.
            "endereco_cliente": addr.street.strip(),
            "numero_cliente": addr.number.strip(),
            "bairro_cliente": addr.district.strip(),
            "complemento_cliente": addr.complement.strip(),
            "cep_cliente": customer_value(
                format_cep_vhsys, addr.zip_code, field="cep_cliente", label="CEP", provider="VHSYS"
            ),
            "cidade_cliente": addr.city.strip(),
            "uf_cliente": addr.state_code.strip().upper(),
            "situacao_cliente": "Ativo",
        }
        optional = {
            "email_cliente": customer.email.strip(),
            "insc_estadual_cliente": customer.state_registration.strip(),
        }
        payload.update({k: v for k, v in optional.items() if v})
        if customer.phone:
            phone, mobile = customer_phone(customer.phone)
            payload["celular_cliente" if mobile else "fone_cliente"] = phone[:20]
        return payload

    @staticmethod
    def _masked_document(document: str) -> str:
        return customer_value(
            format_document, document, field="cnpj_cliente", label="CPF/CNPJ", provider="VHSYS"
        )

    def find_customer(self, customer: Customer) -> tuple[str, dict[str, Any] | None] | None:
        document = digits(customer.document)
        masked = self._masked_document(document)
        found = self._search_customer({"cnpj_cliente": masked}, document)
        if found == [] and masked != document:  # typed without the mask by someone in VHSYS?
            found = self._search_customer({"cnpj_cliente": document}, document)
        if found is None:  # the document filter seems ignored: fall back to the name
            found = self._search_customer({"razao_cliente": customer.name.strip()[:100]}, document)
        if not found:
            return None
        row = min(found, key=lambda r: _int(r.get("id_cliente")))  # list rows are whole records
        return str(_int(row["id_cliente"])), row

    def _search_customer(self, params: dict, document: str) -> list[dict] | None:
        """Live customers with this document; [] when the search was empty, None when it returned
        rows that do not match (the filter looks ignored)."""
        rows = self._list(
            "/clientes", {**params, "lixeira": "Nao"}, pk=("id_cliente",), max_pages=1, what="customer search"
        )
        hits = [
            r for r in rows if digits(r.get("cnpj_cliente")) == document and r.get("lixeira", "Nao") != "Sim"
        ]
        if hits or not rows:
            return hits
        return None

    def read_customer(self, external_id: str) -> dict[str, Any] | None:
        row = self._get(f"/clientes/{external_id}", what="customer")
        return None if row is None or row.get("lixeira") == "Sim" else row

    def write_customer(self, external_id: str, body: dict[str, Any]) -> bool:
        envelope = self._call("PUT", f"/clientes/{external_id}", body=body, what="customer", missing_ok=True)
        if envelope is None:  # "Cliente não encontrado"
            return False
        rows = _rows(envelope.get("data"))
        return not (rows and rows[0].get("lixeira") == "Sim")  # updated, but in the trash: as gone

    def create_customer(self, payload: dict[str, Any]) -> str:
        body = {"tipo_cadastro": "Cliente", **{k: v for k, v in payload.items() if v not in ("", None)}}
        created = _first(self._call("POST", "/clientes", body=body, what="customer")["data"])
        customer_id = _int(created.get("id_cliente"))
        if not customer_id:
            raise UnknownOutcome("VHSYS created the customer without returning its id.")
        return str(customer_id)

    def _product_code(self, line: Line) -> str:
        if line.product_code.strip():
            return line.product_code.strip()
        name = " ".join(line.description.split()).lower()
        return self.options.generated_code_prefix + hashlib.sha1(name.encode()).hexdigest()[:10].upper()

    def _ensure_product(self, line: Line, *, service: bool) -> int:
        code = self._product_code(line)
        cached = self._products.get(code)
        if cached:
            return cached
        rows = self._list(
            "/produtos",
            {"cod_produto": code, "lixeira": "Nao"},
            pk=("id_produto",),
            max_pages=1,
            what="product search",
        )
        hits = [
            r for r in rows if str(r.get("cod_produto") or "").strip() == code and r.get("lixeira") != "Sim"
        ]
        if hits:
            product_id = _int(min(hits, key=lambda r: _int(r.get("id_produto")))["id_produto"])
        else:
            body = {
                "desc_produto": (line.description.strip().splitlines() or ["?"])[0][:120].rstrip(),
                "cod_produto": code,
                "valor_produto": money(line.unit_price),
                "unidade_produto": (line.unit or "UN")[:6],
                "tipo_produto": self.options.service_product_type
                if service
                else self.options.goods_product_type,
                "status_produto": "Ativo",
            }
            product_id = _int(
                _first(self._call("POST", "/produtos", body=body, what="product")["data"]).get("id_produto")
            )
            if not product_id:
                raise UnknownOutcome("VHSYS created the product without returning its id.")
        self._products[code] = product_id
        return product_id

    # ------------------------------------------------------------------------------------------
    # fiscal notes
    # ------------------------------------------------------------------------------------------
    def _os_note(self, head: dict) -> tuple[bool, str]:
        """Whether the OS's NFS-e is issued (and not cancelled since), and its number."""
        obs = str(head.get("obs_interno_pedido") or "")
        tag = _last(_NFSE_TAG_RE, obs)
        draft = _last(_NFSE_DRAFT_RE, obs)
        if draft:  # a note this addon created: its own record says whether it still stands
            note = self._get(f"/notas-servico/{draft}", what="NFS-e")
            if note is not None and self._nfse_live(note) and _truthy(note.get("nota_emitida")):
                return True, self._nfse_number(note) or tag
            if note is None or not self._nfse_live(note):
                return False, ""
        elif tag:
            return True, tag
        value = head.get("nota_servico_emitida")
        if _truthy(value):
            text = str(value).strip()
            return True, text if text.isdigit() and text != "1" else ""
        return False, ""

    def _ui_nfse_number(self, head: dict) -> str:
        """The number of the NFS-e a VHSYS user issued for this OS in VHSYS's own screens.

        The API links no NFS-e to its OS: the one live, issued note of the OS's customer for the
        OS's amount, created since the OS, is it. None or several: the number stays unknown
        ('') rather than guessed; the document is Issued all the same.
        """
        start = _parse_stamp(head.get("data_cad_pedido"))
        total = _nfse_total(head)
        rows = self._list(
            "/notas-servico",
            {"id_cliente": _int(head.get("id_cliente"))},
            pk=("id_servico",),
            what="NFS-e list",
        )
        numbers = {
            self._nfse_number(row)
            for row in rows
            if self._nfse_live(row)
            and _truthy(row.get("nota_emitida"))
            and abs(_dec(row.get("valor_total_servicos")) - total) <= TOLERANCE
            and (start is None or (_parse_stamp(row.get("data_cad_pedido")) or start) >= start - CLOCK_SKEW)
        } - {""}
        return numbers.pop() if len(numbers) == 1 else ""

    def _nfe_of(self, doc_id: str) -> list[dict]:
        rows = self._list("/notas-fiscais", {"id_pedido_ref": doc_id}, pk=("id_venda",), what="NF-e list")
        return [r for r in rows if str(r.get("id_pedido_ref")) == str(doc_id)]

    @staticmethod
    def _nfe_issued(note: dict) -> bool:
        return (
            _truthy(note.get("nota_emitida"))
            and not _truthy(note.get("nota_denegada"))
            and _parse_stamp(note.get("nota_data_cancelamento")) is None
            and note.get("status_pedido") != "Cancelado"
            and note.get("lixeira", "Nao") != "Sim"
        )

    def _nfse_live(self, note: dict) -> bool:
        """An NFS-e record neither trashed nor cancelled (read as the NF-e's fields are)."""
        return (
            note.get("lixeira", "Nao") != "Sim"
            and str(note.get("status_pedido") or "").strip().casefold()
            != self.options.status_canceled.casefold()
            and _parse_stamp(note.get("nota_data_cancelamento")) is None
        )

    @staticmethod
    def _nfse_number(data: Any) -> str:
        rows = _rows(data)
        row = rows[0] if rows else {}
        for key in ("NumeroNFS", "numero_nfs", "numero_nota", "NumeroNota"):
            if str(row.get(key) or "").strip():
                return str(row[key]).strip()
        return ""

    def _orphan_draft(self, head: dict, since: str) -> str:
        """The draft an earlier attempt created for this OS without hearing back: the customer's
        newest live, unissued draft created since the write-ahead tag, for the OS's amount."""
        total = _nfse_total(head)
        start = _parse_stamp(since)
        start = start - CLOCK_SKEW if start else None  # VHSYS's clock and ours may disagree a little
        rows = self._list(
            "/notas-servico",
            {"id_cliente": _int(head.get("id_cliente"))},
            pk=("id_servico",),
            what="NFS-e list",
        )
        found = [
            row
            for row in rows
            if self._nfse_live(row)
            and not _truthy(row.get("nota_emitida"))
            and abs(_dec(row.get("valor_total_servicos")) - total) <= TOLERANCE
            and (start is None or (_parse_stamp(row.get("data_cad_pedido")) or start) >= start)
        ]
        return str(max((_int(row.get("id_servico")) for row in found), default="") or "")

    def _create_nfse_draft(self, doc_id: str, head: dict) -> str:
        base = f"{OS_PATH}/{doc_id}"
        services = self._list(f"{base}/servicos", pk=("id_ordem_servico", "id_os_servico"), what="items")
        description = "; ".join(str(s.get("desc_servico") or "").strip() for s in services) or "Serviços"
        total = _nfse_total(head)
        body: dict[str, Any] = {
            "ambiente": self.options.ambiente,
            "id_cliente": _int(head.get("id_cliente")),
            "nome_cliente": head.get("nome_cliente") or "",
            "desc_servicos": description[:255],
            "valor_total_servicos": money(total),
            "valor_base_calculo": money(total),
            "valor_total_nota": money(total),
            **self.options.nfse_fields,
        }
        draft = _first(self._call("POST", "/notas-servico", body=body, what="NFS-e")["data"])
        draft_id = str(draft.get("id_servico") or "")
        if not draft_id:
            raise UnknownOutcome("VHSYS created the NFS-e draft without returning its id.")
        return draft_id

    def _tag_os(self, path: str, obs: str, tag: str) -> str:
        """Records our NFS-e progress in the OS's internal notes (VHSYS links no NFS-e to an OS)."""
        text = (obs.rstrip() + "\n" + tag).strip()
        self._call("PUT", path, body={"obs_interno_pedido": text}, what="service order")
        return text


class _Refresh:
    """One incremental read-back (``VhsysClient.fetch_changes``)."""

    def __init__(self, client: VhsysClient, refs: list[DocRef], since: str | None):
        self.client = client
        self.opts = client.options
        self.os_refs = {
            r.external_id: r for r in refs if r.doc_type is DocType.SERVICE_ORDER and r.external_id
        }
        self.pv_refs = {r.external_id: r for r in refs if r.doc_type is DocType.SALES_ORDER and r.external_id}
        self.lower = self._lower_bound(since)
        self.heads: dict[tuple[DocType, str], dict] = {}
        self.changed: set[tuple[DocType, str]] = set()
        self.nfe: dict[str, list[dict]] = {}  # id_ped -> NF-e rows
        self.nfe_complete: set[str] = set()  # id_ped whose NF-e list is known complete
        self.customer_receivables: dict[int, list[dict]] = {}
        self.receivables_changed: set[tuple[DocType, str]] = set()

    def _lower_bound(self, since: str | None) -> dt.datetime | None:
        cursor = parse_cursor(since, naive_tz=BRT, provider="VHSYS")
        if cursor is None:
            return None
        return cursor.astimezone(BRT) - dt.timedelta(seconds=self.opts.refresh_margin)

    def _changed_rows(self, path: str, pk: str, what: str, **params: Any) -> list[dict]:
        """Rows of a list changed since the lower bound (all rows without one)."""
        if self.lower is None:
            return self.client._list(path, params, pk=(pk,), what=what)
        try:
            return self.client._list(
                path,
                {**params, "data_modificacao": self.lower.strftime(self.client.modified_format)},
                pk=(pk,),
                what=what,
            )
        except DataError as exc:
            if (
                "data_modificacao" not in exc.field + exc.erp_message
                or self.client.modified_format == "%Y-%m-%d"
            ):
                raise
            # This account only takes a date: keep to it (rows are re-checked client-side anyway).
            self.client.modified_format = "%Y-%m-%d"
            return self._changed_rows(path, pk, what, **params)

    def _recent(self, row: dict, field: str) -> bool:
        """Client-side re-check of the date filter (the API may only honour the date part)."""
        if self.lower is None:
            return True
        stamp = _parse_stamp(row.get(field))
        return stamp is None or stamp >= self.lower

    def run(self) -> ChangeSet:
        started = dt.datetime.now(BRT).replace(microsecond=0)
        calls = self.client.calls
        if self.lower is None:
            # No cursor: read the given documents one by one, never the whole account's lists
            # (a first read of a large account would not end within a cron run).
            self.changed = {(DocType.SERVICE_ORDER, i) for i in self.os_refs} | {
                (DocType.SALES_ORDER, i) for i in self.pv_refs
            }
        else:
            if self.os_refs:
                self._scan_documents(DocType.SERVICE_ORDER, OS_PATH, "id_ordem", self.os_refs)
            if self.pv_refs:
                self._scan_documents(DocType.SALES_ORDER, PV_PATH, "id_ped", self.pv_refs)
                self._scan_nfe()
            if self.os_refs or self.pv_refs:
                self._scan_receivables()
        refs = {**{(r.doc_type, i): r for i, r in self.os_refs.items()}}
        refs.update({(r.doc_type, i): r for i, r in self.pv_refs.items()})
        statuses, unreadable = read_each(
            (refs[key] for key in sorted(self.changed)),
            lambda ref: self._status(ref.doc_type, ref.external_id),
        )
        return ChangeSet(
            statuses=statuses,
            cursor=started.isoformat(),
            calls=self.client.calls - calls,
            unreadable=unreadable,
        )

    def _scan_documents(self, doc_type: DocType, path: str, pk: str, refs: dict[str, DocRef]) -> None:
        for trash in ("Nao", "Sim"):
            rows = self._changed_rows(path, pk, "document list", lixeira=trash)
            for row in rows:
                doc_id = str(row.get(pk) or "")
                if doc_id in refs and self._recent(row, "data_mod_pedido"):
                    self.heads[(doc_type, doc_id)] = row
                    self.changed.add((doc_type, doc_id))

    def _scan_nfe(self) -> None:
        rows = self._changed_rows("/notas-fiscais", "id_venda", "NF-e list")
        for row in rows:
            ped = str(row.get("id_pedido_ref") or "")
            if ped in self.pv_refs:
                self.nfe.setdefault(ped, []).append(row)
                if self._recent(row, "data_mod_pedido"):
                    self.changed.add((DocType.SALES_ORDER, ped))

    def _doc_of_receivable(self, row: dict) -> tuple[DocType, str] | None:
        ident = str(row.get("identificacao") or "")
        kind, _, ident_id = ident.partition("_")
        if kind == "OS" and ident_id in self.os_refs:
            return DocType.SERVICE_ORDER, ident_id
        if kind == "Ped" and ident_id in self.pv_refs:
            return DocType.SALES_ORDER, ident_id
        if kind == "NFe":
            for ped, notes in self.nfe.items():
                if any(str(n.get("id_venda")) == ident_id for n in notes):
                    return DocType.SALES_ORDER, ped
        return None

    def _scan_receivables(self) -> None:
        if self.lower is None:
            return  # everything is read: receivables are read per customer of each document
        rows = self._changed_rows("/contas-receber", "id_conta_rec", "receivables")
        for row in rows:
            key = self._doc_of_receivable(row)
            if key and self._recent(row, "data_mod_rec"):
                self.changed.add(key)
                self.receivables_changed.add(key)

    def _head(self, doc_type: DocType, doc_id: str) -> dict | None:
        head = self.heads.get((doc_type, doc_id))
        if head is None:
            path = OS_PATH if doc_type is DocType.SERVICE_ORDER else PV_PATH
            head = self.client._get(f"{path}/{doc_id}", what="document")
            if head is not None:
                self.heads[(doc_type, doc_id)] = head
        return head

    def _receivables(self, customer_id: int) -> list[dict]:
        if customer_id not in self.customer_receivables:
            self.customer_receivables[customer_id] = self.client._list(
                "/contas-receber",
                {"id_cliente": customer_id, "lixeira": "Nao"},
                pk=("id_conta_rec",),
                what="receivables",
            )
        return self.customer_receivables[customer_id]

    def _status(self, doc_type: DocType, doc_id: str) -> RemoteStatus | None:
        head = self._head(doc_type, doc_id)
        if head is None:  # deleted for good (not even in the trash)
            return RemoteStatus(doc_type, doc_id, DocState.CANCELED, deleted=True)
        is_os = doc_type is DocType.SERVICE_ORDER
        status = str(head.get("status_pedido") or "")
        in_trash = head.get("lixeira") == "Sim"
        idents = {f"OS_{doc_id}"} if is_os else {f"Ped_{doc_id}"}
        rejection = ""
        fiscal_note = None
        if is_os:
            note_issued, note = self.client._os_note(head)
            if note_issued and not note:  # issued by a person in VHSYS: find its number
                note = self.client._ui_nfse_number(head)
            fiscal_note = FiscalNote(number=note) if note_issued else None
            total = _dec(head.get("valor_total_os"))
        else:
            if doc_id not in self.nfe_complete:
                self.nfe[doc_id] = self.client._nfe_of(doc_id)
                self.nfe_complete.add(doc_id)
            notes = self.nfe.get(doc_id, [])
            issued = [n for n in notes if self.client._nfe_issued(n)]
            note_issued, note = bool(issued), str(issued[-1].get("id_pedido") or "") if issued else ""
            fiscal_note = _nfe_details(issued[-1]) if issued else None
            denied = [
                n for n in notes if _truthy(n.get("nota_denegada")) and n.get("lixeira", "Nao") != "Sim"
            ]
            if denied and not issued:
                rejection = f"NF-e {denied[-1].get('id_pedido') or ''} denegada in VHSYS"
            idents |= {f"NFe_{n.get('id_venda')}" for n in notes}
            total = _dec(head.get("valor_total_nota"))
        receivables: list[tuple[bool, Decimal, Decimal]] = []
        canceled = status.strip().casefold() == self.opts.status_canceled.casefold()  # as vhsys_state
        final = in_trash or canceled or note_issued
        # Receivables exist once launched (contas_pedido), or from the NF-e; a changed one is read anyway.
        launched = (
            _truthy(head.get("contas_pedido"))
            or bool(not is_os and self.nfe.get(doc_id))
            or self.lower is None
            or (doc_type, doc_id) in self.receivables_changed
        )
        if launched and not final:
            for row in self._receivables(_int(head.get("id_cliente"))):
                if str(row.get("identificacao") or "") in idents and row.get("lixeira", "Nao") != "Sim":
                    receivables.append(
                        (
                            row.get("liquidado_rec") == "Sim",
                            _dec(row.get("valor_rec")),
                            _dec(row.get("valor_pago")),
                        )
                    )
        state = vhsys_state(
            status,
            in_trash,
            note_issued,
            receivables,
            total,
            done=self.opts.status_done,
            canceled=self.opts.status_canceled,
        )
        return RemoteStatus(
            doc_type,
            doc_id,
            state,
            external_number=str(head.get("id_pedido") or ""),
            note_number=note if note_issued else "",
            deleted=in_trash,
            note_rejection=rejection,
            note=fiscal_note,
        )
