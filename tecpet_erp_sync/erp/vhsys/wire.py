"""One VHSYS call, its envelope and its errors; paged lists (wire facts in ``erp-apis/vhsys.md``).

Every answer's body ``code``/``status`` is checked, whatever the HTTP status: VHSYS answers an
empty search with HTTP 403, an outage with HTTP 200 and ``code`` 404, validation errors with 403.
Lists are paged (``limit`` ≤ 250, ``offset``) and deduplicated by primary key: VHSYS can repeat a
row on one page. Credentials live only in the HTTP session headers; they never reach messages.
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from typing import Any

from ..common import BRT
from ..errors import AuthError, DataError, ErpError, RateLimited, SetupError, TransientError, UnknownOutcome
from ..http import HttpTransport
from ..messages import _
from . import messages
from .values import first_row, rows_of, text_of, to_int

PAGE_SIZE = 250  # VHSYS maximum
FULL_STAMP = "%Y-%m-%d %H:%M:%S"  # the data_modificacao filter (Brasília time)
DATE_ONLY = "%Y-%m-%d"  # ... on an account that refuses the time

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
_FIELD_RE = re.compile(
    r"\(\s*([A-Za-z][A-Za-z0-9_]*)\s*\)|\bcampo\s+([a-z][a-z0-9]*_[a-z0-9_]+)", re.IGNORECASE
)


class NotFound(DataError):
    """VHSYS does not know the record (``... não encontrado``)."""


class VhsysWire:
    """The calls every VHSYS resource makes: ``call``, ``get`` (one record) and ``list`` (paged)."""

    def __init__(self, http: HttpTransport, secrets: tuple[str, ...], *, consistency_wait: float):
        self.http = http
        self.secrets = tuple(s for s in secrets if s)
        self.consistency_wait = consistency_wait
        self.modified_format = FULL_STAMP  # the data_modificacao filter; date-only if the account refuses it

    @property
    def calls(self) -> int:
        return self.http.calls

    def scrub(self, text: str) -> str:
        """ERP text as shown to users: without our secrets (should VHSYS echo them), and short."""
        for secret in self.secrets:
            if len(secret) >= 8:  # real tokens are long; a short test value would mangle the text
                text = text.replace(secret, "***")
        return text[:500]

    def wait(self) -> None:
        """VHSYS is eventually consistent: a new header's parts are posted a moment later."""
        if self.consistency_wait > 0:
            time.sleep(self.consistency_wait)

    def call(
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
                    _(
                        "VHSYS refused access (HTTP 401). Check the integration's access token and "
                        'secret token and that the "Integração via API" app is active.'
                    )
                )
            if resp.status == 403:  # no JSON, so no VHSYS message: a proxy or firewall said no
                raise SetupError(
                    _(
                        "VHSYS refused the request (HTTP 403) without saying why. Check the API URL of "
                        'the integration and that the "Integração via API" app is active, then Reprocess.'
                    )
                )
            raise _transient(is_write, messages.NO_JSON, status=resp.status)
        code = to_int(envelope.get("code")) or resp.status
        state = str(envelope.get("status") or "").strip().lower()
        data = envelope.get("data")
        if code in (200, 201) and state in ("success", "sucesso", ""):
            return envelope
        raw_text = text_of(data) or f"code {code}"
        text = self.scrub(raw_text)  # regular expressions look at raw_text, people see text
        missing = messages.RESOURCES.get(what, messages.REQUEST)[1]
        if code == 404:
            if _NOT_FOUND_RE.search(raw_text):
                if missing_ok or empty_ok:
                    return None
                raise NotFound(missing, text=text, erp_message=text)
            if _OUTAGE_RE.search(raw_text):
                raise _transient(is_write, messages.UNAVAILABLE, text=text)
            raise ErpError(
                _(
                    "VHSYS does not know the endpoint %(path)s (%(text)s). "
                    "Check the API URL of the integration."
                ),
                path=path.split("?")[0],
                text=text,
                erp_message=text,
            )
        if code == 401 or (code == 403 and _AUTH_RE.search(raw_text) and not _EMPTY_RE.search(raw_text)):
            raise AuthError(
                _(
                    "VHSYS refused the credentials. Check the integration's access token and secret "
                    'token and that the "Integração via API" app is active in VHSYS.'
                ),
                erp_message=text,
            )
        if code == 429:
            raise RateLimited(_("VHSYS's request limit was reached; retrying later."), erp_message=text)
        if code >= 500:
            raise _transient(is_write, messages.FAILED, text=text)
        message = isinstance(data, str)  # a list of messages is a validation error
        if message and _EMPTY_RE.search(raw_text) and (empty_ok or missing_ok):
            return None
        if message and _NOT_FOUND_RE.search(raw_text):
            if missing_ok:
                return None
            raise NotFound(missing, text=text, erp_message=text)
        if code in (200, 201):  # success code with an odd status
            return envelope
        fname = _field_of(data)
        if fname:
            template = messages.FIELDS.get(fname, messages.FIELD_REJECTED)
            raise DataError(template, field=fname, name=fname, text=text, erp_message=text)
        raise DataError(messages.RESOURCES.get(what, messages.REQUEST)[0], text=text, erp_message=text)

    def get(self, path: str, params: dict | None = None, *, what: str = "record") -> dict | None:
        """One record, or None when VHSYS says it does not know it ("... não encontrado")."""
        envelope = self.call("GET", path, params=params, what=what, missing_ok=True)
        if envelope is None:
            return None
        data = envelope.get("data")
        rows = rows_of(data)
        if rows:
            return rows[0]
        # Not "not found": an empty or unreadable answer must never pass for a deleted record
        # (defect-review-2 N17); only VHSYS's own not-found message does.
        raise ErpError(
            _("VHSYS answered %(path)s in an unexpected shape."),
            path=path.split("?")[0],
            erp_message=text_of(data)[:300],
        )

    def get_confirmed(self, path: str, *, what: str = "record") -> dict | None:
        """``get``, where None (VHSYS does not know the record) is said twice: one not-found answer
        during a glitch never makes Odoo cancel a document that still lives."""
        row = self.get(path, what=what)
        return row if row is not None else self.get(path, what=what)

    def post_new(self, path: str, body: Any, *, what: str) -> dict:
        """POST a new record; the created record as VHSYS answered it."""
        envelope = self.call("POST", path, body=body, what=what) or {}
        return first_row(envelope.get("data"))

    def list(
        self,
        path: str,
        params: dict | None = None,
        *,
        pk: tuple[str, ...] = (),
        max_pages: int = 0,
        what: str = "list",
        stop: Callable[[list[dict]], bool] | None = None,
    ) -> list[dict]:
        """All rows of a list endpoint, paged and deduplicated by primary key.

        Paging ends on a short page or once ``offset`` reaches ``paging.total``, the overall count:
        a real answer is ``{"total_count": 5, "total": 232}`` at ``limit=5`` (``total_count``
        counts the page's rows); a list cut after its first page would silently miss documents
        (reviews/fidelity-review.md V6). With ``stop``,
        no page after one for which ``stop(rows so far)`` is true (an ordered list read back to a
        date)."""
        seen: dict[Any, dict] = {}
        offset = pages = 0
        while True:
            query = {**(params or {}), "limit": PAGE_SIZE, "offset": offset}
            envelope = self.call("GET", path, params=query, what=what, empty_ok=True)
            if envelope is None:
                break
            rows = rows_of(envelope.get("data"))
            known = len(seen)
            for row in rows:
                key = next((row[k] for k in pk if row.get(k) not in (None, "")), None)
                if key is None:
                    key = json.dumps(row, sort_keys=True, default=str)
                seen.setdefault(str(key), row)
            if rows and len(seen) == known and offset:
                break  # a page with nothing new: the server ignores offset; stop rather than loop
            pages += 1
            paging = envelope.get("paging") if isinstance(envelope.get("paging"), dict) else {}
            # The page size the server used: it may cap ``limit`` below ours (an example answers 0).
            size = min(to_int(paging.get("limit")) or PAGE_SIZE, PAGE_SIZE)
            # ``total`` ends the list only where it is plainly an overall count (more than this page
            # holds); ``total_count`` never does: it counts the page's rows.
            total = to_int(paging.get("total"))
            offset += size
            if len(rows) < size or (total > len(rows) and offset >= total):
                break
            if (max_pages and pages >= max_pages) or (stop is not None and stop(list(seen.values()))):
                break
        return list(seen.values())

    def changed(
        self, path: str, since: dt.datetime, params: dict | None = None, *, pk: tuple[str, ...], what: str
    ) -> list[dict]:
        """Rows of a list created or modified since ``since`` (``data_modificacao``, ">=", Brasília
        time): every row is read, whatever the account's volume. The caller re-checks each row's
        own date (an account that only takes the date part answers the whole day)."""
        stamp = since.astimezone(BRT).strftime(self.modified_format)
        try:
            return self.list(path, {**(params or {}), "data_modificacao": stamp}, pk=pk, what=what)
        except DataError as exc:
            if "data_modificacao" not in exc.field + exc.erp_message or self.modified_format == DATE_ONLY:
                raise
            # This account only takes a date: keep to it (rows are re-checked client-side anyway).
            self.modified_format = DATE_ONLY
            return self.changed(path, since, params, pk=pk, what=what)


