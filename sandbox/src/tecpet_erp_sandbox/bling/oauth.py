"""Bling's OAuth 2 server: authorization codes, tokens, refreshes, revocation."""

from __future__ import annotations

import base64
import html as html_lib
import secrets
import time
import urllib.parse
from typing import Any

from ..wire import Request, Response, html
from .common import (
    CODE_TTL,
    RATE_LIMIT_BODY,
    REFRESH_TTL,
    SCOPES,
    TOKEN_CALLS_LIMIT,
    _error,
    _not_found,
)


class OAuth:
    # -- OAuth -----------------------------------------------------------------------------
    def _oauth(self, req: Request) -> Response:
        if req.path == "/oauth/authorize" and req.method == "GET":
            return self._authorize(req)
        if req.path == "/oauth/token" and req.method == "POST":
            return self._token(req)
        if req.path == "/oauth/revoke" and req.method == "POST":
            form = {k: v[0] for k, v in urllib.parse.parse_qs(req.body.decode("utf-8", "replace")).items()}
            token = form.get("token", "")
            info = self.access_tokens.get(token) or self.refresh_tokens.get(token)
            if info:
                self.grants[info["grant"]]["revoked"] = True
            return Response(200, {})
        return _not_found("Recurso")

    def _authorize(self, req: Request) -> Response:
        client_id, state = req.arg("client_id"), req.arg("state")
        app = self.apps.get(client_id)
        if req.arg("response_type") != "code" or app is None:
            return html("<h1>Bling</h1><p>Aplicativo não encontrado ou requisição inválida.</p>", status=400)
        redirect = req.arg("redirect_uri") or app["redirect_uri"]
        if not redirect or (app["redirect_uri"] and redirect != app["redirect_uri"]):
            return html(
                "<h1>Bling</h1><p>O link de redirecionamento não confere com o cadastrado.</p>", status=400
            )
        if req.arg("consent") != "1":
            query = {k: v[0] for k, v in req.query.items()} | {"consent": "1"}
            approve = f"{self.prefix}/oauth/authorize?{urllib.parse.urlencode(query)}"
            return html(
                "<!doctype html><html><head><meta charset='utf-8'><title>Bling - Autorizar</title>"
                "</head><body><h1>Bling (sandbox)</h1>"
                f"<p>O aplicativo <b>{html_lib.escape(client_id)}</b> quer acessar a sua conta: "
                "contatos, pedidos de venda, contas a receber, notas fiscais, situações.</p>"
                f"<p><a id='authorize' href='{html_lib.escape(approve)}'>Authorize / Autorizar</a></p>"
                "</body></html>"
            )
        code = secrets.token_hex(20)
        self.codes[code] = {
            "client_id": client_id,
            "expires": time.time() + CODE_TTL,
            "used": False,
            "grant": 0,
        }
        sep = "&" if "?" in redirect else "?"
        location = f"{redirect}{sep}{urllib.parse.urlencode({'code': code, 'state': state})}"
        return Response(302, None, headers={"Location": location})

    def _token(self, req: Request) -> Response:
        now = time.time()
        self.oauth_stats["token_calls"] += 1
        limit, period = TOKEN_CALLS_LIMIT
        while self.token_calls and now - self.token_calls[0] >= period:
            self.token_calls.popleft()
        self.token_calls.append(now)
        if len(self.token_calls) > limit:
            return Response(429, {"error": dict(RATE_LIMIT_BODY["error"], limit=limit, period="minute")})
        client_id = self._basic_client(req.headers.get("authorization", ""))
        if client_id is None:
            return _error(401, "invalid_client", "invalid_client", "Credenciais do aplicativo inválidas.")
        form = {k: v[0] for k, v in urllib.parse.parse_qs(req.body.decode("utf-8", "replace")).items()}
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            code = self.codes.get(form.get("code", ""))
            if code is None or code["client_id"] != client_id:
                return self._invalid_grant("Authorization code doesn't exist or is invalid for the client")
            if code["used"]:  # re-using a code revokes the access it gave
                if code["grant"]:
                    self.grants[code["grant"]]["revoked"] = True
                return self._invalid_grant("Authorization code has already been used")
            if code["expires"] <= now:
                return self._invalid_grant("The authorization code has expired")
            code["used"] = True
            code["grant"] = self._new_grant(client_id)
            self.oauth_stats["code_exchanges"] += 1
            return Response(200, self._issue(code["grant"]))
        if grant_type == "refresh_token":
            info = self.refresh_tokens.get(form.get("refresh_token", ""))
            if (
                info is None
                or info["used"]
                or info["expires"] <= now
                or self.grants[info["grant"]]["revoked"]
                or self.grants[info["grant"]]["client_id"] != client_id
            ):
                return self._invalid_grant("Invalid refresh token")
            info["used"] = True  # rotation: the old refresh token dies now
            self.oauth_stats["refreshes"] += 1
            return Response(200, self._issue(info["grant"]))
        return _error(
            400,
            "unsupported_grant_type",
            "unsupported_grant_type",
            "O grant_type deve ser authorization_code ou refresh_token.",
        )

    def _invalid_grant(self, description: str) -> Response:
        self.oauth_stats["invalid_grants"] += 1
        return _error(400, "invalid_grant", "invalid_grant", description)

    def _basic_client(self, header: str) -> str | None:
        if not header.lower().startswith("basic "):
            return None
        try:
            client_id, _, secret = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        app = self.apps.get(client_id)
        if app is None or not secrets.compare_digest(app["secret"], secret):
            return None
        return client_id

    def _new_grant(self, client_id: str) -> int:
        grant = self._next("grant")
        self.grants[grant] = {"client_id": client_id, "revoked": False}
        return grant

    def _issue(self, grant: int) -> dict[str, Any]:
        access, refresh = secrets.token_hex(20), secrets.token_hex(20)
        now = time.time()
        self.access_tokens[access] = {"grant": grant, "expires": now + self.token_ttl}
        self.refresh_tokens[refresh] = {"grant": grant, "expires": now + REFRESH_TTL, "used": False}
        app = self.apps[self.grants[grant]["client_id"]]
        scope = " ".join(str(SCOPES[s]) for s in sorted(app["scopes"]))
        return {
            "access_token": access,
            "expires_in": self.token_ttl,
            "token_type": "Bearer",
            "scope": scope,
            "refresh_token": refresh,
        }
