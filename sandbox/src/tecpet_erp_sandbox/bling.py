"""Bling API v3 emulator: OAuth 2.0, contatos, pedidos de venda, contas a receber, NF-e, NFS-e.

Faithful to ``erp-apis/bling.md`` (the official OpenAPI plus what real accounts showed), quirks
included, so that a client which works here has a fair chance with the real ERP:

* OAuth authorization code with single-use codes valid 60 s (re-use revokes the grant), Basic
  client auth on ``/oauth/token``, refresh-token rotation, more than 20 token calls a minute → 429;
* 3 requests per second per account (sliding 1 s window) → 429 ``TOO_MANY_REQUESTS``;
* ``{"data": ...}`` envelope, 201 on create, 204 on PATCH/DELETE/lançar/estornar, the
  ``{"error": {type, message, description, fields[]}}`` shape, ``pagina``/``limite`` (max 100);
* ``GET /contatos`` defaults to ``criterio=3`` (*últimos incluídos*): a search by document without
  ``criterio=1`` only looks at the last 5 contacts created;
* CPF/CNPJ check digits, phone and IE validation on contacts; parcelas are required (as in the
  OpenAPI) and must add up to the total;
* ``gerar-nfe`` answers ``{"idNotaFiscal": N}`` without the data wrapper (as in the OpenAPI);
* date filters take Brazil local time (UTC-3) and refuse ranges over one year;
* relations without a value come back as ``{"id": 0}``.

Control actions (``/_control/<action>?provider=bling``): ``register_app``, ``issue_tokens``,
``token_ttl``, ``expire_tokens``, ``rate_limit``, ``add_situacao``, and the document actions
``pay``, ``ready``, ``issue``, ``cancel``, ``delete`` (the order is gone: GET answers 404),
``cancel_note`` and ``reject_note`` (the NF-e Rejeitada, or ``situacao=9`` Denegada)
(``id`` = pedido id, ``doc_type``).
"""

from __future__ import annotations

import base64
import collections
import contextlib
import datetime as dt
import html as html_lib
import re
import secrets
import time
import urllib.parse
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from stdnum.br import cnpj, cpf

from .clock import BRT, STAMP_FORMAT, now_brt, stamp
from .emulator import Emulator, Router, cep_exists
from .wire import Request, Response, html

CENT = Decimal("0.01")

DEFAULT_CLIENT_ID = "sandbox-client"
DEFAULT_CLIENT_SECRET = "sandbox-secret"
CODE_TTL = 60.0
TOKEN_TTL = 21600
REFRESH_TTL = 30 * 86400
TOKEN_CALLS_LIMIT = (20, 60.0)  # Bling blocks more than 20 /oauth/token calls in 60 s
LAST_INCLUDED = 5  # contacts shown by the default criterio=3 "últimos incluídos"
MAX_LIMIT = 100

VENDAS_MODULE = 98310
MODULES = [
    {"id": VENDAS_MODULE, "nome": "Vendas", "descricao": "Pedidos de Venda", "criarSituacoes": True},
    {"id": 98311, "nome": "Compras", "descricao": "Pedidos de Compra", "criarSituacoes": True},
    {"id": 98312, "nome": "NotasFiscais", "descricao": "Notas Fiscais", "criarSituacoes": False},
]
# (id, nome, valor, cor): the seeded situações of a fresh account (ids 6/9/12/15 as seen in real ones)
SEEDED_SITUACOES = [
    (6, "Em aberto", 0, "#E9DC40"),
    (9, "Atendido", 1, "#3FB57A"),
    (12, "Cancelado", 2, "#CACACA"),
    (15, "Em andamento", 3, "#BC98F6"),
    (21, "Em digitação", 10, "#86C7E6"),
    (24, "Verificado", 11, "#6B9BEA"),
]
SIT_OPEN, SIT_DONE, SIT_CANCELED = 6, 9, 12

# scope name -> numeric id (Bling's token ``scope`` lists numeric ids)
SCOPES = {
    "contatos": 318257550,
    "pedidos": 318257568,
    "situacoes": 318257570,
    "contas": 318257575,
    "formas": 318257577,
    "nfe": 318257580,
    "nfse": 318257583,
    "produtos": 318257586,
    "empresas": 98309,
}
SCOPE_LABELS = {
    "contatos": "Contatos",
    "pedidos": "Pedidos de Venda",
    "situacoes": "Situações",
    "contas": "Contas a Receber",
    "formas": "Formas de pagamento",
    "nfe": "Notas Fiscais",
    "nfse": "Notas Fiscais de Serviço",
    "produtos": "Produtos",
    "empresas": "Dados básicos da empresa",
}
FORMAS = [
    {
        "id": 2101001,
        "descricao": "Dinheiro",
        "tipoPagamento": 1,
        "situacao": 1,
        "fixa": True,
        "padrao": 1,
        "finalidade": 3,
        "juros": 0,
        "multa": 0,
    },
    {
        "id": 2101002,
        "descricao": "Boleto",
        "tipoPagamento": 15,
        "situacao": 1,
        "fixa": False,
        "padrao": 0,
        "finalidade": 3,
        "juros": 0,
        "multa": 0,
    },
    {
        "id": 2101003,
        "descricao": "PIX",
        "tipoPagamento": 17,
        "situacao": 1,
        "fixa": False,
        "padrao": 0,
        "finalidade": 3,
        "juros": 0,
        "multa": 0,
    },
    {
        "id": 2101004,
        "descricao": "Cartão de crédito",
        "tipoPagamento": 3,
        "situacao": 1,
        "fixa": False,
        "padrao": 0,
        "finalidade": 3,
        "juros": 0,
        "multa": 0,
    },
    {
        "id": 2101005,
        "descricao": "Cheque (inativa)",
        "tipoPagamento": 2,
        "situacao": 0,
        "fixa": False,
        "padrao": 0,
        "finalidade": 3,
        "juros": 0,
        "multa": 0,
    },
]
EMPRESA = {
    "id": "a3f1c2d4e5b60718",
    "nome": "Sandbox Pet Shop Ltda",
    "cnpj": "11.222.333/0001-81",
    "email": "contato@sandbox-petshop.example",
    "dataContrato": "2024-01-15",
}

# -- the wire error shape ------------------------------------------------------------------------


def _error(
    status: int, type_: str, message: str, description: str = "", fields: list | None = None
) -> Response:
    body: dict[str, Any] = {"type": type_, "message": message, "description": description or message}
    if fields is not None:
        body["fields"] = fields
    return Response(status, {"error": body})


def _field(
    element: str, msg: str, code: int = 1, namespace: str = "", collection: list | None = None
) -> dict:
    item = {"code": code, "msg": msg, "element": element, "namespace": namespace}
    if collection:
        item["collection"] = collection
    return item


def _invalid(message: str, fields: list[dict]) -> Response:
    return _error(400, "VALIDATION_ERROR", message, "Um ou mais campos estão inválidos.", fields)


def _not_found(what: str) -> Response:
    return _error(404, "RESOURCE_NOT_FOUND", "Recurso não encontrado", f"{what} não encontrado(a).")


def _data(payload: Any, status: int = 200) -> Response:
    return Response(status, {"data": payload})


def _no_content() -> Response:
    return Response(204, None)


RATE_LIMIT_BODY = {
    "error": {
        "type": "TOO_MANY_REQUESTS",
        "message": "Limite de requisições atingido.",
        "description": "O limite de requisições por segundo foi atingido, tente novamente mais tarde.",
        "limit": 3,
        "period": "second",
    }
}
HTML_ERROR_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    "<hr><center>nginx</center></body></html>"
)


