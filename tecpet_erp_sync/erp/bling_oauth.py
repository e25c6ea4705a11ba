"""Bling v3 OAuth 2.0 (authorization code) token management.

Bling issues an access token for 6 hours and a refresh token for 30 days, and every refresh
*rotates* the refresh token: the old one stops working at once. Two workers that refresh at the
same time would therefore lock the integration out (the loser sends a dead refresh token and
gets ``invalid_grant``). ``BlingTokenManager`` prevents that with a single-flight refresh under
the store's lock: reload, re-check, refresh once, save both tokens together.

The store is a small protocol so the Odoo side can keep the tokens on the integration record
and serialise refreshes across processes with a row lock (``SELECT ... FOR UPDATE``).
Tokens and the client secret never appear in messages, logs or ``repr``.
"""

# pylint: disable=prefer-env-translation
# (messages are marked with messages._ and translated by the Odoo side)

from __future__ import annotations

import base64
import contextlib
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import AuthError, ErpError, RateLimited, TransientError
from .http import HttpTransport
from .messages import _

REFRESH_MARGIN = 300.0  # refresh when the access token expires within 5 minutes
# Bling's refresh token dies 30 days after it was issued unless it is used (rotated) before.
REFRESH_TOKEN_LIFETIME = 30 * 86400.0
# Also what the store keeps for a code sent whose answer is not known yet (written before the call).
CODE_INCOMPLETE = _(
    "The exchange of this Bling authorization code did not complete: press Connect to Bling again."
)