class Scans:
    """The date-bounded list reads of one run (a read-back, a cancel), shared: a need for rows
    since a later moment reuses a read that started earlier."""

    def __init__(self, wire: VhsysWire):
        self.wire = wire
        self.done: dict[tuple, tuple[dt.datetime | None, list[dict]]] = {}

    def since(
        self,
        path: str,
        since: dt.datetime | None,
        params: dict | None = None,
        *,
        pk: tuple[str, ...],
        what: str,
    ) -> list[dict]:
        """Rows changed since ``since`` (None: all the rows)."""
        key = (path, tuple(sorted((params or {}).items())))
        hit = self.done.get(key)
        if hit is not None and (hit[0] is None or (since is not None and hit[0] <= since)):
            return hit[1]
        if since is None:
            rows = self.wire.list(path, params, pk=pk, what=what)
        else:
            rows = self.wire.changed(path, since, params, pk=pk, what=what)
        self.done[key] = (since, rows)
        return rows


def _transient(is_write: bool, templates: tuple[str, str], **params: Any) -> TransientError:
    if is_write:
        return UnknownOutcome(templates[0], **params)
    return TransientError(templates[1], **params)


def _field_of(data: Any) -> str:
    for message in data if isinstance(data, list) else [data]:
        match = _FIELD_RE.search(text_of(message))
        if match:
            return match.group(1) or match.group(2)
    return ""