class _Invalid(Exception):
    """Raised inside handlers: becomes a 400 VALIDATION_ERROR (or the given response)."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


# -- small helpers -------------------------------------------------------------------------------


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))


def _document_ok(doc: str, scheme) -> bool:
    """CPF/CNPJ check digits (python-stdnum's ``cpf`` or ``cnpj``). stdnum 1.19 accepts a number of
    one repeated digit (111.111.111-11), which Bling refuses."""
    return len(set(doc)) > 1 and scheme.is_valid(doc)


def _phone_ok(value: str) -> bool:
    digits = _digits(value)
    if len(digits) in (12, 13) and digits.startswith("55"):
        digits = digits[2:]
    if len(digits) not in (10, 11) or digits[0] == "0" or digits[1] == "0":
        return False
    return len(digits) == 10 or digits[2] == "9"


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ValueError(value) from None


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(value)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(value) from None


def _float(value: Decimal) -> float:
    return float(value.quantize(CENT, ROUND_HALF_UP))


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def _parse_filter(value: str, *, end: bool) -> dt.datetime:
    """A filter date: ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS`` in Brazil local time."""
    value = value.strip().replace("T", " ")
    if len(value) == 10:
        day = dt.date.fromisoformat(value)
        clock = dt.time(23, 59, 59) if end else dt.time(0, 0, 0)
        return dt.datetime.combine(day, clock, BRT)
    return dt.datetime.strptime(value[:19], STAMP_FORMAT).replace(tzinfo=BRT)


def _range(req: Request, start_name: str, end_name: str, default_days: int | None = None):
    """(start, end) of a date filter; raises _Invalid on bad dates or ranges over one year."""
    start_raw, end_raw = req.arg(start_name), req.arg(end_name)
    if not start_raw and not end_raw and default_days is None:
        return None
    try:
        end = _parse_filter(end_raw, end=True) if end_raw else now_brt()
        start = (
            _parse_filter(start_raw, end=False)
            if start_raw
            else (
                end - dt.timedelta(days=default_days) if default_days else dt.datetime(1970, 1, 1, tzinfo=BRT)
            )
        )
    except ValueError:
        raise _Invalid(
            _invalid("Filtro de data inválido", [_field(start_name, "Data inválida.", 3)])
        ) from None
    if (start_raw or default_days) and end - start > dt.timedelta(days=366):
        raise _Invalid(
            _invalid(
                "Período inválido",
                [_field(start_name, "O intervalo entre as datas não pode ser superior a 1 ano.", 4)],
            )
        )
    return start, end


def _page(req: Request, rows: list) -> list:
    try:
        page = max(1, int(req.arg("pagina", "1") or 1))
        limit = int(req.arg("limite", "100") or 100)
    except ValueError:
        raise _Invalid(_invalid("Paginação inválida", [_field("pagina", "Valor inválido.", 2)])) from None
    limit = max(1, min(limit, MAX_LIMIT))
    return rows[(page - 1) * limit : page * limit]


def _id(value: Any) -> int:
    if isinstance(value, dict):
        value = value.get("id")
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return -1


# -- the emulator ----------------------------------------------------------------------------------


class BlingEmulator(Emulator):
    name = "bling"
    prefix = "/bling/Api/v3"
    SEQUENCES = {
        "contato": 16000000000,
        "pedido": 17000000000,
        "item": 18000000000,
        "parcela": 18500000000,
        "conta": 19000000000,
        "nfe": 20000000000,
        "nfse": 21000000000,
        "produto": 15000000000,
        "numero": 0,
        "nfe_numero": 0,
        "grant": 0,
        "situacao": 716900,
    }
    ROUTES = Router(
        [
            ("GET", "/empresas/me/dados-basicos", "_empresa", "empresas"),
            ("GET", "/situacoes/modulos", "_modulos", "situacoes"),
            ("GET", "/situacoes/modulos/{id}", "_modulo", "situacoes"),
            ("GET", "/situacoes/{id}", "_situacao", "situacoes"),
            ("GET", "/formas-pagamentos", "_formas", "formas"),
            ("GET", "/contatos", "_contacts_list", "contatos"),
            ("POST", "/contatos", "_contact_create", "contatos"),
            ("GET", "/contatos/{id}", "_contact_get", "contatos"),
            ("PUT", "/contatos/{id}", "_contact_put", "contatos"),
            ("GET", "/produtos", "_products_list", "produtos"),
            ("POST", "/produtos", "_product_create", "produtos"),
            ("GET", "/produtos/{id}", "_product_get", "produtos"),
            ("GET", "/pedidos/vendas", "_orders_list", "pedidos"),
            ("POST", "/pedidos/vendas", "_order_create", "pedidos"),
            ("GET", "/pedidos/vendas/{id}", "_order_get", "pedidos"),
            ("PUT", "/pedidos/vendas/{id}", "_order_put", "pedidos"),
            ("DELETE", "/pedidos/vendas/{id}", "_order_delete", "pedidos"),
            ("PATCH", "/pedidos/vendas/{id}/situacoes/{id}", "_order_situacao", "pedidos"),
            ("POST", "/pedidos/vendas/{id}/lancar-estoque", "_stock_post", "pedidos"),
            ("POST", "/pedidos/vendas/{id}/lancar-estoque/{id}", "_stock_post", "pedidos"),
            ("POST", "/pedidos/vendas/{id}/estornar-estoque", "_stock_reverse", "pedidos"),
            ("POST", "/pedidos/vendas/{id}/lancar-contas", "_contas_post", "pedidos"),
            ("POST", "/pedidos/vendas/{id}/estornar-contas", "_contas_reverse", "pedidos"),
            ("POST", "/pedidos/vendas/{id}/gerar-nfe", "_gerar_nfe", "nfe"),
            ("GET", "/contas/receber", "_contas_list", "contas"),
            ("GET", "/contas/receber/{id}", "_conta_get", "contas"),
            ("POST", "/contas/receber/{id}/baixar", "_conta_baixar", "contas"),
            ("GET", "/nfe", "_nfe_list", "nfe"),
            ("GET", "/nfe/{id}", "_nfe_get", "nfe"),
            ("POST", "/nfe/{id}/enviar", "_nfe_send", "nfe"),
            ("GET", "/nfse/configuracoes", "_nfse_config", "nfse"),
            ("GET", "/nfse", "_nfse_list", "nfse"),
            ("POST", "/nfse", "_nfse_create", "nfse"),
            ("GET", "/nfse/{id}", "_nfse_get", "nfse"),
            ("POST", "/nfse/{id}/enviar", "_nfse_send", "nfse"),
            ("POST", "/nfse/{id}/cancelar", "_nfse_cancel", "nfse"),
        ]
    )

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.apps: dict[str, dict[str, Any]] = {
                DEFAULT_CLIENT_ID: {
                    "secret": DEFAULT_CLIENT_SECRET,
                    "redirect_uri": "",
                    "scopes": set(SCOPES),
                }
            }
            self.codes: dict[str, dict[str, Any]] = {}
            self.grants: dict[int, dict[str, Any]] = {}
            self.access_tokens: dict[str, dict[str, Any]] = {}
            self.refresh_tokens: dict[str, dict[str, Any]] = {}
            self.token_ttl = TOKEN_TTL
            self.token_calls: collections.deque[float] = collections.deque()
            self.oauth_stats = {
                "token_calls": 0,
                "code_exchanges": 0,
                "refreshes": 0,
                "invalid_grants": 0,
                "issued_by_control": 0,
            }
            self.rate = {"enabled": True, "max": 3, "period": 1.0}
            self.api_calls: collections.deque[float] = collections.deque()
            self.rate_limited = 0
            self.contacts: dict[int, dict[str, Any]] = {}
            self.orders: dict[int, dict[str, Any]] = {}
            self.meta: dict[int, dict[str, Any]] = {}
            self.contas: dict[int, dict[str, Any]] = {}
            self.nfes: dict[int, dict[str, Any]] = {}
            self.nfses: dict[int, dict[str, Any]] = {}
            self.produtos: dict[int, dict[str, Any]] = {}
            self.situacoes: dict[int, dict[str, Any]] = {
                sid: {
                    "id": sid,
                    "nome": nome,
                    "idHerdado": 0,
                    "cor": cor,
                    "valor": valor,
                    "modulo": VENDAS_MODULE,
                }
                for sid, nome, valor, cor in SEEDED_SITUACOES
            }
            self.rps_next = 1

    # -- server interface ------------------------------------------------------------------
    def fault_response(self, fault: str) -> Response:
        if fault == "rate_limit":
            return Response(429, RATE_LIMIT_BODY)
        if fault == "daily_quota":
            daily = "O limite diário de requisições foi atingido, tente novamente amanhã."
            return Response(
                429, {"error": dict(RATE_LIMIT_BODY["error"], description=daily, limit=120000, period="day")}
            )
        if fault == "forbidden":
            return _error(
                403, "FORBIDDEN", "Acesso negado", "O aplicativo não possui permissão para o escopo."
            )
        if fault == "server_error":
            return _error(
                500,
                "SERVER_ERROR",
                "Erro interno do servidor",
                "Ocorreu um erro inesperado. Tente novamente mais tarde.",
            )
        if fault == "html_error":
            return html(HTML_ERROR_PAGE, status=502)
        if fault == "outage":
            return _error(
                503,
                "SERVER_ERROR",
                "Serviço indisponível",
                "O serviço está temporariamente indisponível. Tente novamente mais tarde.",
            )
        return _error(500, "UNKNOWN_ERROR", "Erro desconhecido", fault)

    def revoke_credentials(self) -> None:
        """Revoke every grant: API calls answer 401 and refreshes ``invalid_grant`` until re-authorised."""
        with self.lock:
            for grant in self.grants.values():
                grant["revoked"] = True

    def handle(self, req: Request) -> Response:
        with self.lock:
            if req.path.startswith("/oauth/"):
                return self._oauth(req)
            limited = self._rate_limit()
            if limited:
                return limited
            app, error = self._authenticate(req)
            if error:
                return error
            found = self.ROUTES.find(req.method, req.path)
            if found:
                route, ids = found
                if route.scope not in app["scopes"]:
                    return _error(
                        403,
                        "FORBIDDEN",
                        "Acesso negado",
                        f'O aplicativo não possui permissão para o escopo "{SCOPE_LABELS[route.scope]}".',
                    )
                try:
                    return Router.call(self, route, req, ids)
                except _Invalid as exc:
                    return exc.response
                except ValueError as exc:  # JSON syntax
                    return _error(400, "INVALID_REQUEST_BODY", "Corpo da requisição inválido", str(exc)[:200])
            if self.ROUTES.knows(req.path):
                return _error(405, "METHOD_NOT_ALLOWED", "Método não permitido", f"{req.method} {req.path}")
            return _not_found("Recurso")

    # -- rate limit and authentication -----------------------------------------------------
    def _rate_limit(self) -> Response | None:
        if not self.rate["enabled"]:
            return None
        now = time.monotonic()
        period, limit = float(self.rate["period"]), int(self.rate["max"])
        while self.api_calls and now - self.api_calls[0] >= period:
            self.api_calls.popleft()
        if len(self.api_calls) >= limit:
            self.rate_limited += 1
            body = {"error": dict(RATE_LIMIT_BODY["error"], limit=limit)}
            return Response(429, body)
        self.api_calls.append(now)
        return None

    def _authenticate(self, req: Request) -> tuple[dict[str, Any], Response | None]:
        header = req.headers.get("authorization", "")
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            return {}, _error(401, "UNAUTHORIZED", "invalid_token", "Token de acesso não informado.")
        info = self.access_tokens.get(header[7:].strip())
        if info is None or self.grants[info["grant"]]["revoked"]:
            return {}, _error(401, "invalid_token", "invalid_token", "The access token provided is invalid")
        if info["expires"] <= time.time():
            return {}, _error(401, "invalid_token", "invalid_token", "The access token provided has expired")
        return self.apps.get(self.grants[info["grant"]]["client_id"], {"scopes": set()}), None

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

    # -- empresa, situações, formas ---------------------------------------------------------
    def _empresa(self, req: Request) -> Response:
        return _data(dict(EMPRESA))

    def _modulos(self, req: Request) -> Response:
        return _data([dict(m) for m in MODULES])

    def _modulo(self, req: Request, module_id: int) -> Response:
        if module_id not in {m["id"] for m in MODULES}:
            return _not_found("Módulo")
        return _data(
            [
                {k: s[k] for k in ("id", "nome", "idHerdado", "cor")}
                for s in self.situacoes.values()
                if s["modulo"] == module_id
            ]
        )

    def _situacao(self, req: Request, sit_id: int) -> Response:
        sit = self.situacoes.get(sit_id)
        if sit is None:
            return _not_found("Situação")
        return _data({k: sit[k] for k in ("id", "nome", "idHerdado", "cor")})

    def _formas(self, req: Request) -> Response:
        rows = [dict(f) for f in FORMAS]
        if req.arg("descricao"):
            rows = [f for f in rows if req.arg("descricao").lower() in f["descricao"].lower()]
        if req.arg("situacao") != "":
            rows = [f for f in rows if str(f["situacao"]) == req.arg("situacao")]
        return _data(_page(req, rows))

    # -- contatos ---------------------------------------------------------------------------
    def _contact_errors(self, body: dict[str, Any]) -> list[dict]:
        errors = []
        if not str(body.get("nome") or "").strip():
            errors.append(_field("nome", "O campo nome é obrigatório.", 1))
        tipo = body.get("tipo")
        if tipo not in ("F", "J", "E"):
            errors.append(_field("tipo", "O tipo de pessoa deve ser F, J ou E.", 2))
        if body.get("situacao", "A") not in ("A", "E", "I", "S"):
            errors.append(_field("situacao", "Situação do contato inválida.", 2))
        doc = _digits(body.get("numeroDocumento"))
        if tipo == "F" and doc and not _document_ok(doc, cpf):
            errors.append(_field("numeroDocumento", "O campo CPF é inválido", 10))
        if tipo == "J" and doc and not _document_ok(doc, cnpj):
            errors.append(_field("numeroDocumento", "O campo CNPJ é inválido", 10))
        indicador = body.get("indicadorIe")
        if indicador not in (None, "", 1, 2, 9):
            errors.append(_field("indicadorIe", "Indicador de IE inválido.", 11))
        ie = str(body.get("ie") or "").strip()
        if indicador == 1 and (not ie or ie.upper() == "ISENTO"):
            errors.append(_field("ie", "Para contribuintes do ICMS é obrigatória a informação da IE", 12))
        for name, label in (("telefone", "Telefone"), ("celular", "Celular")):
            if body.get(name) and not _phone_ok(str(body[name])):
                errors.append(_field(name, f"É necessário preencher corretamente o campo {label}", 13))
        email = str(body.get("email") or "")
        if email and not re.fullmatch(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+", email):
            errors.append(_field("email", "O e-mail informado é inválido.", 14))
        endereco = (body.get("endereco") or {}).get("geral") or {}
        if endereco.get("cep") and len(_digits(endereco["cep"])) != 8:
            errors.append(_field("cep", "O CEP informado é inválido.", 15))
        elif endereco.get("cep") and not cep_exists(_digits(endereco["cep"])):
            errors.append(_field("cep", "O CEP informado não existe na base dos Correios.", 15))
        if endereco.get("uf") and not re.fullmatch(r"[A-Za-z]{2}", str(endereco["uf"])):
            errors.append(_field("uf", "A UF informada é inválida.", 16))
        return errors

    def _contact_store(self, cid: int, body: dict[str, Any]) -> dict[str, Any]:
        geral = dict((body.get("endereco") or {}).get("geral") or {})
        contact = {
            "id": cid,
            "nome": str(body.get("nome") or "").strip(),
            "codigo": str(body.get("codigo") or ""),
            "situacao": body.get("situacao") or "A",
            "numeroDocumento": str(body.get("numeroDocumento") or ""),
            "telefone": str(body.get("telefone") or ""),
            "celular": str(body.get("celular") or ""),
            "fantasia": str(body.get("fantasia") or ""),
            "tipo": body.get("tipo"),
            "indicadorIe": body.get("indicadorIe") or 9,
            "ie": str(body.get("ie") or ""),
            "rg": str(body.get("rg") or ""),
            "inscricaoMunicipal": str(body.get("inscricaoMunicipal") or ""),
            "orgaoEmissor": str(body.get("orgaoEmissor") or ""),
            "email": str(body.get("email") or ""),
            "emailNotaFiscal": str(body.get("emailNotaFiscal") or ""),
            "orgaoPublico": body.get("orgaoPublico") or "N",
            "endereco": {
                "geral": {
                    k: str(geral.get(k) or "")
                    for k in ("endereco", "cep", "bairro", "municipio", "uf", "numero", "complemento")
                },
                "cobranca": {
                    k: str(((body.get("endereco") or {}).get("cobranca") or {}).get(k) or "")
                    for k in ("endereco", "cep", "bairro", "municipio", "uf", "numero", "complemento")
                },
            },
            "vendedor": {"id": _id(body.get("vendedor"))},
            "dadosAdicionais": dict(
                body.get("dadosAdicionais")
                or {"naturalidade": ""}  # no empty date or sexo: not in their formats
            ),
            "financeiro": dict(
                body.get("financeiro")
                or {"limiteCredito": 0, "condicaoPagamento": "", "categoria": {"id": 0}}
            ),
            "pais": dict(body.get("pais") or {"nome": ""}),
            "tiposContato": list(body.get("tiposContato") or []),
            "pessoasContato": list(body.get("pessoasContato") or []),
        }
        self.contacts[cid] = contact
        return contact

    def _contact_create(self, req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict) or not body:
            return _error(
                400, "EMPTY_REQUEST_BODY", "Corpo da requisição vazio", "Informe os dados do contato."
            )
        errors = self._contact_errors(body)
        if errors:
            return _invalid("Não foi possível salvar o contato", errors)
        contact = self._contact_store(self._next("contato"), body)
        return _data({"id": contact["id"]}, 201)

    def _contacts_list(self, req: Request) -> Response:
        criterio = req.arg("criterio", "3") or "3"
        contacts = sorted(self.contacts.values(), key=lambda c: c["id"])
        if criterio == "1":
            rows = [c for c in contacts if c["situacao"] != "E"]
        elif criterio == "2":
            rows = [c for c in contacts if c["situacao"] == "E"]
        elif criterio == "3":  # the default: only the last contacts included
            rows = [c for c in contacts if c["situacao"] != "E"][-LAST_INCLUDED:]
        elif criterio == "4":
            with_orders = {o["contato"]["id"] for o in self.orders.values()}
            rows = [c for c in contacts if c["situacao"] != "E" and c["id"] not in with_orders]
        else:
            raise _Invalid(_invalid("Critério inválido", [_field("criterio", "Critério inválido.", 2)]))
        doc = _digits(req.arg("numeroDocumento"))
        if doc:
            rows = [c for c in rows if _digits(c["numeroDocumento"]) == doc]
        if req.arg("pesquisa"):
            term = req.arg("pesquisa").lower()
            rows = [
                c
                for c in rows
                if term
                in " ".join(
                    (
                        c["nome"],
                        c["numeroDocumento"],
                        _digits(c["numeroDocumento"]),
                        c["fantasia"],
                        c["email"],
                        c["codigo"],
                    )
                ).lower()
            ]
        ids = {_id(v) for v in req.args("idsContatos")}
        if ids:
            rows = [c for c in rows if c["id"] in ids]
        if req.arg("tipoPessoa"):
            tipo = {"1": "F", "2": "J", "3": "E"}.get(req.arg("tipoPessoa"))
            rows = [c for c in rows if c["tipo"] == tipo]
        rows = sorted(rows, key=lambda c: c["id"], reverse=True)
        keys = ("id", "nome", "codigo", "situacao", "numeroDocumento", "telefone", "celular")
        return _data([{k: c[k] for k in keys} for c in _page(req, rows)])

    def _contact_get(self, req: Request, cid: int) -> Response:
        contact = self.contacts.get(cid)
        return _data(_copy(contact)) if contact else _not_found("Contato")

    def _contact_put(self, req: Request, cid: int) -> Response:
        if cid not in self.contacts:
            return _not_found("Contato")
        body = req.json()
        if not isinstance(body, dict) or not body:
            return _error(
                400, "EMPTY_REQUEST_BODY", "Corpo da requisição vazio", "Informe os dados do contato."
            )
        errors = self._contact_errors(body)
        if errors:
            return _invalid("Não foi possível salvar o contato", errors)
        self._contact_store(cid, body)
        return _no_content()

    # -- produtos ---------------------------------------------------------------------------
    def _product_create(self, req: Request) -> Response:
        body = req.json() or {}
        errors = []
        if not str(body.get("nome") or "").strip():
            errors.append(_field("nome", "O nome do produto é obrigatório.", 1))
        if body.get("tipo") not in ("P", "S", "N"):
            errors.append(_field("tipo", "Tipo do produto inválido.", 2))
        if body.get("situacao") not in ("A", "I"):
            errors.append(_field("situacao", "Situação do produto inválida.", 2))
        if body.get("formato") not in ("S", "V", "E"):
            errors.append(_field("formato", "Formato do produto inválido.", 2))
        codigo = str(body.get("codigo") or "")
        if codigo and any(p["codigo"] == codigo for p in self.produtos.values()):
            errors.append(_field("codigo", "Já existe um produto com este código.", 5))
        if errors:
            return _invalid("Não foi possível salvar o produto", errors)
        pid = self._next("produto")
        self.produtos[pid] = {
            "id": pid,
            "idProdutoPai": 0,
            "nome": body["nome"],
            "codigo": codigo,
            "preco": float(body.get("preco") or 0),
            "precoCusto": 0,
            "tipo": body["tipo"],
            "situacao": body["situacao"],
            "formato": body["formato"],
            "descricaoCurta": "",
            "imagemURL": "",
            "unidade": str(body.get("unidade") or "UN"),
            "estoque": {
                "saldoVirtualTotal": float((body.get("estoque") or {}).get("saldoVirtualTotal") or 0)
            },
        }
        return _data({"id": pid}, 201)

    def _products_list(self, req: Request) -> Response:
        rows = sorted(self.produtos.values(), key=lambda p: p["id"], reverse=True)
        codes = set(req.args("codigos"))
        if codes:
            rows = [p for p in rows if p["codigo"] in codes]
        ids = {_id(v) for v in req.args("idsProdutos")}
        if ids:
            rows = [p for p in rows if p["id"] in ids]
        if req.arg("nome"):
            rows = [p for p in rows if req.arg("nome").lower() in p["nome"].lower()]
        if req.arg("tipo") in ("P", "S"):
            rows = [p for p in rows if p["tipo"] == req.arg("tipo")]
        keys = (
            "id",
            "idProdutoPai",
            "nome",
            "codigo",
            "preco",
            "precoCusto",
            "estoque",
            "tipo",
            "situacao",
            "formato",
            "descricaoCurta",
            "imagemURL",
        )
        return _data([{k: _copy(p[k]) for k in keys} for p in _page(req, rows)])

    def _product_get(self, req: Request, pid: int) -> Response:
        product = self.produtos.get(pid)
        return _data(_copy(product)) if product else _not_found("Produto")

    # -- pedidos de venda -------------------------------------------------------------------
    def _order_from_body(self, body: Any, oid: int, previous: dict[str, Any] | None) -> dict[str, Any]:
        """Validate a POST/PUT body and build the stored order; raises _Invalid."""
        if not isinstance(body, dict) or not body:
            raise _Invalid(
                _error(400, "EMPTY_REQUEST_BODY", "Corpo da requisição vazio", "Informe os dados da venda.")
            )
        errors: list[dict] = []
        contact = self.contacts.get(_id(body.get("contato")))
        if contact is None:
            errors.append(_field("contato", "O contato informado não foi encontrado.", 20, "VENDAS"))
        dates = self._order_dates(body, errors)
        numero_loja = body.get("numeroLoja", "")
        if numero_loja is not None and not isinstance(numero_loja, str):
            errors.append(_field("numeroLoja", "O número do pedido na loja deve ser um texto.", 23, "VENDAS"))
        numero = self._order_number(body, oid, errors)
        itens, total_produtos = self._order_items(body.get("itens"), errors)
        try:
            desconto = body.get("desconto") or {}
            discount_value = _money(desconto.get("valor") or 0)
            if desconto.get("unidade") == "PERCENTUAL":
                discount_value = (total_produtos * discount_value / 100).quantize(CENT, ROUND_HALF_UP)
            outras = _money(body.get("outrasDespesas") or 0)
            frete = _money((body.get("transporte") or {}).get("frete") or 0)
        except (ValueError, AttributeError):
            errors.append(_field("desconto", "Valores da venda inválidos.", 36, "VENDAS"))
            discount_value = outras = frete = Decimal("0")
        total = total_produtos - discount_value + outras + frete
        if "parcelas" not in body:  # required by the OpenAPI (VendasDadosDTO), on POST and PUT
            errors.append(_field("parcelas", "As parcelas da venda devem ser informadas.", 48, "VENDAS"))
        parcelas = self._order_parcelas(body.get("parcelas") or [], total, errors)
        situacao_id = _id(body.get("situacao"))
        if situacao_id and self.situacoes.get(situacao_id, {}).get("modulo") != VENDAS_MODULE:
            errors.append(_field("situacao", "Situação inválida para o módulo de vendas.", 26, "VENDAS"))
        note_id = _id(body.get("notaFiscal"))
        if note_id and note_id not in self.nfes and note_id not in self.nfses:
            errors.append(_field("notaFiscal", "Nota fiscal não encontrada.", 27, "VENDAS"))
        if errors or contact is None:
            raise _Invalid(_invalid("Não foi possível salvar a venda", errors))
        if previous is not None:
            numero = numero or previous["numero"]
            situacao_id = situacao_id or previous["situacao"]["id"]
            note_id = note_id or previous["notaFiscal"]["id"]
        else:
            numero = numero or max([o["numero"] for o in self.orders.values()] + [0]) + 1
            situacao_id = situacao_id or SIT_OPEN
        return {
            "id": oid,
            "numero": numero,
            "numeroLoja": numero_loja or "",
            "data": dates.get("data", ""),
            "dataSaida": dates.get("dataSaida", dates.get("data", "")),
            "dataPrevista": dates.get("dataPrevista", dates.get("data", "")),
            "totalProdutos": _float(total_produtos),
            "total": _float(total),
            "contato": {
                "id": contact["id"],
                "nome": contact["nome"],
                "tipoPessoa": contact["tipo"],
                "numeroDocumento": contact["numeroDocumento"],
            },
            "situacao": {"id": situacao_id, "valor": self.situacoes[situacao_id]["valor"]},
            "loja": {"id": _id(body.get("loja")), "unidadeNegocio": {"id": 0}},
            "numeroPedidoCompra": str(body.get("numeroPedidoCompra") or ""),
            "outrasDespesas": _float(outras),
            "observacoes": str(body.get("observacoes") or ""),
            "observacoesInternas": str(body.get("observacoesInternas") or ""),
            "desconto": {"valor": _float(discount_value), "unidade": "REAL"},
            "categoria": {"id": _id(body.get("categoria"))},
            "notaFiscal": {"id": note_id},
            "tributacao": {"totalICMS": 0, "totalIPI": 0},
            "itens": itens,
            "parcelas": parcelas,
            "transporte": {
                "fretePorConta": 0,
                "frete": _float(frete),
                "quantidadeVolumes": 0,
                "pesoBruto": 0,
                "prazoEntrega": 0,
                "contato": {"id": 0, "nome": ""},
                "etiqueta": {},
                "volumes": [],
            },
            "vendedor": {"id": _id(body.get("vendedor"))},
            "intermediador": {"cnpj": "", "nomeUsuario": ""},
            "taxas": {"taxaComissao": 0, "custoFrete": 0, "valorBase": 0},
        }

    @staticmethod
    def _order_dates(body: dict[str, Any], errors: list[dict]) -> dict[str, str]:
        dates = {}
        for name in ("data", "dataSaida", "dataPrevista"):
            raw = body.get(name)
            if not raw:
                if name == "data":
                    errors.append(_field("data", "A data da venda deve ser informada.", 21, "VENDAS"))
                continue
            try:
                dates[name] = _date(raw).isoformat()
            except ValueError:
                errors.append(_field(name, "Data inválida.", 22, "VENDAS"))
        return dates

    def _order_number(self, body: dict[str, Any], oid: int, errors: list[dict]) -> int | None:
        numero = body.get("numero")
        if numero in (None, "", 0):
            return None
        try:
            numero = int(numero)
        except (TypeError, ValueError):
            errors.append(_field("numero", "Número da venda inválido.", 24, "VENDAS"))
            return None
        if any(o["numero"] == numero and o["id"] != oid for o in self.orders.values()):
            errors.append(_field("numero", f"Já existe uma venda com o número {numero}.", 25, "VENDAS"))
        return numero

    def _order_items(self, itens_in: Any, errors: list[dict]) -> tuple[list[dict[str, Any]], Decimal]:
        if not isinstance(itens_in, list) or not itens_in:
            errors.append(_field("itens", "A venda deve possuir ao menos um item.", 30, "VENDAS"))
            return [], Decimal("0")
        itens: list[dict[str, Any]] = []
        problems: list[dict] = []
        total = Decimal("0")

        def problem(index: int, code: int, element: str, msg: str) -> None:
            problems.append(
                {"index": index, "code": code, "msg": msg, "element": element, "namespace": "VENDAS"}
            )

        for index, raw in enumerate(itens_in):
            item = raw if isinstance(raw, dict) else {}
            try:
                qty = _number(item.get("quantidade"))
                price = _number(item.get("valor"))
                discount = _number(item.get("desconto") or 0)
            except ValueError:
                problem(index, 31, "quantidade", "Quantidade, valor ou desconto do item inválido.")
                continue
            if qty <= 0:
                problem(index, 31, "quantidade", "A quantidade do item deve ser maior que zero.")
                continue
            if price < 0 or not 0 <= discount <= 100:
                problem(index, 32, "valor", "O valor ou o desconto do item é inválido.")
                continue
            if not str(item.get("descricao") or "").strip():
                problem(index, 34, "descricao", "A descrição do item deve ser informada.")
                continue
            product_id = _id(item.get("produto"))
            if product_id and product_id not in self.produtos:
                problem(index, 35, "produto", "Produto não encontrado.")
                continue
            total += (qty * price * (Decimal(100) - discount) / Decimal(100)).quantize(CENT, ROUND_HALF_UP)
            itens.append(
                {
                    "id": self._next("item"),
                    "codigo": str(item.get("codigo") or ""),
                    "unidade": str(item.get("unidade") or "UN"),
                    "quantidade": float(qty),
                    "desconto": float(discount),
                    "valor": float(price),
                    "aliquotaIPI": float(item.get("aliquotaIPI") or 0),
                    "descricao": str(item["descricao"]).strip(),
                    "descricaoDetalhada": str(item.get("descricaoDetalhada") or ""),
                    "produto": {"id": product_id},
                    "comissao": {"base": 0, "aliquota": 0, "valor": 0},
                    "naturezaOperacao": {"id": _id(item.get("naturezaOperacao"))},
                }
            )
        if problems:
            errors.append(
                _field(
                    "itens", "Um ou mais itens da venda possuem erros de validação", 30, "VENDAS", problems
                )
            )
        return itens, total

    def _order_parcelas(self, parcelas_in: Any, total: Decimal, errors: list[dict]) -> list[dict[str, Any]]:
        parcelas: list[dict[str, Any]] = []
        problems: list[dict] = []
        parcel_sum = Decimal("0")
        active_formas = {f["id"]: f for f in FORMAS if f["situacao"] == 1}

        def problem(index: int, code: int, element: str, msg: str) -> None:
            problems.append(
                {"index": index, "code": code, "msg": msg, "element": element, "namespace": "VENDAS"}
            )

        for index, raw in enumerate(parcelas_in if isinstance(parcelas_in, list) else []):
            parcela = raw if isinstance(raw, dict) else {}
            try:
                due = _date(parcela.get("dataVencimento")).isoformat()
            except (ValueError, TypeError):
                problem(index, 11, "dataVencimento", "Data de vencimento inválida.")
                continue
            try:
                value = _money(parcela.get("valor"))
            except ValueError:
                value = Decimal("0")
            if value <= 0:
                problem(index, 13, "valor", "Valor da parcela inválido.")
                continue
            forma = active_formas.get(_id(parcela.get("formaPagamento")))
            if forma is None:
                problem(index, 12, "formaPagamento", "Id da forma de pagamento inválido.")
                continue
            parcel_sum += value
            parcelas.append(
                {
                    "id": self._next("parcela"),
                    "dataVencimento": due,
                    "valor": float(value),
                    "observacoes": str(parcela.get("observacoes") or ""),
                    "caut": "",
                    "formaPagamento": {"id": forma["id"]},
                }
            )
        if problems:
            errors.append(
                _field(
                    "parcelas",
                    "Uma ou mais parcelas da venda possuem erros de validação",
                    49,
                    "VENDAS",
                    problems,
                )
            )
        elif parcelas and parcel_sum != total and not errors:
            errors.append(
                _field(
                    "parcelas",
                    f"A soma das parcelas ({parcel_sum:.2f}) difere do total da venda ({total:.2f}).",
                    50,
                    "VENDAS",
                )
            )
        return parcelas

    def _order_create(self, req: Request) -> Response:
        oid = self._next("pedido")
        order = self._order_from_body(req.json(), oid, None)
        self.orders[oid] = order
        now = now_brt()
        self.meta[oid] = {
            "created": now,
            "updated": now,
            "stock_posted": False,
            "stock_postings": 0,
            "stock_reversals": 0,
            "contas_lancadas": False,
        }
        return _data({"id": oid, "alertas": [], "rastreamento": {}}, 201)

    def _order_or_404(self, oid: int) -> dict[str, Any]:
        order = self.orders.get(oid)
        if order is None:
            raise _Invalid(_not_found("Pedido de venda"))
        return order

    def _touch(self, oid: int) -> None:
        self.meta[oid]["updated"] = now_brt()

    def _order_get(self, req: Request, oid: int) -> Response:
        return _data(_copy(self._order_or_404(oid)))

    def _order_put(self, req: Request, oid: int) -> Response:
        previous = self._order_or_404(oid)
        self.orders[oid] = self._order_from_body(req.json(), oid, previous)
        self._touch(oid)
        return _data({"id": oid, "alertas": []})

    def _order_delete(self, req: Request, oid: int) -> Response:
        self._order_or_404(oid)
        if any(c["origem"]["id"] == oid for c in self.contas.values()):
            return _invalid(
                "Não foi possível excluir a venda",
                [
                    _field(
                        "contas",
                        "A venda contém contas a receber. Estorne as contas antes de excluí-la.",
                        60,
                        "VENDAS",
                    )
                ],
            )
        del self.orders[oid]
        self.meta.pop(oid, None)
        return _no_content()

    def _order_situacao(self, req: Request, oid: int, sit_id: int) -> Response:
        order = self._order_or_404(oid)
        sit = self.situacoes.get(sit_id)
        if sit is None or sit["modulo"] != VENDAS_MODULE:
            return _not_found("Situação")
        if sit["valor"] == 2 and self._authorised_note(order):
            return _invalid(
                "Não foi possível alterar a situação da venda",
                [
                    _field(
                        "situacao",
                        "A venda possui nota fiscal autorizada. Cancele a nota fiscal antes de "
                        "cancelar a venda.",
                        61,
                        "VENDAS",
                    )
                ],
            )
        if order["situacao"]["id"] != sit_id:
            order["situacao"] = {"id": sit_id, "valor": sit["valor"]}
            self._touch(oid)
        return _no_content()

    def _authorised_note(self, order: dict[str, Any]) -> bool:
        note_id = order["notaFiscal"]["id"]
        if note_id in self.nfes:
            return self.nfes[note_id]["situacao"] in (5, 6, 7)
        if note_id in self.nfses:
            return self.nfses[note_id]["situacao"] in (1, 2)
        return False

    def _stock_post(self, req: Request, oid: int, deposit: int = 0) -> Response:
        order = self._order_or_404(oid)
        meta = self.meta[oid]
        if meta["stock_posted"]:
            return _invalid(
                "Não foi possível lançar o estoque",
                [_field("estoque", "O estoque desta venda já foi lançado.", 70, "VENDAS")],
            )
        for item in order["itens"]:
            product = self.produtos.get(item["produto"]["id"])
            if product is not None:
                product["estoque"]["saldoVirtualTotal"] -= item["quantidade"]
        meta["stock_posted"] = True
        meta["stock_postings"] += 1
        return _no_content()

    def _stock_reverse(self, req: Request, oid: int) -> Response:
        order = self._order_or_404(oid)
        meta = self.meta[oid]
        if not meta["stock_posted"]:
            return _invalid(
                "Não foi possível estornar o estoque",
                [_field("estoque", "O estoque desta venda não foi lançado.", 71, "VENDAS")],
            )
        for item in order["itens"]:
            product = self.produtos.get(item["produto"]["id"])
            if product is not None:
                product["estoque"]["saldoVirtualTotal"] += item["quantidade"]
        meta["stock_posted"] = False
        meta["stock_reversals"] += 1
        return _no_content()

    def _contas_post(self, req: Request, oid: int) -> Response:
        self._order_or_404(oid)
        if self.meta[oid]["contas_lancadas"]:
            return _invalid(
                "Não foi possível lançar as contas",
                [_field("contas", "As contas desta venda já foram lançadas.", 72, "VENDAS")],
            )
        self._launch_contas(oid)
        return _no_content()

    def _launch_contas(self, oid: int) -> None:
        order = self.orders[oid]
        contact = self.contacts.get(order["contato"]["id"], {})
        parcelas = order["parcelas"] or [
            {
                "dataVencimento": order["data"],
                "valor": order["total"],
                "formaPagamento": {"id": FORMAS[0]["id"]},
            }
        ]
        for parcela in parcelas:
            cid = self._next("conta")
            forma = next((f for f in FORMAS if f["id"] == parcela["formaPagamento"]["id"]), FORMAS[0])
            self.contas[cid] = {
                "id": cid,
                "situacao": 1,
                "vencimento": parcela["dataVencimento"],
                "valor": parcela["valor"],
                "idTransacao": "",
                "linkQRCodePix": "",
                "linkBoleto": "",
                "dataEmissao": order["data"],
                "contato": {
                    "id": order["contato"]["id"],
                    "nome": contact.get("nome", ""),
                    "numeroDocumento": contact.get("numeroDocumento", ""),
                    "tipo": contact.get("tipo", ""),
                },
                "formaPagamento": {"id": forma["id"], "codigoFiscal": forma["tipoPagamento"]},
                "contaContabil": {"id": 0, "descricao": ""},
                "origem": {
                    "id": oid,
                    "tipoOrigem": "venda",
                    "numero": str(order["numero"]),
                    "dataEmissao": order["data"],
                    "valor": order["total"],
                    "situacao": 0,
                    "url": "",
                },
                "_recebimento": None,
            }
        self.meta[oid]["contas_lancadas"] = True

    def _contas_reverse(self, req: Request, oid: int) -> Response:
        self._order_or_404(oid)
        if not self.meta[oid]["contas_lancadas"]:
            return _invalid(
                "Não foi possível estornar as contas",
                [_field("contas", "As contas desta venda não foram lançadas.", 73, "VENDAS")],
            )
        mine = [c for c in self.contas.values() if c["origem"]["id"] == oid]
        if any(c["situacao"] in (2, 3, 7) for c in mine):
            return _invalid(
                "Não foi possível estornar as contas",
                [_field("contas", "Não é possível estornar contas que já foram recebidas.", 74, "VENDAS")],
            )
        for conta in mine:
            del self.contas[conta["id"]]
        self.meta[oid]["contas_lancadas"] = False
        return _no_content()

    def _orders_list(self, req: Request) -> Response:
        rows = list(self.orders.values())
        lojas = req.args("numerosLojas")
        if lojas:
            rows = [o for o in rows if o["numeroLoja"] in lojas]
        if req.arg("numero"):
            rows = [o for o in rows if str(o["numero"]) == req.arg("numero")]
        if req.arg("idContato"):
            rows = [o for o in rows if str(o["contato"]["id"]) == req.arg("idContato")]
        situacoes = {_id(v) for v in req.args("idsSituacoes")}
        if situacoes:
            rows = [o for o in rows if o["situacao"]["id"] in situacoes]
        if req.arg("idLoja"):
            rows = [o for o in rows if str(o["loja"]["id"]) == req.arg("idLoja")]
        window = _range(req, "dataInicial", "dataFinal")
        if window:
            rows = [o for o in rows if window[0].date() <= _date(o["data"]) <= window[1].date()]
        window = _range(req, "dataAlteracaoInicial", "dataAlteracaoFinal")
        if window:
            rows = [o for o in rows if window[0] <= self.meta[o["id"]]["updated"] <= window[1]]
        rows.sort(key=lambda o: o["id"], reverse=True)
        keys = (
            "id",
            "numero",
            "numeroLoja",
            "data",
            "dataSaida",
            "dataPrevista",
            "totalProdutos",
            "total",
            "contato",
            "situacao",
            "loja",
        )
        return _data([{k: _copy(o[k]) for k in keys} for o in _page(req, rows)])

    # -- contas a receber --------------------------------------------------------------------
    def _contas_list(self, req: Request) -> Response:
        rows = sorted(self.contas.values(), key=lambda c: c["id"], reverse=True)
        situacoes = {_id(v) for v in req.args("situacoes")}
        if situacoes:
            rows = [c for c in rows if c["situacao"] in situacoes]
        if req.arg("idContato"):
            rows = [c for c in rows if str(c["contato"]["id"]) == req.arg("idContato")]
        if req.arg("idFormaPagamento"):
            rows = [c for c in rows if str(c["formaPagamento"]["id"]) == req.arg("idFormaPagamento")]
        kind = req.arg("tipoFiltroData", "E") or "E"
        if kind not in ("E", "V", "R"):
            raise _Invalid(_invalid("Filtro inválido", [_field("tipoFiltroData", "Use E, V ou R.", 2)]))
        start, end = _range(req, "dataInicial", "dataFinal", default_days=365)
        field = {"E": "dataEmissao", "V": "vencimento", "R": "_recebimento"}[kind]
        rows = [c for c in rows if c[field] and start.date() <= _date(c[field]) <= end.date()]
        return _data([_public(c) for c in _page(req, rows)])

    def _conta_get(self, req: Request, cid: int) -> Response:
        conta = self.contas.get(cid)
        return (
            _data(_public(conta) | {"saldo": 0 if conta["situacao"] == 2 else conta["valor"]})
            if conta
            else _not_found("Conta a receber")
        )

    def _conta_baixar(self, req: Request, cid: int) -> Response:
        conta = self.contas.get(cid)
        if conta is None:
            return _not_found("Conta a receber")
        body = req.json() or {}
        try:
            when = _date(body.get("data")).isoformat()
        except (ValueError, TypeError):
            return _invalid("Não foi possível baixar a conta", [_field("data", "Data inválida.", 80)])
        conta["situacao"], conta["_recebimento"] = 2, when
        return _data({"bordero": {"id": self._next("conta")}}, 201)

    # -- NF-e --------------------------------------------------------------------------------
    def _gerar_nfe(self, req: Request, oid: int) -> Response:
        order = self._order_or_404(oid)
        current = self.nfes.get(order["notaFiscal"]["id"])
        if current is not None and current["situacao"] != 2:
            return _invalid(
                "Não foi possível gerar a nota fiscal",
                [_field("notaFiscal", "Já existe uma nota fiscal gerada para esta venda.", 90, "NFE")],
            )
        contact = self.contacts[order["contato"]["id"]]
        geral = contact["endereco"]["geral"]
        missing = [k for k in ("endereco", "bairro", "municipio") if not geral.get(k)]
        if missing:
            return _invalid(
                "Não foi possível gerar a nota fiscal",
                [
                    _field(k, f"O campo {k} do endereço do destinatário é obrigatório.", 91, "NFE")
                    for k in missing
                ],
            )
        nid = self._create_nfe(oid)
        return Response(201, {"idNotaFiscal": nid})

    def _create_nfe(self, oid: int) -> int:
        order = self.orders[oid]
        contact = self.contacts[order["contato"]["id"]]
        nid = self._next("nfe")
        now = now_brt()
        self.nfes[nid] = {
            "id": nid,
            "tipo": 1,
            "situacao": 1,
            "numero": f"{self._next('nfe_numero'):06d}",
            "dataEmissao": stamp(now),
            "dataOperacao": stamp(now),
            "chaveAcesso": "",
            "contato": {
                "id": contact["id"],
                "nome": contact["nome"],
                "numeroDocumento": contact["numeroDocumento"],
                "ie": contact["ie"],
                "rg": "",
                "telefone": contact["telefone"],
                "email": contact["email"],
                "endereco": {
                    k: contact["endereco"]["geral"][k]
                    for k in ("endereco", "numero", "complemento", "bairro", "cep", "municipio", "uf")
                },
            },
            "naturezaOperacao": {"id": 0},
            "loja": {"id": order["loja"]["id"]},
            "serie": 1,
            "valorNota": order["total"],
            "valorFrete": 0,
            "xml": "",
            "linkDanfe": "",
            "linkPDF": "",
            "optanteSimplesNacional": True,
            "numeroPedidoLoja": order["numeroLoja"],
            "itens": [
                {
                    "codigo": i["codigo"],
                    "descricao": i["descricao"],
                    "unidade": i["unidade"],
                    "quantidade": i["quantidade"],
                    "valor": i["valor"],
                    "tipo": "P",
                }
                for i in order["itens"]
            ],
            "_pedido": oid,
        }
        order["notaFiscal"] = {"id": nid}
        self._touch(oid)
        return nid

    def _authorise_nfe(self, nid: int) -> None:
        note = self.nfes[nid]
        note["situacao"] = 5
        note["chaveAcesso"] = (
            "35"
            + now_brt().strftime("%y%m")
            + _digits(EMPRESA["cnpj"])
            + "55001"
            + note["numero"].zfill(9)
            + "1"
            + f"{nid % 100000000:08d}"
            + "0"
        )
        note["linkDanfe"] = f"https://sandbox.invalid/danfe/{nid}"
        note["xml"] = f"https://sandbox.invalid/xml/{nid}"

    def _nfe_list(self, req: Request) -> Response:
        rows = sorted(self.nfes.values(), key=lambda n: n["id"], reverse=True)
        if req.arg("situacao"):
            rows = [n for n in rows if str(n["situacao"]) == req.arg("situacao")]
        else:  # cancelled notes only show when asked for
            rows = [n for n in rows if n["situacao"] != 2]
        if req.arg("numeroLoja"):
            rows = [n for n in rows if n["numeroPedidoLoja"] == req.arg("numeroLoja")]
        if req.arg("numero"):
            rows = [n for n in rows if n["numero"].lstrip("0") == req.arg("numero").lstrip("0")]
        if req.arg("tipo"):
            rows = [n for n in rows if str(n["tipo"]) == req.arg("tipo")]
        window = _range(req, "dataEmissaoInicial", "dataEmissaoFinal")
        if window:
            rows = [n for n in rows if window[0] <= _parse_filter(n["dataEmissao"], end=False) <= window[1]]
        keys = (
            "id",
            "tipo",
            "situacao",
            "numero",
            "dataEmissao",
            "dataOperacao",
            "chaveAcesso",
            "contato",
            "naturezaOperacao",
            "loja",
        )
        return _data([{k: _copy(n[k]) for k in keys} for n in _page(req, rows)])

    def _nfe_get(self, req: Request, nid: int) -> Response:
        note = self.nfes.get(nid)
        return _data(_public(note)) if note else _not_found("Nota fiscal")

    def _nfe_send(self, req: Request, nid: int) -> Response:
        note = self.nfes.get(nid)
        if note is None:
            return _not_found("Nota fiscal")
        if note["situacao"] in (5, 6, 7):
            return _invalid(
                "Não foi possível enviar a nota fiscal",
                [_field("situacao", "A nota fiscal já foi autorizada.", 92, "NFE")],
            )
        if note["situacao"] == 2:
            return _invalid(
                "Não foi possível enviar a nota fiscal",
                [_field("situacao", "A nota fiscal está cancelada.", 93, "NFE")],
            )
        self._authorise_nfe(nid)
        return _data({"xml": f'<nfeProc><NFe><infNFe Id="NFe{note["chaveAcesso"]}"/></NFe></nfeProc>'})

    # -- NFS-e -------------------------------------------------------------------------------
    def _nfse_config(self, req: Request) -> Response:
        """Unwrapped as in the OpenAPI (``ConfiguracaoNotaServicoDadosBaseDTO``); ``numero``: the next RPS."""
        rps = {"cnpjEmitente": EMPRESA["cnpj"], "id": 1, "numero": self.rps_next, "serie": 1}
        return Response(200, {"controle": {"numeracaoRPS": rps}})

    def _nfse_create(self, req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict) or not body:
            return _error(400, "EMPTY_REQUEST_BODY", "Corpo da requisição vazio", "Informe os dados da nota.")
        errors = []
        contato = body.get("contato") or {}
        contact = self.contacts.get(_id(contato))
        if contact is None:
            errors.append(_field("contato", "O tomador informado não foi encontrado.", 100, "NFSE"))
        else:
            email = contato.get("email") or contact["email"]
            endereco = contato.get("endereco") or {}
            if not email:
                errors.append(_field("email", "O e-mail do tomador deve ser informado.", 101, "NFSE"))
            for key in ("bairro", "municipio"):
                if not (endereco.get(key) or contact["endereco"]["geral"][key]):
                    errors.append(
                        _field(key, f"O campo {key} do endereço do tomador é obrigatório.", 102, "NFSE")
                    )
        servicos = body.get("servicos")
        total = Decimal("0")
        if not isinstance(servicos, list) or not servicos:
            errors.append(_field("servicos", "A nota deve possuir ao menos um serviço.", 103, "NFSE"))
            servicos = []
        for index, raw in enumerate(servicos):
            servico = raw if isinstance(raw, dict) else {}
            problems = []
            if not str(servico.get("codigo") or "").strip():
                problems.append(("codigo", "O código do serviço deve ser informado."))
            if not str(servico.get("descricao") or "").strip():
                problems.append(("descricao", "A descrição do serviço deve ser informada."))
            try:
                value = _money(servico.get("valor"))
                if value <= 0:
                    raise ValueError(value)
                total += value
            except ValueError:
                problems.append(("valor", "O valor do serviço é inválido."))
            if problems:
                errors.append(
                    _field(
                        "servicos",
                        "Um ou mais serviços possuem erros de validação",
                        104,
                        "NFSE",
                        [
                            {"index": index, "code": 105, "msg": msg, "element": el, "namespace": "NFSE"}
                            for el, msg in problems
                        ],
                    )
                )
        rps, serie = str(body.get("numeroRPS") or ""), str(body.get("serie") or "1")
        if rps and any(n["numeroRPS"] == rps and n["serie"] == serie for n in self.nfses.values()):
            errors.append(
                _field("numeroRPS", f"Já existe uma nota com o RPS {rps} série {serie}.", 106, "NFSE")
            )
        if errors:
            return _invalid("Não foi possível salvar a nota de serviço", errors)
        with contextlib.suppress(ValueError):
            total -= _money(body.get("desconto") or 0)
        assert contact is not None
        nid = self._create_nfse(contact, total, rps, serie, [dict(s) for s in servicos])
        note = self.nfses[nid]
        return _data({"id": nid, "numeroRPS": note["numeroRPS"], "serie": note["serie"]}, 201)

    def _create_nfse(
        self,
        contact: dict[str, Any],
        total: Decimal,
        rps: str = "",
        serie: str = "1",
        servicos: list | None = None,
    ) -> int:
        nid = self._next("nfse")
        if not rps:
            rps = str(self.rps_next)
        if rps.isdigit():
            self.rps_next = max(self.rps_next, int(rps) + 1)
        self.nfses[nid] = {
            "id": nid,
            "numero": "",
            "numeroRPS": rps,
            "serie": serie,
            "situacao": 0,
            "dataEmissao": now_brt().date().isoformat(),  # a date, as the OpenAPI has it
            "valor": _float(total),
            "contato": {
                "id": contact["id"],
                "nome": contact["nome"],
                "numeroDocumento": contact["numeroDocumento"],
                "email": contact["email"],
            },
            "link": "",
            "codigoVerificacao": "",
            "_servicos": servicos or [],
        }
        return nid

    def _emit_nfse(self, nid: int) -> None:
        note = self.nfses[nid]
        note["situacao"] = 1
        note["numero"] = str(nid % 1000000)
        note["codigoVerificacao"] = secrets.token_hex(4).upper()
        note["link"] = f"https://sandbox.invalid/nfse/{nid}"

    def _nfse_list(self, req: Request) -> Response:
        rows = sorted(self.nfses.values(), key=lambda n: n["id"], reverse=True)
        if req.arg("situacao") != "":
            rows = [n for n in rows if str(n["situacao"]) == req.arg("situacao")]
        window = _range(req, "dataEmissaoInicial", "dataEmissaoFinal")
        if window:
            rows = [n for n in rows if window[0] <= _parse_filter(n["dataEmissao"], end=False) <= window[1]]
        keys = ("id", "numero", "numeroRPS", "serie", "situacao", "dataEmissao", "valor", "contato")
        return _data([{k: _copy(n[k]) for k in keys} for n in _page(req, rows)])

    def _nfse_get(self, req: Request, nid: int) -> Response:
        note = self.nfses.get(nid)
        return _data(_public(note)) if note else _not_found("Nota de serviço")

    def _nfse_send(self, req: Request, nid: int) -> Response:
        note = self.nfses.get(nid)
        if note is None:
            return _not_found("Nota de serviço")
        if note["situacao"] != 0:
            return _invalid(
                "Não foi possível enviar a nota de serviço",
                [_field("situacao", "A nota de serviço já foi emitida ou cancelada.", 107, "NFSE")],
            )
        self._emit_nfse(nid)
        return _data(_public(note))

    def _nfse_cancel(self, req: Request, nid: int) -> Response:
        note = self.nfses.get(nid)
        if note is None:
            return _not_found("Nota de serviço")
        body = req.json() or {}
        if body.get("codigoMotivo") not in (1, 2, 9):
            return _invalid(
                "Não foi possível cancelar a nota de serviço",
                [_field("codigoMotivo", "Informe o motivo do cancelamento (1, 2 ou 9).", 108, "NFSE")],
            )
        if note["situacao"] == 3:
            return _invalid(
                "Não foi possível cancelar a nota de serviço",
                [_field("situacao", "A nota de serviço já está cancelada.", 109, "NFSE")],
            )
        note["situacao"] = 3
        return _no_content()

    # -- control -----------------------------------------------------------------------------
    CONTROLS = {
        "register_app": "_ctl_register_app",
        "issue_tokens": "_ctl_issue_tokens",
        "token_ttl": "_ctl_token_ttl",
        "expire_tokens": "_ctl_expire_tokens",
        "rate_limit": "_ctl_rate_limit",
        "add_situacao": "_ctl_add_situacao",
    }
    DOCUMENT_CONTROLS = {
        "pay": "_doc_pay",
        "ready": "_doc_ready",
        "issue": "_doc_issue",
        "cancel": "_doc_cancel",
        "delete": "_doc_delete",
        "cancel_note": "_doc_cancel_note",
        "reject_note": "_doc_reject_note",
    }

    def _ctl_register_app(self, params: dict[str, Any]) -> dict[str, Any]:
        client_id = str(params.get("client_id") or "")
        if not client_id or not params.get("client_secret"):
            raise ValueError("register_app needs client_id and client_secret")
        scopes = params.get("scopes")
        if isinstance(scopes, str):
            scopes = [s.strip() for s in scopes.split(",") if s.strip()]
        scopes = set(scopes) if scopes else set(SCOPES)
        unknown = scopes - set(SCOPES)
        if unknown:
            raise ValueError(f"unknown scopes {sorted(unknown)}; known: {sorted(SCOPES)}")
        self.apps[client_id] = {
            "secret": str(params["client_secret"]),
            "redirect_uri": str(params.get("redirect_uri") or ""),
            "scopes": scopes,
        }
        return {"client_id": client_id, "scopes": sorted(scopes)}

    def _ctl_issue_tokens(self, params: dict[str, Any]) -> dict[str, Any]:
        client_id = str(params.get("client_id") or DEFAULT_CLIENT_ID)
        if client_id not in self.apps:
            raise ValueError(f"unknown app {client_id!r}")
        self.oauth_stats["issued_by_control"] += 1
        return self._issue(self._new_grant(client_id))

    def _ctl_token_ttl(self, params: dict[str, Any]) -> dict[str, Any]:
        self.token_ttl = int(params.get("seconds", TOKEN_TTL))
        return {"token_ttl": self.token_ttl}

    def _ctl_expire_tokens(self, params: dict[str, Any]) -> dict[str, Any]:
        for info in self.access_tokens.values():
            info["expires"] = min(info["expires"], time.time())
        return {"ok": True}

    def _ctl_rate_limit(self, params: dict[str, Any]) -> dict[str, Any]:
        if "enabled" in params:
            self.rate["enabled"] = str(params["enabled"]).lower() not in ("0", "false", "no", "off", "")
        if "max" in params:
            self.rate["max"] = int(params["max"])
        if "period" in params:
            self.rate["period"] = float(params["period"])
        self.api_calls.clear()
        return dict(self.rate)

    def _ctl_add_situacao(self, params: dict[str, Any]) -> dict[str, Any]:
        parent = self.situacoes.get(int(params.get("idHerdado") or SIT_OPEN))
        if parent is None:
            raise ValueError("idHerdado must be an existing situação")
        sid = self._next("situacao")
        self.situacoes[sid] = {
            "id": sid,
            "nome": str(params.get("nome") or f"Situação {sid}"),
            "idHerdado": parent["id"],
            "cor": "#999999",
            "valor": parent["valor"],
            "modulo": VENDAS_MODULE,
        }
        return {"id": sid}

    def _document_control(self, run, params: dict[str, Any]) -> dict[str, Any]:
        try:
            oid = int(params.get("id") or 0)
        except ValueError:
            raise ValueError("id must be a pedido id") from None
        order = self.orders.get(oid)
        if order is None:
            raise ValueError(f"no pedido {oid}")
        return run(oid, order, params) or {"ok": True}

    def _doc_pay(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> None:
        if not self.meta[oid]["contas_lancadas"]:
            self._launch_contas(oid)
        today = now_brt().date().isoformat()
        for conta in self.contas.values():
            if conta["origem"]["id"] == oid and conta["situacao"] in (1, 3):
                conta["situacao"], conta["_recebimento"] = 2, today

    def _doc_ready(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> None:
        if order["situacao"]["id"] != SIT_DONE:
            order["situacao"] = {"id": SIT_DONE, "valor": 1}
            self._touch(oid)

    def _doc_cancel(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> None:
        if order["situacao"]["id"] != SIT_CANCELED:
            order["situacao"] = {"id": SIT_CANCELED, "valor": 2}
            self._touch(oid)

    def _doc_issue(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        doc_type = params.get("doc_type") or self._doc_type(oid)
        note_id = order["notaFiscal"]["id"]
        if doc_type == "sales_order":
            if note_id not in self.nfes or self.nfes[note_id]["situacao"] == 2:
                note_id = self._create_nfe(oid)
            if self.nfes[note_id]["situacao"] not in (5, 6, 7):
                self._authorise_nfe(note_id)
            return {"ok": True, "note": self.nfes[note_id]["numero"], "note_id": note_id}
        if note_id not in self.nfses or self.nfses[note_id]["situacao"] == 3:
            contact = self.contacts[order["contato"]["id"]]
            note_id = self._create_nfse(contact, Decimal(str(order["total"])))
            order["notaFiscal"] = {"id": note_id}
            self._touch(oid)
        if self.nfses[note_id]["situacao"] == 0:
            self._emit_nfse(note_id)
        return {"ok": True, "note": self.nfses[note_id]["numero"], "note_id": note_id}

    # What a Bling user does in the UI: delete the order, cancel its note or have it rejected.
    def _doc_delete(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> None:
        del self.orders[oid]
        self.meta.pop(oid, None)

    def _doc_cancel_note(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> None:
        note_id = order["notaFiscal"]["id"]
        if note_id in self.nfes:
            self.nfes[note_id]["situacao"] = 2
        elif note_id in self.nfses:
            self.nfses[note_id]["situacao"] = 3
        else:
            raise ValueError(f"pedido {oid} has no note")

    def _doc_reject_note(self, oid: int, order: dict[str, Any], params: dict[str, Any]) -> None:
        note_id = order["notaFiscal"]["id"]
        if note_id not in self.nfes:
            note_id = self._create_nfe(oid)
        self.nfes[note_id]["situacao"] = int(params.get("situacao") or 4)

    # -- inspection --------------------------------------------------------------------------
    def _doc_type(self, oid: int) -> str:
        """Bling has no OS: an order is a "sales order" when it moved stock or sells products."""
        order, meta = self.orders[oid], self.meta[oid]
        goods = any(self.produtos.get(i["produto"]["id"], {}).get("tipo") == "P" for i in order["itens"])
        return (
            "sales_order"
            if goods or meta["stock_postings"] or order["notaFiscal"]["id"] in self.nfes
            else "service_order"
        )

    def _note_number(self, order: dict[str, Any]) -> str:
        note_id = order["notaFiscal"]["id"]
        note = self.nfes.get(note_id) or self.nfses.get(note_id)
        return note["numero"] if note and note["situacao"] in (1, 2, 5, 6, 7) and note["numero"] else ""

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            documents = []
            for oid, order in sorted(self.orders.items()):
                mine = [c for c in self.contas.values() if c["origem"]["id"] == oid]
                documents.append(
                    {
                        "doc_type": self._doc_type(oid),
                        "id": oid,
                        "number": order["numero"],
                        "marker": order["numeroLoja"],
                        "status": self.situacoes[order["situacao"]["id"]]["nome"],
                        "customer": order["contato"]["nome"],
                        "total": order["total"],
                        "paid": bool(mine) and all(c["situacao"] in (2, 7) for c in mine),
                        "note": self._note_number(order),
                        "stock_posted": self.meta[oid]["stock_posted"],
                        "updated": stamp(self.meta[oid]["updated"]),
                    }
                )
            return {
                "documents": documents,
                "contacts": [_copy(c) for c in sorted(self.contacts.values(), key=lambda c: c["id"])],
                "stock_postings": {str(oid): m["stock_postings"] for oid, m in sorted(self.meta.items())},
                "contas": [_public(c) for c in self.contas.values()],
                "nfe": [_public(n) for n in self.nfes.values()],
                "nfse": [_public(n) for n in self.nfses.values()],
                "products": [_copy(p) for p in self.produtos.values()],
                "oauth": dict(self.oauth_stats, token_ttl=self.token_ttl),
                "rate_limit": dict(self.rate, rejected=self.rate_limited),
            }


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _public(record: dict[str, Any]) -> dict[str, Any]:
    """A stored record without the emulator's private keys (``_...``)."""
    return {k: _copy(v) for k, v in record.items() if not k.startswith("_")}