@dataclass(frozen=True)
class TokenSet:
    """One access/refresh token pair. ``expires_at`` is a Unix timestamp (seconds)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float
    scope: str = ""
    token_type: str = "Bearer"
    # When Bling issued this refresh token (Unix time); 0 when unknown (typed in, or saved before
    # this was kept): the keep-alive then renews it at once.
    refreshed_at: float = 0.0

    @property
    def refresh_lapses_at(self) -> float:
        """When the refresh token stops working if it is not used before (0 when unknown)."""
        return self.refreshed_at + REFRESH_TOKEN_LIFETIME if self.refreshed_at else 0.0

    def expires_within(self, seconds: float, now: float | None = None) -> bool:
        return self.expires_at - (time.time() if now is None else now) <= seconds

    @classmethod
    def from_response(cls, body: dict[str, Any], now: float) -> TokenSet:
        try:
            expires_in = float(body.get("expires_in") or 21600)
            return cls(
                access_token=str(body["access_token"]),
                refresh_token=str(body["refresh_token"]),
                expires_at=now + expires_in,
                scope=str(body.get("scope") or ""),
                token_type=str(body.get("token_type") or "Bearer"),
                refreshed_at=now,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ErpError(_("Bling answered the token request without a usable token pair.")) from exc


class TokenStore(Protocol):
    """Where the tokens live. ``lock()`` serialises refreshes (across processes on the Odoo side).

    ``load()`` called inside ``lock()`` must return what another holder of the lock saved last
    (the Odoo implementation reads the row it locked); ``save()`` must persist both tokens at once,
    together with the authorization code they came from (``code``), which is then never sent again.
    """

    def load(self) -> TokenSet | None: ...

    def save(self, tokens: TokenSet, *, code: str | None = None) -> None: ...

    def lock(self) -> AbstractContextManager[None]: ...

    def code_outcome(self, code: str) -> tuple[bool, str] | None:
        """How an earlier exchange of ``code`` ended, (ok, message); None if it was never sent.

        ``message`` is ``CODE_INCOMPLETE`` while the answer is not known, else what Bling said."""

    def record_code(self, code: str, ok: bool, message: str) -> None:
        """Remember, durably, that ``code`` was sent (before the call) and how it ended."""


class MemoryTokenStore:
    """In-memory store for tests, scripts and the sandbox: a threading lock guards refreshes."""

    def __init__(self, tokens: TokenSet | None = None):
        self._tokens = tokens
        self._lock = threading.RLock()
        self._codes: dict[str, tuple[bool, str]] = {}

    def load(self) -> TokenSet | None:
        return self._tokens

    def save(self, tokens: TokenSet, *, code: str | None = None) -> None:
        self._tokens = tokens
        if code is not None:
            self._codes[code] = (True, "")

    def code_outcome(self, code: str) -> tuple[bool, str] | None:
        return self._codes.get(code)

    def record_code(self, code: str, ok: bool, message: str) -> None:
        self._codes[code] = (ok, message)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        with self._lock:
            yield

    def __repr__(self) -> str:
        return f"MemoryTokenStore(has_tokens={self._tokens is not None})"


class BlingTokenManager:
    """Obtains, caches and refreshes Bling tokens for one app installation (one Bling account)."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        store: TokenStore,
        *,
        authorize_endpoint: str = "",
        jwt: bool = False,
        timeout: tuple[float, float] = (5.0, 30.0),
        clock: Callable[[], float] = time.time,
        refresh_margin: float = REFRESH_MARGIN,
    ):
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.store = store
        # Bling documents https://www.bling.com.br/Api/v3/oauth/authorize next to .../oauth/token
        self.authorize_endpoint = authorize_endpoint or _sibling(token_url, "authorize")
        self.jwt = jwt  # send ``enable-jwt: 1`` on token calls (JWT tokens); do not mix kinds
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._http = HttpTransport(token_url, timeout=timeout, read_retries=0)
        self.refresh_count = 0  # refreshes done by this manager, for tests

    def __repr__(self) -> str:
        return f"BlingTokenManager(token_url={self.token_url!r}, client_id={self.client_id!r})"

    # -- authorization code flow -----------------------------------------------------------
    def authorize_url(self, state: str, redirect_uri: str | None = None) -> str:
        """Where to send the administrator's browser to grant access (the *Connect* button)."""
        params = {"response_type": "code", "client_id": self.client_id, "state": state}
        if redirect_uri:
            params["redirect_uri"] = redirect_uri
        return f"{self.authorize_endpoint}?{urllib.parse.urlencode(params)}"

    def exchange_code(self, code: str, redirect_uri: str | None = None) -> TokenSet:
        """Trade the callback's ``code`` (single use, valid 1 minute) for tokens, and save them.

        Exactly once per code: the store remembers the code before it is sent, so a callback run
        again (Odoo retries a request after a serialization failure; a browser reloads) answers
        what the first exchange got instead of sending the code again, which Bling refuses and
        may punish by revoking the access it has just granted.
        """
        form = {"grant_type": "authorization_code", "code": code}
        if redirect_uri:
            form["redirect_uri"] = redirect_uri
        with self.store.lock():
            earlier = self.store.code_outcome(code)
            if earlier is not None:
                ok, message = earlier
                tokens = self.store.load() if ok else None
                if tokens is not None:
                    return tokens
                if ok or message == CODE_INCOMPLETE:
                    raise AuthError(CODE_INCOMPLETE)
                raise AuthError(
                    _("Bling did not accept this authorization code: press Connect to Bling again."),
                    erp_message=message,
                )
            self.store.record_code(code, False, CODE_INCOMPLETE)  # write-ahead: never sent twice
            try:
                tokens = self._token_call(form, exchange=True)
            except ErpError as exc:
                if not isinstance(exc, TransientError):  # a refusal; a lost answer stays "incomplete"
                    self.store.record_code(code, False, exc.erp_message)  # what Bling said, if anything
                raise
            self.store.save(tokens, code=code)
        return tokens

    # -- access tokens ---------------------------------------------------------------------
    def access_token(self) -> str:
        """A valid access token, refreshed first if it expires within ``refresh_margin`` seconds."""
        tokens = self.store.load()
        if tokens is not None and not tokens.expires_within(self.refresh_margin, self._clock()):
            return tokens.access_token
        with self.store.lock():
            tokens = self._stored()  # another worker may have refreshed while we waited
            if tokens.expires_within(self.refresh_margin, self._clock()):
                tokens = self._refresh_locked(tokens)
            return tokens.access_token

    def refresh(self, stale_access_token: str = "") -> str:
        """Force a refresh after Bling answered 401 to ``stale_access_token``.

        Single-flight: if the stored token is no longer the stale one, somebody else refreshed
        already and that token is returned without another refresh.
        """
        with self.store.lock():
            tokens = self._stored()
            if (
                stale_access_token
                and tokens.access_token != stale_access_token
                and not tokens.expires_within(self.refresh_margin, self._clock())
            ):
                return tokens.access_token
            return self._refresh_locked(tokens).access_token

    def keep_alive(self, max_age: float) -> bool:
        """Renew the refresh token when it was issued more than ``max_age`` seconds ago (or when
        nobody knows), so that an account with nothing to send does not lose it after 30 days.

        The same single-flight refresh as ``refresh()``: under the store's lock, re-read first
        (another worker may have renewed it meanwhile). True when a refresh was made.
        """
        with self.store.lock():
            tokens = self._stored()
            if tokens.refreshed_at and self._clock() - tokens.refreshed_at < max_age:
                return False
            self._refresh_locked(tokens)
            return True

    def _stored(self) -> TokenSet:
        tokens = self.store.load()
        if tokens is None:
            raise AuthError(_("Bling is not connected: press Connect on the integration to authorise it."))
        return tokens

    def _refresh_locked(self, tokens: TokenSet) -> TokenSet:
        form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
        new = self._token_call(form, exchange=False)
        self.store.save(new)  # the old refresh token is dead now: save the pair at once
        self.refresh_count += 1
        return new

    def _token_call(self, form: dict[str, str], *, exchange: bool) -> TokenSet:
        """One call to the token endpoint: ``exchange`` an authorization code, or else refresh."""
        basic = base64.b64encode(f"{self.client_id}:{self._client_secret}".encode()).decode("ascii")
        headers = {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}
        if self.jwt:
            headers["enable-jwt"] = "1"
        now = self._clock()
        try:
            resp = self._http.request("POST", self.token_url, data=form, headers=headers, write=True)
        except AuthError as exc:  # 401 on the token endpoint: the app credentials are wrong
            raise AuthError(
                _("Bling rejected the app's client id or client secret: check them on the integration.")
            ) from exc
        except RateLimited as exc:
            raise RateLimited(
                _("Too many Bling token requests (Bling allows 20 per minute); retrying later."),
                retry_after=max(exc.retry_after, 5.0),
            ) from exc
        except TransientError as exc:
            if exchange:
                raise TransientError(
                    _("Bling's token service did not answer the exchange of the authorization code properly.")
                ) from exc
            raise TransientError(
                _("Bling's token service did not answer the refresh of the access token properly.")
            ) from exc
        body = resp.body if isinstance(resp.body, dict) else {}
        if resp.status >= 400 or "access_token" not in body:
            error_type, description = _oauth_error(body)
            if error_type.lower() in (
                "invalid_grant",
                "invalid_token",
                "unauthorized",
                "invalid_request",
            ) or (resp.status in (400, 403)):
                if exchange:
                    raise AuthError(
                        _(
                            "Bling refused the authorization code (%(error)s): reconnect Bling "
                            "with the Connect button on the integration."
                        ),
                        erp_message=description,
                        error=error_type or resp.status,
                    )
                raise AuthError(
                    _(
                        "Bling refused the refresh token (%(error)s): reconnect Bling "
                        "with the Connect button on the integration."
                    ),
                    erp_message=description,
                    error=error_type or resp.status,
                )
            raise ErpError(
                _("Bling's token service answered HTTP %(status)s."),
                erp_message=description,
                status=resp.status,
            )
        return TokenSet.from_response(body, now)


def _oauth_error(body: dict[str, Any]) -> tuple[str, str]:
    """Error type and description of an OAuth answer, in Bling's or in RFC 6749 shape."""
    error = body.get("error")
    if isinstance(error, dict):
        return str(error.get("type") or ""), str(error.get("description") or error.get("message") or "")
    if isinstance(error, str):
        return error, str(body.get("error_description") or "")
    return "", ""


def _sibling(url: str, last: str) -> str:
    """``.../oauth/token`` -> ``.../oauth/<last>``."""
    base, _, tail = url.rstrip("/").rpartition("/")
    return f"{base}/{last}" if tail == "token" else f"{url.rstrip('/')}/{last}"
