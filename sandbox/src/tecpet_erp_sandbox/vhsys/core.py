"""The VHSYS v2 emulator: authentication, the envelope, routing, list paging and filters, faults."""

from __future__ import annotations

import copy
from typing import Any

from ..emulator import Emulator, Router
from ..wire import Request, Response, html
from .common import (
    _MODIFIED_RE,
    _OS_SUBS,
    _PV_SUBS,
    ACCESS_DENIED,
    BASE_STATUSES,
    PAGE_MAX,
    SELLER,
    _ApiError,
    _invalid,
    _is_date,
    _logger,
    _sort_key,
)
from .control import Control
from .documents import Documents
from .notes import Notes
from .ordens import Ordens
from .pedidos import Pedidos
from .receitas import Receitas
from .registry import Registry


class VhsysEmulator(Registry, Documents, Ordens, Pedidos, Receitas, Notes, Control, Emulator):
    name = "vhsys"
    prefix = "/vhsys/v2"
    # What no source documents (erp-apis/vhsys.md, reviews/fidelity-review.md §2): each switch's
    # first position is the default, what the sources show; the pure tier runs the client against
    # each (tests/test_vhsys_positions.py; docs/erp-facts.md says which Check account probe settles it).
    SWITCHES = {
        # filters missing from VHSYS's parameter lists (id_cliente on receivables...): ignored, as an
        # API ignores unknown parameters, or honoured
        "undocumented_filters": ("ignored", "honoured"),
        # a stock move's identificacao: "API" whatever was sent (the official example), or echoed
        "stock_identificacao": ("api", "echoed"),
        # GET /produtos/{id}/estoque honours order/sort (unverified), or not
        "stock_order": ("honoured", "ignored"),
        # POST /notas-servico refuses a draft without the fields two sources require, or accepts it
        "nfse_draft": ("strict", "lenient"),
        # NFS-e rows carry obs_interno_pedido and ambiente (unknown: V31), or neither
        "nfse_rows": ("full", "bare"),
        # a refused token: 403 "Acesso negado" (official), or 401 (some clients' notes)
        "auth_status": ("403", "401"),
        # data_modificacao takes a date and time, or only YYYY-MM-DD (unknown in VHSYS)
        "data_modificacao": ("date_time", "date_only"),
        # a list page may carry a row twice (a production client's notes [S5]: dedupe by key), or not
        "duplicate_rows": ("yes", "no"),
        # POST /pedidos answers the pedido's id_pedido, or "" (seen in the docs)
        "pedido_number": ("answered", "empty"),
    }
    SEQUENCES = {
        "cliente": 3100000,
        "produto": 5200000,
        "estoque": 700000,
        "ordem": 8100000,
        "os_num": 1000,
        "ped": 15579150,
        "ped_num": 500,
        "item": 900000,
        "parcela": 400000,
        "status": 60000,
        "receita": 2200000,
        "nfse": 3300000,
        "nfse_num": 100,
        "nfe": 4400000,
        "nfe_num": 2000,
    }
    ROUTES = Router(
        [
            ("GET", "/clientes", "_list_clientes"),
            ("POST", "/clientes", "_create_cliente"),
            ("GET", "/clientes/{id}", "_get_cliente"),
            ("PUT", "/clientes/{id}", "_update_cliente"),
            ("DELETE", "/clientes/{id}", "_delete_cliente"),
            ("GET", "/produtos", "_list_produtos"),
            ("POST", "/produtos", "_create_produto"),
            ("GET", "/produtos/{id}", "_get_produto"),
            ("PUT", "/produtos/{id}", "_update_produto"),
            ("DELETE", "/produtos/{id}", "_delete_produto"),
            ("GET", "/produtos/{id}/estoque", "_list_estoque"),
            ("POST", "/produtos/{id}/estoque", "_create_estoque"),
            ("GET", "/ordens-servico", "_list_ordens"),
            ("POST", "/ordens-servico", "_create_ordem"),
            ("GET", "/ordens-servico/{id}", "_get_ordem"),
            ("PUT", "/ordens-servico/{id}", "_update_ordem"),
            ("DELETE", "/ordens-servico/{id}", "_delete_ordem"),
            ("POST", "/ordens-servico/{id}/servicos", "_add_os_servicos"),
            ("POST", "/ordens-servico/{id}/produtos", "_add_os_produtos"),
            ("POST", "/ordens-servico/{id}/parcelas", "_set_os_parcelas"),
            ("POST", "/ordens-servico/{id}/status", "_add_os_status"),
            ("GET", "/ordens-servico/{id}/servicos/{id}", "_get_os_item_servico"),
            ("GET", "/ordens-servico/{id}/produtos/{id}", "_get_os_item_produto"),
            ("PUT", "/ordens-servico/{id}/servicos/{id}", "_put_os_item_servico"),
            ("PUT", "/ordens-servico/{id}/produtos/{id}", "_put_os_item_produto"),
            ("DELETE", "/ordens-servico/{id}/servicos/{id}", "_del_os_item_servico"),
            ("DELETE", "/ordens-servico/{id}/produtos/{id}", "_del_os_item_produto"),
            ("GET", "/pedidos", "_list_pedidos"),
            ("POST", "/pedidos", "_create_pedido"),
            ("GET", "/pedidos/{id}", "_get_pedido"),
            ("PUT", "/pedidos/{id}", "_update_pedido"),
            ("DELETE", "/pedidos/{id}", "_delete_pedido"),
            ("POST", "/pedidos/{id}/produtos", "_add_pv_produtos"),
            ("POST", "/pedidos/{id}/parcelas", "_set_pv_parcelas"),
            ("POST", "/pedidos/{id}/status", "_add_pv_status"),
            ("GET", "/pedidos/{id}/produtos/{id}", "_get_pv_item"),
            ("PUT", "/pedidos/{id}/produtos/{id}", "_put_pv_item"),
            ("DELETE", "/pedidos/{id}/produtos/{id}", "_del_pv_item"),
            ("GET", "/contas-receber", "_list_receitas"),
            ("POST", "/contas-receber", "_create_receita"),
            ("GET", "/contas-receber/{id}", "_get_receita"),
            ("PUT", "/contas-receber/{id}", "_update_receita"),
            ("DELETE", "/contas-receber/{id}", "_delete_receita"),
            ("GET", "/notas-servico", "_list_nfse"),
            ("POST", "/notas-servico", "_create_nfse"),
            ("GET", "/notas-servico/{id}", "_get_nfse"),
            ("PUT", "/notas-servico/{id}", "_update_nfse"),
            ("DELETE", "/notas-servico/{id}", "_delete_nfse"),
            ("POST", "/notas-servico/{id}/emitir", "_emit_nfse"),
            ("GET", "/notas-fiscais", "_list_nfe"),
            ("GET", "/vendedores", "_list_vendedores"),
            ("GET", "/situacoes", "_list_situacoes"),
            ("GET", "/notas-fiscais/{id}", "_get_nfe"),
        ]
        + [("GET", f"/ordens-servico/{{id}}/{sub}", "_list_sub", "", ("_ordem", sub)) for sub in _OS_SUBS]
        + [("GET", f"/pedidos/{{id}}/{sub}", "_list_sub", "", ("_pedido", sub)) for sub in _PV_SUBS]
    )

    # -- state -----------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.clientes: dict[int, dict] = {}
            self.produtos: dict[int, dict] = {}
            self.estoque: list[dict] = []
            self.sent_identificacao: dict[int, str] = {}  # id_estoque -> identificacao as sent
            self.ordens: dict[
                int, dict
            ] = {}  # id_ordem -> {"row", "servicos", "produtos", "parcelas", "status"}
            self.pedidos: dict[int, dict] = {}  # id_ped -> {"row", "produtos", "parcelas", "status"}
            self.receitas: dict[int, dict] = {}
            self.notas_servico: dict[int, dict] = {}
            self.notas_fiscais: dict[int, dict] = {}
            self.vendedores: dict[int, dict] = {SELLER["id_vendedor"]: dict(SELLER)}
            # GET /situacoes (not in VHSYS's docs; shape of a capture, erp-apis/vhsys.md §3.8)
            self.situacoes = {
                group: [
                    {
                        "id_situacao": n,
                        "tipo_pedido": kind,
                        "tipo_status": name,
                        "nome_situacao": name,
                        "ordem": n % 10,
                        "lixeira": "Nao",
                    }
                    for n, name in enumerate(BASE_STATUSES, start=10 * kind + 1)
                ]
                for kind, group in ((1, "Pedidos"), (3, "OrdemServico"))
            }
            self.revoked = False
            self.tokens: tuple[str, str] | None = None  # None: each token keeps the other it came with
            self.secrets: dict[str, str] = {}  # access token -> the secret it was first used with
            self.accesses: dict[str, str] = {}  # secret -> the access token it was first used with
            self.nfse_rejection = ""  # when set, POST /notas-servico/{id}/emitir is rejected with it
            # Eventual consistency: a new OS/PV is "não encontrado" for this many seconds (the
            # 650 ms a real account needs, erp-apis/vhsys.md); 0 = visible at once.
            self.consistency_lag = 0.0
            self.born: dict[tuple[str, int], float] = {}  # ("os"|"pv", id) -> monotonic creation time
            self.calls = 0

    def revoke_credentials(self) -> None:
        with self.lock:
            self.revoked = True

    # -- HTTP ------------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        with self.lock:
            self.calls += 1
            try:
                return self._handle(req)
            except _ApiError as exc:
                return self._envelope(exc.status, exc.code, "error", exc.data)
            except Exception:
                _logger.exception("vhsys emulator failed on %s %s", req.method, req.path)
                return self._envelope(500, 500, "error", "Erro interno do servidor")

    def _envelope(
        self, status: int, code: int, state: str, data: Any, paging: dict | None = None
    ) -> Response:
        body: dict[str, Any] = {"code": code, "status": state, "data": data}
        if paging is not None:
            body["paging"] = paging
        headers = {"x-ratelimit-limit": "10000", "x-ratelimit-remaining": str(max(0, 10000 - self.calls))}
        return Response(status, body, headers=headers)

    def _ok(self, data: Any, paging: dict | None = None) -> Response:
        return self._envelope(200, 200, "success", data, paging)

    def _authorized(self, headers: dict[str, str]) -> bool:
        access = (headers.get("access-token") or "").strip()
        secret = (headers.get("secret-access-token") or "").strip()
        if self.revoked or not access or not secret:
            return False
        if self.tokens is not None:
            return (access, secret) == self.tokens
        # An account's pair is fixed both ways: once an access token has worked with a secret,
        # another secret is refused, and that secret with another access token too, so "Test
        # connection" with either token mistyped fails as in VHSYS (issue 22, point 7).
        if self.secrets.get(access, secret) != secret or self.accesses.get(secret, access) != access:
            return False
        self.secrets[access], self.accesses[secret] = secret, access
        return True

    def _handle(self, req: Request) -> Response:
        if not self._authorized(req.headers):
            raise _ApiError(int(self.switches["auth_status"]), ACCESS_DENIED)
        if not (req.headers.get("user-agent") or "").strip():
            raise _ApiError(400, "O header User-Agent é obrigatório.")
        method = req.method.upper()
        path = "/" + "/".join(s for s in req.path.split("/") if s)
        found = self.ROUTES.find(method, path)
        if found:
            return Router.call(self, found[0], req, found[1])
        # Unknown route or sub-path: HTTP 200 with code 404 in the body.
        return self._envelope(200, 404, "error", "Endpoint não encontrado.")

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _json_body(req: Request) -> Any:
        try:
            return req.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise _ApiError(403, ["O corpo da requisição não é um JSON válido"]) from exc

    def _object_body(self, req: Request, what: str) -> dict:
        body = self._json_body(req)
        if not isinstance(body, dict):
            raise _ApiError(403, f"Erro ao cadastrar {what}!")
        return body

    def _array_body(self, req: Request, what: str) -> list[dict]:
        body = self._json_body(req)
        if not isinstance(body, list) or not body or not all(isinstance(i, dict) for i in body):
            raise _ApiError(403, [f"Erro ao cadastrar {what}: o corpo deve ser um array (lista) de itens"])
        return body

    def _paged(
        self,
        req: Request,
        rows: list[dict],
        *,
        empty: str,
        pk: str,
        date_field: str = "",
        filters: dict[str, str] | None = None,
        hidden: dict[str, str] | None = None,
        like: dict[str, str] | None = None,
        duplicates: bool = True,
        ordered: bool = True,
    ) -> Response:
        """Filters, orders and pages ``rows`` (copies) as the VHSYS list endpoints do.

        ``filters``: the parameters VHSYS documents for the list; ``hidden``: parameters our
        clients were seen to send that no VHSYS page lists, honoured only with the
        ``undocumented_filters`` switch ``honoured`` (else ignored, as an API ignores unknown
        parameters).
        ``paging.total_count`` is the number of rows on the page, ``paging.total`` the overall
        count (the capture in tests/fixtures/vhsys/capture_paging.json)."""
        trash = req.arg("lixeira") or "Nao"
        if trash not in ("Sim", "Nao"):
            raise _ApiError(403, [_invalid("lixeira")])
        rows = [r for r in rows if r.get("lixeira", "Nao") == trash or "lixeira" not in r]
        since = req.arg("data_modificacao").strip()
        if since:
            date_only = self.switches["data_modificacao"] == "date_only"
            if not _MODIFIED_RE.fullmatch(since) or (date_only and len(since) > 10):
                raise _ApiError(403, [_invalid("data_modificacao")])
            since = since.replace("T", " ")
            rows = [r for r in rows if (r.get(date_field) or r.get("data_cad", "") or "") >= since]
        undocumented = self.switches["undocumented_filters"] == "honoured"
        honoured = {**(filters or {}), **((hidden or {}) if undocumented else {})}
        for param, fname in honoured.items():
            value = req.arg(param)
            if value != "":
                rows = [r for r in rows if str(r.get(fname, "")) == value]
        for param, fname in (like or {}).items():
            value = req.arg(param).strip().lower()
            if value:
                rows = [r for r in rows if value in str(r.get(fname, "")).lower()]
        order = req.arg("order") if ordered else ""
        descending = req.arg("sort").lower() == "desc"
        if order and rows and order in rows[0]:
            rows.sort(key=lambda r: (_sort_key(r.get(order)), _sort_key(r.get(pk))), reverse=descending)
        else:
            rows.sort(key=lambda r: _sort_key(r.get(pk)), reverse=descending and bool(order))
        limit_arg, offset_arg = req.arg("limit", "250"), req.arg("offset", "0")
        if not limit_arg.strip().isdigit():
            raise _ApiError(403, [_invalid("limit")])
        if not offset_arg.strip().isdigit():
            raise _ApiError(403, [_invalid("offset")])
        limit = min(max(int(limit_arg), 1), PAGE_MAX)
        offset = int(offset_arg)
        page = [copy.deepcopy(r) for r in rows[offset : offset + limit]]
        if not page:
            raise _ApiError(403, empty)
        paging = {
            "total_count": len(page),
            "total": len(rows),
            "offset": offset,
            "limit": limit,
            "limit_max": PAGE_MAX,
        }
        if duplicates and self.switches["duplicate_rows"] == "yes" and len(page) >= 2:
            page.append(copy.deepcopy(page[0]))  # the quirk: one record twice on the same page
        return self._ok(page, paging)

    @staticmethod
    def _check_lengths(body: dict, limits: dict[str, int]) -> list[str]:
        errors = []
        for fname, limit in limits.items():
            value = body.get(fname)
            if value is not None and len(str(value)) > limit:
                errors.append(f"O campo ({fname}) deve ter no máximo {limit} caracteres")
        return errors

    def _check_status(self, body: dict, errors: list[str], field: str = "status_pedido") -> None:
        if field in body and body[field] not in BASE_STATUSES:
            errors.append(_invalid(field))

    def _check_dates(self, body: dict, fields: tuple[str, ...], errors: list[str]) -> None:
        for fname in fields:
            if body.get(fname) not in (None, "") and not _is_date(body[fname]):
                errors.append(_invalid(fname))

    # -- faults ----------------------------------------------------------------------------
    def fault_response(self, fault: str) -> Response:
        if fault == "rate_limit":
            return Response(
                429,
                {
                    "code": 429,
                    "status": "error",
                    "data": "Limite de requisições excedido. Tente novamente em instantes.",
                },
                headers={"Retry-After": "1", "x-ratelimit-limit": "10000", "x-ratelimit-remaining": "0"},
            )
        if fault == "server_error":
            return Response(500, {"code": 500, "status": "error", "data": "Erro interno do servidor"})
        if fault == "forbidden":  # a fiscal refusal: VHSYS answers it with 403, like a bad credential
            return Response(
                403,
                {
                    "code": 403,
                    "status": "error",
                    "data": "Prestador não autorizado: token da prefeitura inválido.",
                },
            )
        if fault == "html_error":
            return html(
                "<!DOCTYPE html><html><head><title>VHSYS - Erro</title></head><body>"
                "<h1>Ops! Algo deu errado.</h1><p>Nossa equipe já foi notificada.</p></body></html>"
            )
        if fault == "outage":
            return Response(200, {"code": 404, "status": "error", "data": "Erro ao comunicar com a API"})
        if fault == "empty_answer":  # a glitch: success, but nothing in it (never a "not found")
            return Response(200, {"code": 200, "status": "success", "data": []})
        if fault == "not_found":
            return Response(403, {"code": 403, "status": "error", "data": "Registro não encontrado!"})
        return Response(500, {"code": 500, "status": "error", "data": f"falha simulada: {fault}"})
