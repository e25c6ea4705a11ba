"""HTTP transport shared by the ERP clients: one pooled ``requests.Session`` per client,
timeouts on every call, automatic retry of reads only, and the mapping of transport failures
to the typed errors of ``errors.py``. Provider-specific body checks live in each client."""

# pylint: disable=prefer-env-translation
# (messages are marked with messages._ and translated by the Odoo side)

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import urllib.parse
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .common import BRT
from .errors import (
    AuthError,
    DataError,
    ErpError,
    QuotaExhausted,
    RateLimited,
    SetupError,
    TransientError,
    UnknownOutcome,
)
from .messages import _
from .ratelimit import Limiter

_logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds
USER_AGENT = "TecPet-ERP-Sync/18.0.1.0.0"


@dataclass(frozen=True)
class Exchange:
    """One request as an observer sees it: never a header, a query string or a request body."""

    method: str
    path: str  # the URL's path only
    status: int | None  # None: no answer (timeout, refused or broken connection)
    answer: str = ""  # the body of an answer of 400 or more, as the ERP wrote it (first 2,000 characters)


# Who wants to know of each request made in this context (a document's history of attempts).
_observer: ContextVar[Callable[[Exchange], None] | None] = ContextVar(
    "tecpet_erp_http_observer", default=None
)


@contextlib.contextmanager
def observe(callback: Callable[[Exchange], None]) -> Iterator[None]:
    """Call ``callback`` once per request sent in this context (thread), with what it got."""
    token = _observer.set(callback)
    try:
        yield
    finally:
        _observer.reset(token)


