"""One Bling call with its token refresh and 429 absorption, its errors, and paged lists
(wire facts in ``erp-apis/bling.md``). Tokens come from ``BlingTokenManager``; they never reach
messages or logs."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from ..bling_oauth import BlingTokenManager
from ..errors import AuthError, DataError, ErpError, QuotaExhausted, RateLimited, SetupError
from ..http import HttpResponse, HttpTransport
from ..messages import _
from ..ratelimit import RateLimiter
from . import messages
from .values import data, to_int

_logger = logging.getLogger(__name__)

# Bling allows 3 requests per second per account. The window is 100 ms longer than a second so
# that the time between taking a slot and the request reaching Bling (network, a busy worker
# process of another server) never lets Bling see a 4th request inside one of its seconds. It
# costs 9 % of the account's throughput; 50 ms let 5 requests into one second with 4 workers on
# a loaded machine (bench).
RATE_LIMIT_CALLS = 3
RATE_LIMIT_PERIOD = 1.1
PAGE_LIMIT = 100  # Bling's maximum page size
MAX_PAGES = 500

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


def account_rate_limiter(account_key: str) -> RateLimiter:
    """The limiter shared by every client (and thread) of one Bling account in this process."""
    return RateLimiter.for_account(f"bling:{account_key}", RATE_LIMIT_CALLS, RATE_LIMIT_PERIOD)


class BlingWire:
    """The calls every Bling resource makes: ``call``, ``get``, ``pages`` and ``search``."""

    def __init__(self, http: HttpTransport, tokens: BlingTokenManager, *, rate_limit_retries: int):
        self.http = http
        self.tokens = tokens
        self.rate_limit_retries = rate_limit_retries

    def call(
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
                        _(
                            "Bling rejected the access token even after refreshing it: reconnect Bling "
                            "with the Connect button on the integration."
                        )
                    ) from None
                # The token refresh() returns, not a re-read: the store's snapshot may be older.
                token = self.tokens.refresh(stale_access_token=token)
                refreshed = True
                continue
            except QuotaExhausted:  # the daily quota: waiting seconds will not help
                raise
            except RateLimited:  # the transport has paused the shared limiter; nothing was applied
                if limited >= self.rate_limit_retries:
                    raise
                limited += 1
                continue
            if resp.status == 404 and allow_404 and _error_type(resp) == "RESOURCE_NOT_FOUND":
                # Only Bling's own "not found" (defect N17): a 404 of another shape (a wrong base
                # path, a proxy) is an error below, never a deleted record.
                return None
            if resp.status >= 400:
                raise _error(resp, path, what)
            return resp

    def get(self, path: str, *, what: str, params: Any = None) -> Any:
        resp = self.call("GET", path, params=params, what=what, allow_404=True)
        return None if resp is None else data(resp)

    def pages(self, path: str, params: dict[str, Any], *, what: str) -> Iterator[dict[str, Any]]:
        for page in range(1, MAX_PAGES + 1):
            rows = data(
                self.call("GET", path, params={**params, "pagina": page, "limite": PAGE_LIMIT}, what=what)
            )
            rows = rows if isinstance(rows, list) else []
            yield from (row for row in rows if isinstance(row, dict))
            if len(rows) < PAGE_LIMIT:
                return
        _logger.warning("Bling: stopped paging %s after %s pages", path, MAX_PAGES)

    def search(self, path: str, params: dict[str, Any], *, what: str) -> list[dict[str, Any]]:
        """The records on the first page of a filtered list: a search expected to find a few at most."""
        rows = data(self.call("GET", path, params={**params, "pagina": 1, "limite": PAGE_LIMIT}, what=what))
        return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


class BlingRefusal(DataError):
    """Bling refused the request for its data (HTTP 400/409/422 with its error body); ``codes``
    are the codes of its ``fields[]`` (and their ``collection[]``), e.g. 63 for receivables that
    cannot be reversed because one is received."""

    def __init__(self, template: str, *, codes: tuple[int, ...] = (), **kwargs):
        super().__init__(template, **kwargs)
        self.codes = codes


def _error_body(resp: HttpResponse) -> dict[str, Any]:
    error = resp.body.get("error") if isinstance(resp.body, dict) else None
    return error if isinstance(error, dict) else {}


def _error_type(resp: HttpResponse) -> str:
    return str(_error_body(resp).get("type") or "")


def error_codes(error: dict[str, Any]) -> tuple[int, ...]:
    """The codes of ``error.fields[]`` and of their ``collection[]``, in order."""
    codes = []
    for item in error.get("fields") or []:
        if isinstance(item, dict):
            nested = [c for c in item.get("collection") or [] if isinstance(c, dict)]
            codes += [to_int(c.get("code")) for c in [item, *nested]]
    return tuple(code for code in codes if code)


def _error(resp: HttpResponse, path: str, what: str) -> ErpError:
    error = _error_body(resp)
    error_type = str(error.get("type") or "")
    detail, element = error_detail(error)
    rejected, missing = messages.RESOURCES.get(what, messages.REQUEST)
    if resp.status == 403:
        # A missing scope: this request fails, the credentials are fine (only 401 says otherwise).
        scope = next((label for prefix, label in SCOPE_LABELS.items() if path.startswith(prefix)), "")
        template = (
            _(
                'Bling refused access to %(path)s (HTTP 403): the Bling app lacks the "%(scope)s" scope. '
                "Add it to the app in Bling, then reconnect Bling."
            )
            if scope
            else _(
                "Bling refused access to %(path)s (HTTP 403): the Bling app lacks the required scope. "
                "Add it to the app in Bling, then reconnect Bling."
            )
        )
        return SetupError(template, path=path.split("?")[0], scope=scope, erp_message=detail)
    if resp.status == 404 and error_type == "RESOURCE_NOT_FOUND":
        return DataError(missing, erp_message=detail)
    if resp.status == 404:  # not Bling's own answer: the address is wrong, nothing is missing
        return ErpError(
            _(
                "Bling answered HTTP 404 to %(path)s without saying what is missing: check the API URL "
                "of the ERP integration."
            ),
            path=path.split("?")[0],
            erp_message=detail,
        )
    if resp.status in (400, 409, 422) and (
        error_type in ("VALIDATION_ERROR", "MISSING_REQUIRED_FIELD_ERROR", "BAD_REQUEST", "")
        or error.get("fields")
    ):
        return BlingRefusal(
            rejected, field=element, text=detail, erp_message=detail, codes=error_codes(error)
        )
    return ErpError(
        _("Bling answered HTTP %(status)s %(type)s to %(path)s: %(text)s"),
        status=resp.status,
        type=error_type,
        path=path.split("?")[0],
        text=detail,
        erp_message=detail,
    )


def error_detail(error: dict[str, Any]) -> tuple[str, str]:
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