def _tell(method: str, url: str, status: int | None, answer: str = "") -> None:
    callback = _observer.get()
    if callback is not None:
        callback(Exchange(method.upper(), urllib.parse.urlsplit(url).path, status, answer))


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON, or None when the body is empty
    text: str

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class HttpTransport:
    """Sends requests to one ERP base URL.

    Writes (``write=True``) are never retried here: if the ERP may have applied one, the
    caller gets ``UnknownOutcome`` and must search for its marker before trying again.
    Reads are retried a few times on connection errors and 502/503/504.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        rate_limiter: Limiter | None = None,
        default_headers: dict[str, str] | None = None,
        read_retries: int = 2,
    ):
        self.base_url = base_url.rstrip("/")
        # A single number when both parts agree: Odoo's test harness compares it with 10.
        self.timeout: float | tuple[float, float] = timeout[0] if timeout[0] == timeout[1] else timeout
        self.rate_limiter = rate_limiter
        self.calls = 0  # HTTP calls made, for benchmarks and tests
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        self.session.headers.update(default_headers or {})
        retry = Retry(
            total=read_retries,
            connect=read_retries,
            read=read_retries,
            status=read_retries,
            backoff_factor=0.3,
            status_forcelist=(502, 503, 504),
            allowed_methods=frozenset({"GET", "HEAD"}),
            raise_on_status=False,
            respect_retry_after_header=False,  # 429 is handled by the rate limiter instead
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=8)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def close(self) -> None:
        self.session.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        auth: Any = None,
        write: bool | None = None,
    ) -> HttpResponse:
        """Send one request; raise transport-level errors, return anything the server answered."""
        is_write = method.upper() not in ("GET", "HEAD") if write is None else write
        if self.rate_limiter:
            self.rate_limiter.acquire()
        self.calls += 1
        url = self.url(path)
        try:
            resp = self._send(
                method, url, is_write, params=params, json=json, data=data, headers=headers, auth=auth
            )
        except ErpError:  # no answer
            _tell(method, url, None)
            raise
        result = HttpResponse(
            status=resp.status_code,
            headers={k.lower(): v for k, v in resp.headers.items()},
            body=_json_or_none(resp),
            text=resp.text[:2000],
        )
        _logger.debug("%s %s -> %s", method, path, resp.status_code)  # never log headers or bodies
        _tell(method, url, result.status, result.text if result.status >= 400 else "")
        self._raise_for_transport(result, is_write)
        return result

    def _send(self, method: str, url: str, is_write: bool, **kwargs: Any) -> requests.Response:
        """The request itself, its transport failures as the typed errors of ``errors.py``."""
        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.ConnectTimeout as exc:
            raise TransientError(_("The ERP could not be reached (connection timed out).")) from exc
        except requests.exceptions.SSLError as exc:
            if is_write:  # the TLS session may break after the request went out
                raise UnknownOutcome(
                    _(
                        "The secure connection to the ERP failed while a change was being sent; "
                        "it may or may not have been applied."
                    )
                ) from exc
            raise TransientError(_("The secure connection to the ERP failed.")) from exc
        except requests.ConnectionError as exc:
            if is_write and not _refused_before_sending(exc):
                raise UnknownOutcome(
                    _(
                        "The connection to the ERP dropped while a change was being sent; "
                        "it may or may not have been applied."
                    )
                ) from exc
            raise TransientError(_("The ERP could not be reached (connection error).")) from exc
        except requests.Timeout as exc:
            if is_write:
                raise UnknownOutcome(
                    _(
                        "The ERP did not answer in time while a change was being sent; "
                        "it may or may not have been applied."
                    )
                ) from exc
            raise TransientError(_("The ERP did not answer in time.")) from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as exc:
            # Nothing was sent: the address itself is wrong.
            raise SetupError(
                _("The API URL of the ERP integration is not a valid address: correct it on the integration.")
            ) from exc
        except requests.TooManyRedirects as exc:
            if is_write:
                raise UnknownOutcome(
                    _(
                        "The ERP answered a change with endless redirects; "
                        "it may or may not have been applied."
                    )
                ) from exc
            raise SetupError(
                _("The ERP's address redirects endlessly: check the API URL of the ERP integration.")
            ) from exc
        except requests.RequestException as exc:
            # ChunkedEncodingError, ContentDecodingError...: the answer broke off or cannot be read,
            # so the request did arrive.
            if is_write:
                raise UnknownOutcome(
                    _("The ERP's answer to a change broke off; it may or may not have been applied.")
                ) from exc
            raise TransientError(_("The ERP's answer broke off; retrying later.")) from exc

    def _raise_for_transport(self, resp: HttpResponse, is_write: bool) -> None:
        if resp.status == 429:
            daily = _daily_quota(resp.body)
            if daily:  # Bling's 120,000 a day: waiting a second only adds 429s until the reset
                retry_after = seconds_until_quota_reset()
            else:
                retry_after = _retry_after_seconds(resp.headers.get("retry-after"))
            if self.rate_limiter:
                self.rate_limiter.pause(retry_after)
            if daily:
                raise QuotaExhausted(
                    _("The ERP account's daily request quota is used up; sending resumes after it resets."),
                    retry_after=retry_after,
                )
            raise RateLimited(
                _("The ERP's request limit was reached; retrying later."), retry_after=retry_after
            )
        if resp.status == 401:
            raise AuthError(_("The ERP rejected the credentials (HTTP 401)."))
        html_page = resp.body is None and "html" in resp.content_type
        if html_page and 400 <= resp.status < 500:
            # A proxy's or the ERP's error page instead of its JSON error.
            if is_write:  # a 4xx is a refusal: nothing was applied
                raise DataError(
                    _(
                        "The ERP rejected the change with an error page (HTTP %(status)s) instead of "
                        "saying why. Check the customer and the products of the invoice, then Reprocess."
                    ),
                    status=resp.status,
                )
            raise SetupError(
                _(
                    "The ERP answered HTTP %(status)s with an error page: check the API URL of the ERP "
                    "integration."
                ),
                status=resp.status,
            )
        if resp.status >= 500:
            if is_write:
                raise UnknownOutcome(
                    _("The ERP answered HTTP %(status)s to a change; it may or may not have been applied."),
                    status=resp.status,
                )
            raise TransientError(_("The ERP answered HTTP %(status)s; retrying later."), status=resp.status)
        if html_page:
            if is_write:
                raise UnknownOutcome(
                    _("The ERP answered an HTML error page to a change; it may or may not have been applied.")
                )
            raise TransientError(_("The ERP answered an HTML error page; retrying later."))


def _json_or_none(resp: requests.Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return None


def _daily_quota(body: Any) -> bool:
    """Whether a 429 body in Bling's shape says the day's quota is spent: ``error.period`` "day"
    (Bling's limits page) or a description saying "diário" (how a production client tells it)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return False
    description = str(error.get("description") or "").lower()
    return str(error.get("period") or "") == "day" or "diári" in description or "diari" in description


def seconds_until_quota_reset(now: dt.datetime | None = None) -> float:
    """Seconds until the next midnight in Brasília, when a daily request quota starts again
    (plus a minute against clock skew)."""
    local = (now or dt.datetime.now(dt.timezone.utc)).astimezone(BRT)
    midnight = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - local).total_seconds() + 60.0


def _retry_after_seconds(value: str | None) -> float:
    try:
        return max(0.5, float(value)) if value else 1.0
    except ValueError:
        return 1.0


def _refused_before_sending(exc: requests.ConnectionError) -> bool:
    """True when the connection never got established, so nothing can have been applied."""
    text = repr(exc)
    return any(s in text for s in ("NewConnectionError", "Connection refused", "Name or service not known"))
