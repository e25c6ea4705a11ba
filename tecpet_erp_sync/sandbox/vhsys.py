"""VHSYS API v2 emulator (``/vhsys/v2``), following ``erp-apis/vhsys.md`` including its quirks.

What it reproduces, because the client must cope with it:

- auth by the ``access-token`` / ``secret-access-token`` headers (any case); missing, wrong or revoked
  credentials answer HTTP 403 ``{"code":403,"status":"error","data":"Acesso negado..."}``;
  a missing ``User-Agent`` answers 400;
- the envelope ``{"code":200,"status":"success","data":...}``, lists with ``paging``
  (``limit`` at most 250, ``offset``), and an empty list or search answers **HTTP 403**
  ``"Nenhum ... encontrado!"``; validation errors are HTTP 403 with ``data`` = list of messages;
  an unknown route answers HTTP 200 with ``code`` 404 in the body;
- list pages may carry the same row twice (``duplicate_rows``; deterministic: a page with two rows
  or more repeats its first row at the end), so clients must dedupe by primary key;
- ``POST /pedidos`` answers ``data`` as an **array**; OS/PV sub-resources (``/servicos``,
  ``/produtos``, ``/parcelas``) require a JSON **array** body; ``/parcelas`` replaces earlier ones;
- ``DELETE`` only moves a record to the trash (``lixeira`` "Sim"); lists show the trash only with
  ``lixeira=Sim``;
- ``data_mod_*`` timestamps in Brasília local time without offset, updated on every write;
  ``data_modificacao`` filters ``>=`` (date or date and time);
- ``GET /pedidos?order=data_mod_pedido&sort=Asc`` answers an HTML error page, as observed;
- receivables linked to documents only through "Lançar Contas" (control actions ``pay`` and
  ``launch_receivables``), with ``identificacao`` ``OS_<id_ordem>`` / ``Ped_<id_ped>``.

State is kept in plain dicts guarded by ``self.lock``. Control actions (``control``): ``pay``,
``ready``, ``issue``, ``cancel``, ``launch_receivables``, ``delete`` (to the trash), ``cancel_note``,
``reject_note`` (NF-e denegada) on one document (``doc_type`` and ``id``, the primary key), plus
``restore_credentials``, ``revoke_credentials``, ``clock``
(``offset_seconds`` or ``advance_seconds``), ``nfse_reject`` (``message``; empty clears) and
``configure`` (``duplicate_rows``, ``empty_pedido_number``, ``date_only_filter``).
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import re
import time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .clock import now_brt, stamp
from .emulator import Emulator, cep_exists
from .wire import Request, Response, html

_logger = logging.getLogger(__name__)

PAGE_MAX = 250
BASE_STATUSES = ("Em Aberto", "Em Andamento", "Atendido", "Cancelado")
PAYMENT_METHODS = (
    "Dinheiro",
    "PIX",
    "Cheque",
    "Permuta",
    "Cartão de Crédito",
    "Cartão de Débito",
    "Boleto",
    "Transferência",
    "Ted",
    "Depósito Identificado",
    "Depósito em C/C",
    "Duplicata Mercantil",
    "Faturado",
    "Faturar",
    "Débito Automático",
    "Lotérica",
    "Banco",
    "DDA",
    "Pagamento online",
    "BNDES",
    "Outros",
    "DP Descontada",
    "CH Descontado",
    "Vale Alimentação",
    "Vale Refeição",
    "Vale Presente",
    "Vale Combustível",
)
ACCESS_DENIED = "Acesso negado! Verifique o access-token e o secret-access-token da sua integração."

# Max lengths of POST/PUT /clientes (erp-apis/vhsys.md §3.1).
CLIENT_LIMITS = {
    "razao_cliente": 255,
    "cnpj_cliente": 18,
    "fantasia_cliente": 255,
    "endereco_cliente": 255,
    "numero_cliente": 7,
    "bairro_cliente": 45,
    "complemento_cliente": 45,
    "cep_cliente": 10,
    "cidade_cliente": 255,
    "uf_cliente": 2,
    "fone_cliente": 20,
    "celular_cliente": 20,
    "email_cliente": 255,
    "insc_estadual_cliente": 45,
    "insc_municipal_cliente": 45,
    "insc_produtor_cliente": 20,
    "insc_suframa_cliente": 20,
}
CLIENT_FIELDS = tuple(CLIENT_LIMITS) + (
    "tipo_pessoa",
    "tipo_cadastro",
    "contato_cliente",
    "situacao_cliente",
    "vendedor_cliente",
    "vendedor_cliente_id",
    "data_nasc_cliente",
    "observacoes_cliente",
)
PRODUCT_FIELDS = (
    "desc_produto",
    "cod_produto",
    "valor_produto",
    "valor_custo_produto",
    "unidade_produto",
    "ncm_produto",
    "cest_produto",
    "tipo_produto",
    "status_produto",
    "marca_produto",
    "obs_produto",
    "id_categoria",
    "codigo_barra_produto",
)
OS_FIELDS = (
    "id_cliente",
    "nome_cliente",
    "vendedor_pedido",
    "vendedor_pedido_id",
    "data_pedido",
    "data_entrega",
    "data_realizacao",
    "data_realizacao_hora",
    "valor_total_despesas",
    "valor_total_desconto",
    "garantia_ordem",
    "equipamento_ordem",
    "problema_ordem",
    "recebimento_ordem",
    "referencia_ordem",
    "laudo_ordem",
    "obs_pedido",
    "obs_interno_pedido",
    "status_pedido",
)
PV_FIELDS = (
    "id_cliente",
    "nome_cliente",
    "vendedor_pedido",
    "vendedor_pedido_id",
    "desconto_pedido",
    "frete_pedido",
    "peso_total_nota",
    "peso_total_nota_liq",
    "transportadora_pedido",
    "id_transportadora",
    "data_pedido",
    "prazo_entrega",
    "referencia_pedido",
    "obs_pedido",
    "obs_interno_pedido",
    "status_pedido",
    "estoque_pedido",
    "contas_pedido",
    "frete_por_pedido",
    "condicao_pagamento_id",
)
NFSE_FIELDS = (
    "ambiente",
    "id_cliente",
    "nome_cliente",
    "vendedor_pedido",
    "vendedor_pedido_id",
    "desc_servicos",
    "valor_total_servicos",
    "valor_base_calculo",
    "valor_total_nota",
    "serie_nota",
    "natureza_pedido",
    "regime_pedido",
    "local_prestacao",
    "local_prestacao_cidade",
    "local_prestacao_cidade_cod",
    "itemLista_servico",
    "aliq_iss",
    "valor_iss",
    "reter_iss",
    "status_pedido",
)

_MONEY_RE = re.compile(r"-?\d+(\.\d+)?")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MODIFIED_RE = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?")
_CENT = Decimal("0.01")


class _ApiError(Exception):
    def __init__(self, status: int, data: Any, code: int | None = None):
        super().__init__(str(data))
        self.status = status
        self.data = data
        self.code = code if code is not None else status


def _invalid(field: str) -> str:
    return f"O formato do campo ({field}) não é válido"


def _required(field: str) -> str:
    return f"O campo ({field}) é obrigatório"


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError):
        return Decimal("0")


def _money(value: Any) -> str:
    return str(_dec(value).quantize(_CENT, ROUND_HALF_UP))


def _long(value: Any) -> str:
    """Quantities and unit prices come back with six decimals, as the real API answers."""
    return f"{_dec(value):.6f}"


def _is_money(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and _MONEY_RE.fullmatch(value.strip()) is not None


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "sim", "on")


def _sort_key(value: Any):
    if isinstance(value, (int, float)):
        return (0, value, "")
    text = "" if value is None else str(value)
    if _MONEY_RE.fullmatch(text):
        return (0, float(text), "")
    return (1, 0, text)


class VhsysEmulator(Emulator):
    name = "vhsys"
    prefix = "/vhsys/v2"

    # -- state -----------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.clientes: dict[int, dict] = {}
            self.produtos: dict[int, dict] = {}
            self.estoque: list[dict] = []
            self.ordens: dict[
                int, dict
            ] = {}  # id_ordem -> {"row", "servicos", "produtos", "parcelas", "status"}
            self.pedidos: dict[int, dict] = {}  # id_ped -> {"row", "produtos", "parcelas", "status"}
            self.receitas: dict[int, dict] = {}
            self.notas_servico: dict[int, dict] = {}
            self.notas_fiscais: dict[int, dict] = {}
            self.revoked = False
            self.tokens: tuple[str, str] | None = None  # None: each access token keeps its first secret
            self.secrets: dict[str, str] = {}  # access token -> the secret it was first used with
            self.clock_offset = 0.0  # seconds added to the emulator's clock
            self.duplicate_rows = True
            self.empty_pedido_number = False  # POST /pedidos answers id_pedido "" (seen in the docs)
            self.date_only_filter = False  # data_modificacao takes only YYYY-MM-DD (unknown in VHSYS)
            self.nfse_rejection = ""  # when set, POST /notas-servico/{id}/emitir is rejected with it
            # Eventual consistency: a new OS/PV is "não encontrado" for this many seconds (the
            # 650 ms a real account needs, erp-apis/vhsys.md); 0 = visible at once.
            self.consistency_lag = 0.0
            self.born: dict[tuple[str, int], float] = {}  # ("os"|"pv", id) -> monotonic creation time
            self.calls = 0
            self._seq = {
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

    def _next(self, key: str) -> int:
        self._seq[key] += 1
        return self._seq[key]

    def _now(self) -> dt.datetime:
        return now_brt(self.clock_offset)

    def _stamp(self) -> str:
        return stamp(self._now())

    def _today(self) -> str:
        return self._now().date().isoformat()

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
        # An account's pair is fixed: once an access token has worked with a secret, another
        # secret is refused, so "Test connection" with a mistyped secret fails as in VHSYS.
        return self.secrets.setdefault(access, secret) == secret

    def _handle(self, req: Request) -> Response:
        if not self._authorized(req.headers):
            raise _ApiError(403, ACCESS_DENIED)
        if not (req.headers.get("user-agent") or "").strip():
            raise _ApiError(400, "O header User-Agent é obrigatório.")
        method = req.method.upper()
        path = "/" + "/".join(s for s in req.path.split("/") if s)
        for route_method, pattern, handler in self._routes():
            if route_method != method:
                continue
            match = re.fullmatch(pattern, path)
            if match:
                return handler(req, *(int(g) for g in match.groups()))
        # Unknown route or sub-path: HTTP 200 with code 404 in the body.
        return self._envelope(200, 404, "error", "Endpoint não encontrado.")

    def _routes(self):
        n = r"(\d+)"
        return (
            ("GET", "/clientes", self._list_clientes),
            ("POST", "/clientes", self._create_cliente),
            ("GET", f"/clientes/{n}", self._get_cliente),
            ("PUT", f"/clientes/{n}", self._update_cliente),
            ("DELETE", f"/clientes/{n}", self._delete_cliente),
            ("GET", "/produtos", self._list_produtos),
            ("POST", "/produtos", self._create_produto),
            ("GET", f"/produtos/{n}", self._get_produto),
            ("PUT", f"/produtos/{n}", self._update_produto),
            ("DELETE", f"/produtos/{n}", self._delete_produto),
            ("GET", f"/produtos/{n}/estoque", self._list_estoque),
            ("POST", f"/produtos/{n}/estoque", self._create_estoque),
            ("GET", "/ordens-servico", self._list_ordens),
            ("POST", "/ordens-servico", self._create_ordem),
            ("GET", f"/ordens-servico/{n}", self._get_ordem),
            ("PUT", f"/ordens-servico/{n}", self._update_ordem),
            ("DELETE", f"/ordens-servico/{n}", self._delete_ordem),
            ("POST", f"/ordens-servico/{n}/servicos", self._add_os_servicos),
            ("POST", f"/ordens-servico/{n}/produtos", self._add_os_produtos),
            ("POST", f"/ordens-servico/{n}/parcelas", self._set_os_parcelas),
            ("POST", f"/ordens-servico/{n}/status", self._add_os_status),
            ("GET", f"/ordens-servico/{n}/servicos/{n}", self._get_os_item_servico),
            ("GET", f"/ordens-servico/{n}/produtos/{n}", self._get_os_item_produto),
            ("PUT", f"/ordens-servico/{n}/servicos/{n}", self._put_os_item_servico),
            ("PUT", f"/ordens-servico/{n}/produtos/{n}", self._put_os_item_produto),
            ("DELETE", f"/ordens-servico/{n}/servicos/{n}", self._del_os_item_servico),
            ("DELETE", f"/ordens-servico/{n}/produtos/{n}", self._del_os_item_produto),
            ("GET", "/pedidos", self._list_pedidos),
            ("POST", "/pedidos", self._create_pedido),
            ("GET", f"/pedidos/{n}", self._get_pedido),
            ("PUT", f"/pedidos/{n}", self._update_pedido),
            ("DELETE", f"/pedidos/{n}", self._delete_pedido),
            ("POST", f"/pedidos/{n}/produtos", self._add_pv_produtos),
            ("POST", f"/pedidos/{n}/parcelas", self._set_pv_parcelas),
            ("POST", f"/pedidos/{n}/status", self._add_pv_status),
            ("GET", f"/pedidos/{n}/produtos/{n}", self._get_pv_item),
            ("PUT", f"/pedidos/{n}/produtos/{n}", self._put_pv_item),
            ("DELETE", f"/pedidos/{n}/produtos/{n}", self._del_pv_item),
            ("GET", "/contas-receber", self._list_receitas),
            ("POST", "/contas-receber", self._create_receita),
            ("GET", f"/contas-receber/{n}", self._get_receita),
            ("PUT", f"/contas-receber/{n}", self._update_receita),
            ("DELETE", f"/contas-receber/{n}", self._delete_receita),
            ("GET", "/notas-servico", self._list_nfse),
            ("POST", "/notas-servico", self._create_nfse),
            ("GET", f"/notas-servico/{n}", self._get_nfse),
            ("PUT", f"/notas-servico/{n}", self._update_nfse),
            ("DELETE", f"/notas-servico/{n}", self._delete_nfse),
            ("POST", f"/notas-servico/{n}/emitir", self._emit_nfse),
            ("GET", "/notas-fiscais", self._list_nfe),
            ("GET", f"/notas-fiscais/{n}", self._get_nfe),
        ) + tuple(self._sub_get_routes())

    def _sub_get_routes(self):
        n = r"(\d+)"
        for sub in ("servicos", "produtos", "parcelas", "status"):
            yield ("GET", f"/ordens-servico/{n}/{sub}", self._sub_lister(self._ordem, sub))
        for sub in ("produtos", "parcelas", "status"):
            yield ("GET", f"/pedidos/{n}/{sub}", self._sub_lister(self._pedido, sub))

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
        like: dict[str, str] | None = None,
        duplicates: bool = True,
    ) -> Response:
        """Filters, orders and pages ``rows`` (copies) as the VHSYS list endpoints do."""
        trash = req.arg("lixeira") or "Nao"
        if trash not in ("Sim", "Nao"):
            raise _ApiError(403, [_invalid("lixeira")])
        rows = [r for r in rows if r.get("lixeira", "Nao") == trash or "lixeira" not in r]
        since = req.arg("data_modificacao").strip()
        if since:
            if not _MODIFIED_RE.fullmatch(since) or (self.date_only_filter and len(since) > 10):
                raise _ApiError(403, [_invalid("data_modificacao")])
            since = since.replace("T", " ")
            rows = [r for r in rows if (r.get(date_field) or r.get("data_cad", "") or "") >= since]
        for param, fname in (filters or {}).items():
            value = req.arg(param)
            if value != "":
                rows = [r for r in rows if str(r.get(fname, "")) == value]
        for param, fname in (like or {}).items():
            value = req.arg(param).strip().lower()
            if value:
                rows = [r for r in rows if value in str(r.get(fname, "")).lower()]
        order = req.arg("order")
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
        if duplicates and self.duplicate_rows and len(page) >= 2:
            page.append(copy.deepcopy(page[0]))  # the quirk: one record twice on the same page
        paging = {
            "total_count": len(rows),
            "total": len(rows),
            "offset": offset,
            "limit": limit,
            "limit_max": PAGE_MAX,
        }
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

    # -- clientes --------------------------------------------------------------------------
    def _list_clientes(self, req: Request) -> Response:
        return self._paged(
            req,
            list(self.clientes.values()),
            empty="Nenhum cliente encontrado!",
            pk="id_cliente",
            date_field="data_mod_cliente",
            filters={
                "cnpj_cliente": "cnpj_cliente",
                "tipo_pessoa": "tipo_pessoa",
                "id_cliente": "id_cliente",
            },
            like={"razao_cliente": "razao_cliente", "fantasia_cliente": "fantasia_cliente"},
        )

    def _validate_cliente(self, body: dict, creating: bool) -> list[str]:
        errors = []
        if (creating or "razao_cliente" in body) and not str(body.get("razao_cliente") or "").strip():
            errors.append(_required("razao_cliente"))
        errors += self._check_lengths(body, CLIENT_LIMITS)
        if body.get("tipo_pessoa") not in (None, "PF", "PJ"):
            errors.append(_invalid("tipo_pessoa"))
        if body.get("tipo_cadastro") not in (None, "Cliente", "Fornecedor", "Ambos"):
            errors.append(_invalid("tipo_cadastro"))
        if body.get("situacao_cliente") not in (None, "Ativo", "Inativo"):
            errors.append(_invalid("situacao_cliente"))
        cep = re.sub(r"\D", "", str(body.get("cep_cliente") or ""))
        if len(cep) == 8 and not cep_exists(cep):
            errors.append("O CEP informado (cep_cliente) não existe na base dos Correios")
        self._check_dates(body, ("data_nasc_cliente",), errors)
        return errors

    def _create_cliente(self, req: Request) -> Response:
        body = self._object_body(req, "o cliente")
        errors = self._validate_cliente(body, True)
        if errors:
            raise _ApiError(403, errors)
        cid = self._next("cliente")
        now = self._stamp()
        row = dict.fromkeys(CLIENT_FIELDS, "")
        row.update(
            {
                "tipo_pessoa": "PJ",
                "tipo_cadastro": "Cliente",
                "situacao_cliente": "Ativo",
                "vendedor_cliente_id": 0,
            }
        )
        row.update({k: v for k, v in body.items() if k in CLIENT_FIELDS})
        row.update(
            {
                "id_cliente": cid,
                "id_empresa": 1,
                "id_registro": cid,
                "cidade_cliente_cod": "0",
                "consumidor_final": 0,
                "contribuinte_icms": 0,
                "referencia_cliente": "",
                "data_cad_cliente": now,
                "data_mod_cliente": now,
                "lixeira": "Nao",
            }
        )
        self.clientes[cid] = row
        return self._ok(copy.deepcopy(row))

    def _cliente(self, cid: int) -> dict:
        row = self.clientes.get(cid)
        if row is None:
            raise _ApiError(403, "Cliente não encontrado!")
        return row

    def _get_cliente(self, req: Request, cid: int) -> Response:
        return self._ok(copy.deepcopy(self._cliente(cid)))

    def _update_cliente(self, req: Request, cid: int) -> Response:
        row = self._cliente(cid)
        body = self._object_body(req, "o cliente")
        errors = self._validate_cliente(body, False)
        if errors:
            raise _ApiError(403, errors)
        row.update({k: v for k, v in body.items() if k in CLIENT_FIELDS})
        row["data_mod_cliente"] = self._stamp()
        return self._ok(copy.deepcopy(row))

    def _delete_cliente(self, req: Request, cid: int) -> Response:
        row = self._cliente(cid)
        row.update(lixeira="Sim", data_mod_cliente=self._stamp())
        return self._ok("Cliente excluído com sucesso!")

    # -- produtos and estoque --------------------------------------------------------------
    def _list_produtos(self, req: Request) -> Response:
        return self._paged(
            req,
            list(self.produtos.values()),
            empty="Nenhum produto encontrado!",
            pk="id_produto",
            date_field="data_mod_produto",
            filters={"cod_produto": "cod_produto", "id_produto": "id_produto"},
            like={"desc_produto": "desc_produto", "marca_produto": "marca_produto"},
        )

    def _validate_produto(self, body: dict, creating: bool) -> list[str]:
        errors = []
        if creating and not str(body.get("desc_produto") or "").strip():
            errors.append(_required("desc_produto"))
        for fname in ("valor_produto", "valor_custo_produto", "estoque_produto"):
            if body.get(fname) not in (None, "") and not _is_money(body[fname]):
                errors.append(_invalid(fname))
        if body.get("status_produto") not in (None, "Ativo", "Inativo"):
            errors.append(_invalid("status_produto"))
        errors += self._check_lengths(body, {"desc_produto": 255, "cod_produto": 60, "unidade_produto": 6})
        return errors

    def _create_produto(self, req: Request) -> Response:
        body = self._object_body(req, "o produto")
        errors = self._validate_produto(body, True)
        if errors:
            raise _ApiError(403, errors)
        pid = self._next("produto")
        now = self._stamp()
        row = dict.fromkeys(PRODUCT_FIELDS, "")
        row.update(
            {
                "unidade_produto": "UN",
                "tipo_produto": "Produto",
                "status_produto": "Ativo",
                "valor_produto": "0.00",
                "valor_custo_produto": "0.00",
            }
        )
        row.update({k: v for k, v in body.items() if k in PRODUCT_FIELDS})
        row.update(
            {
                "id_produto": pid,
                "id_registro": pid,
                "estoque_produto": _long(body.get("estoque_produto", 0)),
                "valor_produto": _long(row["valor_produto"]),
                "data_cad_produto": now,
                "data_mod_produto": now,
                "lixeira": "Nao",
            }
        )
        self.produtos[pid] = row
        return self._ok(copy.deepcopy(row))

    def _produto(self, pid: int) -> dict:
        row = self.produtos.get(pid)
        if row is None:
            raise _ApiError(403, "Produto não encontrado!")
        return row

    def _get_produto(self, req: Request, pid: int) -> Response:
        return self._ok(copy.deepcopy(self._produto(pid)))

    def _update_produto(self, req: Request, pid: int) -> Response:
        row = self._produto(pid)
        body = self._object_body(req, "o produto")
        errors = self._validate_produto(body, False)
        if errors:
            raise _ApiError(403, errors)
        row.update({k: v for k, v in body.items() if k in PRODUCT_FIELDS})
        row["data_mod_produto"] = self._stamp()
        return self._ok(copy.deepcopy(row))

    def _delete_produto(self, req: Request, pid: int) -> Response:
        self._produto(pid).update(lixeira="Sim", data_mod_produto=self._stamp())
        return self._ok("Produto excluído com sucesso!")

    def _list_estoque(self, req: Request, pid: int) -> Response:
        self._produto(pid)
        rows = [m for m in self.estoque if m["id_produto"] == pid]
        return self._paged(req, rows, empty="Nenhum estoque encontrado!", pk="id_estoque", duplicates=False)

    def _create_estoque(self, req: Request, pid: int) -> Response:
        product = self._produto(pid)
        body = self._object_body(req, "o estoque")
        errors = []
        if body.get("tipo_estoque") not in ("Entrada", "Saida"):
            errors.append(_invalid("tipo_estoque") if body.get("tipo_estoque") else _required("tipo_estoque"))
        qty = body.get("qtde_estoque")
        if qty in (None, ""):
            errors.append(_required("qtde_estoque"))
        elif not _is_money(qty) or _dec(qty) <= 0:
            errors.append(_invalid("qtde_estoque"))
        if body.get("valor_estoque") not in (None, "") and not _is_money(body["valor_estoque"]):
            errors.append(_invalid("valor_estoque"))
        errors += self._check_lengths(body, {"obs_estoque": 255, "identificacao": 100})
        if errors:
            raise _ApiError(403, errors)
        now = self._stamp()
        move = {
            "id_estoque": self._next("estoque"),
            "id_produto": pid,
            "tipo_estoque": body["tipo_estoque"],
            "qtde_estoque": _long(qty),
            "valor_estoque": _long(body.get("valor_estoque") or 0),
            "obs_estoque": str(body.get("obs_estoque") or ""),
            "identificacao": str(body.get("identificacao") or ""),
            "data_estoque": now[:10],
            "data_cad_estoque": now,
        }
        self.estoque.append(move)
        sign = 1 if move["tipo_estoque"] == "Entrada" else -1
        product["estoque_produto"] = _long(_dec(product["estoque_produto"]) + sign * _dec(qty))
        product["data_mod_produto"] = now
        return self._ok(copy.deepcopy(move))

    # -- documents (shared by OS and pedidos) ----------------------------------------------
    def _settled(self, kind: str, doc_id: int) -> bool:
        return time.monotonic() - self.born.get((kind, doc_id), 0.0) >= self.consistency_lag

    def _ordem(self, oid: int) -> dict:
        doc = self.ordens.get(oid)
        if doc is None or not self._settled("os", oid):
            raise _ApiError(403, "Ordem de serviço não encontrada!")
        return doc

    def _pedido(self, pid: int) -> dict:
        doc = self.pedidos.get(pid)
        if doc is None or not self._settled("pv", pid):
            raise _ApiError(403, "Pedido não encontrado!")
        return doc

    def _sub_lister(self, getter, sub: str):
        empties = {
            "servicos": "Nenhum serviço encontrado!",
            "produtos": "Nenhum produto encontrado!",
            "parcelas": "Nenhuma parcela encontrada!",
            "status": "Nenhum status encontrado!",
        }
        pks = {
            "servicos": "id_ordem_servico",
            "produtos": "id_ped_produto",
            "parcelas": "id_parcela",
            "status": "id_status",
        }

        def lister(req: Request, doc_id: int) -> Response:
            doc = getter(doc_id)
            return self._paged(req, doc[sub], empty=empties[sub], pk=pks[sub], duplicates=False)

        return lister

    def _touch(self, doc: dict) -> None:
        doc["row"]["data_mod_pedido"] = self._stamp()

    def _recompute_os(self, doc: dict) -> None:
        row = doc["row"]
        services = sum((_dec(i["valor_total_servico"]) for i in doc["servicos"]), Decimal(0))
        parts = sum((_dec(i["valor_total_produto"]) for i in doc["produtos"]), Decimal(0))
        total = (
            services + parts + _dec(row.get("valor_total_despesas")) - _dec(row.get("valor_total_desconto"))
        )
        row.update(
            valor_total_servicos=_money(services),
            valor_total_pecas=_money(parts),
            valor_total_os=_money(total),
        )

    def _recompute_pv(self, doc: dict) -> None:
        row = doc["row"]
        goods = sum((_dec(i["valor_total_produto"]) for i in doc["produtos"]), Decimal(0))
        total = goods - _dec(row.get("desconto_pedido")) + _dec(row.get("frete_pedido"))
        row.update(valor_total_produtos=_money(goods), valor_total_nota=_money(total))

    def _validate_items(
        self, items: list[dict], qty_field: str, unit_field: str, product_field: str, product_required: bool
    ) -> list[str]:
        errors = []
        for item in items:
            ref = item.get(product_field)
            if product_required and ref in (None, "", 0, "0"):
                errors.append(_required(product_field))
            elif ref not in (None, "", 0, "0") and _int(ref) not in self.produtos:
                errors.append(f"O campo ({product_field}) não é válido: produto {ref} não encontrado")
            for fname in (qty_field, unit_field):
                if item.get(fname) in (None, ""):
                    errors.append(_required(fname))
                elif not _is_money(item[fname]):
                    errors.append(_invalid(fname))
            if item.get("desconto_produto") not in (None, "") and not _is_money(item["desconto_produto"]):
                errors.append(_invalid("desconto_produto"))
        return errors

    def _validate_parcelas(self, items: list[dict]) -> list[str]:
        errors = []
        for item in items:
            if item.get("data_parcela") in (None, ""):
                errors.append(_required("data_parcela"))
            elif not _is_date(item["data_parcela"]):
                errors.append(_invalid("data_parcela"))
            if item.get("valor_parcela") in (None, ""):
                errors.append(_required("valor_parcela"))
            elif not _is_money(item["valor_parcela"]):
                errors.append(_invalid("valor_parcela"))
            if (
                item.get("forma_pagamento") not in (None, "")
                and item["forma_pagamento"] not in PAYMENT_METHODS
            ):
                errors.append(_invalid("forma_pagamento"))
            errors += self._check_lengths(item, {"observacoes_parcela": 255})
        return errors

    def _set_parcelas(self, req: Request, doc: dict, doc_id: int) -> Response:
        items = self._array_body(req, "as parcelas")
        errors = self._validate_parcelas(items)
        if errors:
            raise _ApiError(403, errors)
        doc["parcelas"] = [
            {
                "id_parcela": self._next("parcela"),
                "id_pedido": doc_id,
                "data_parcela": i["data_parcela"],
                "valor_parcela": _money(i["valor_parcela"]),
                "forma_pagamento": i.get("forma_pagamento") or "Outros",
                "observacoes_parcela": str(i.get("observacoes_parcela") or ""),
            }
            for i in items
        ]  # replaces every earlier installment
        self._touch(doc)
        return self._ok(copy.deepcopy(doc["parcelas"]))

    def _add_status(self, req: Request, doc: dict, doc_id: int) -> Response:
        body = self._object_body(req, "o status")
        errors = []
        if body.get("data_status") in (None, ""):
            errors.append(_required("data_status"))
        elif not _is_date(body["data_status"]):
            errors.append(_invalid("data_status"))
        if body.get("tipo_status") in (None, ""):
            errors.append(_required("tipo_status"))
        else:
            self._check_status(body, errors, "tipo_status")
        errors += self._check_lengths(body, {"obs_status": 255})
        if errors:
            raise _ApiError(403, errors)
        entry = self._status_entry(
            doc,
            doc_id,
            body["tipo_status"],
            str(body.get("obs_status") or ""),
            body["data_status"],
            body.get("situacao"),
        )
        return self._ok(copy.deepcopy(entry))

    def _status_entry(
        self, doc: dict, doc_id: int, status: str, obs: str, date: str = "", situacao: Any = None
    ) -> dict:
        entry = {
            "id_status": self._next("status"),
            "id_pedido": doc_id,
            "data_status": date or self._today(),
            "tipo_status": status,
            "obs_status": obs,
            "id_usuario": 1,
            "nome_usuario": "API",
            "situacao": situacao,
        }
        doc["status"].append(entry)
        doc["row"]["status_pedido"] = status
        self._touch(doc)
        return entry

    def _update_header(self, req: Request, doc: dict, fields: tuple[str, ...], what: str) -> Response:
        body = self._object_body(req, what)
        errors: list[str] = []
        self._check_status(body, errors)
        self._check_dates(body, ("data_pedido", "data_entrega", "data_realizacao"), errors)
        if "id_cliente" in body and _int(body["id_cliente"]) not in self.clientes:
            errors.append(_invalid("id_cliente"))
        if errors:
            raise _ApiError(403, errors)
        doc["row"].update({k: v for k, v in body.items() if k in fields})
        if "id_cliente" in body:
            doc["row"]["id_cliente"] = _int(body["id_cliente"])
        self._touch(doc)
        return self._ok(copy.deepcopy(doc["row"]))

    def _item_lookup(self, items: list[dict], key: str, item_id: int) -> dict:
        for item in items:
            if item[key] == item_id:
                return item
        raise _ApiError(403, "Item não encontrado!")

    # -- ordens de serviço -----------------------------------------------------------------
    def _list_ordens(self, req: Request) -> Response:
        return self._paged(
            req,
            [d["row"] for d in self.ordens.values()],
            empty="Nenhuma ordem de serviço encontrada!",
            pk="id_ordem",
            date_field="data_mod_pedido",
            filters={"status": "status_pedido", "id_pedido": "id_pedido", "id_cliente": "id_cliente"},
            like={"nome_cliente": "nome_cliente", "vendedor": "vendedor_pedido"},
        )

    def _create_ordem(self, req: Request) -> Response:
        body = self._object_body(req, "a ordem de serviço")
        errors = []
        if body.get("id_cliente") in (None, "", 0, "0"):
            errors.append(_required("id_cliente"))
        elif _int(body["id_cliente"]) not in self.clientes:
            errors.append(_invalid("id_cliente"))
        if not str(body.get("nome_cliente") or "").strip():
            errors.append(_required("nome_cliente"))
        self._check_status(body, errors)
        self._check_dates(body, ("data_pedido", "data_entrega", "data_realizacao"), errors)
        for fname in ("valor_total_despesas", "valor_total_desconto"):
            if body.get(fname) not in (None, "") and not _is_money(body[fname]):
                errors.append(_invalid(fname))
        errors += self._check_lengths(body, {"referencia_ordem": 255, "nome_cliente": 255})
        if errors:
            raise _ApiError(403, errors)
        oid = self._next("ordem")
        now = self._stamp()
        row: dict[str, Any] = dict.fromkeys(OS_FIELDS, "")
        row.update({k: v for k, v in body.items() if k in OS_FIELDS})
        row.update(
            {
                "id_ordem": oid,
                "id_pedido": self._next("os_num"),
                "id_empresa": 1,
                "id_cliente": _int(body["id_cliente"]),
                "nome_tecnico": "",
                "tipo_servico": "",
                "tipo_atendimento": "",
                "status_pedido": body.get("status_pedido") or "Em Aberto",
                "situacao": 0,
                "data_pedido": body.get("data_pedido") or now[:10],
                "data_cad_pedido": now,
                "data_mod_pedido": now,
                "valor_total_despesas": _money(body.get("valor_total_despesas") or 0),
                "valor_total_desconto": _money(body.get("valor_total_desconto") or 0),
                "condicao_pagamento": "",
                "condicao_pagamento_id": 0,
                "nota_servico_emitida": 0,
                "contas_pedido": 0,
                "vendedor_pedido_id": _int(body.get("vendedor_pedido_id")),
                "lixeira": "Nao",
            }
        )
        doc = {"row": row, "servicos": [], "produtos": [], "parcelas": [], "status": []}
        self._recompute_os(doc)
        self.ordens[oid] = doc
        self.born["os", oid] = time.monotonic()
        return self._ok(copy.deepcopy(row))

    def _get_ordem(self, req: Request, oid: int) -> Response:
        return self._ok(copy.deepcopy(self._ordem(oid)["row"]))

    def _update_ordem(self, req: Request, oid: int) -> Response:
        doc = self._ordem(oid)
        resp = self._update_header(req, doc, OS_FIELDS, "a ordem de serviço")
        self._recompute_os(doc)
        resp.body["data"] = copy.deepcopy(doc["row"])
        return resp

    def _delete_ordem(self, req: Request, oid: int) -> Response:
        doc = self._ordem(oid)
        doc["row"]["lixeira"] = "Sim"
        self._touch(doc)
        return self._ok("Ordem de serviço excluída com sucesso!")

    def _add_os_servicos(self, req: Request, oid: int) -> Response:
        doc = self._ordem(oid)
        items = self._array_body(req, "os serviços")
        errors = self._validate_items(items, "horas_servico", "valor_unit_servico", "id_servico", False)
        for item in items:
            if not str(item.get("desc_servico") or "").strip():
                errors.append(_required("desc_servico"))
        if errors:
            raise _ApiError(403, errors)
        created = []
        for item in items:
            qty, unit = _dec(item["horas_servico"]), _dec(item["valor_unit_servico"])
            created.append(
                {
                    "id_ordem_servico": self._next("item"),
                    "id_ordem": oid,
                    "id_servico": _int(item.get("id_servico")),
                    "desc_servico": str(item["desc_servico"]),
                    "horas_servico": _long(qty),
                    "valor_unit_servico": _long(unit),
                    "valor_total_servico": _money(qty * unit),
                }
            )
        doc["servicos"].extend(created)
        self._recompute_os(doc)
        self._touch(doc)
        return self._ok(copy.deepcopy(created))

    def _goods_items(self, items: list[dict], doc_id: int, key: str, parent: str) -> list[dict]:
        created = []
        for item in items:
            qty, unit = _dec(item["qtde_produto"]), _dec(item["valor_unit_produto"])
            discount = _dec(item.get("desconto_produto") or 0)
            product = self.produtos[_int(item["id_produto"])]
            created.append(
                {
                    key: self._next("item"),
                    parent: doc_id,
                    "id_produto": product["id_produto"],
                    "desc_produto": str(item.get("desc_produto") or product["desc_produto"]),
                    "qtde_produto": _long(qty),
                    "valor_unit_produto": _long(unit),
                    "desconto_produto": _money(discount),
                    "valor_total_produto": _money(qty * unit - discount),
                }
            )
        return created

    def _add_os_produtos(self, req: Request, oid: int) -> Response:
        doc = self._ordem(oid)
        items = self._array_body(req, "os produtos")
        errors = self._validate_items(items, "qtde_produto", "valor_unit_produto", "id_produto", True)
        if errors:
            raise _ApiError(403, errors)
        created = self._goods_items(items, oid, "id_ordem_produto", "id_ordem")
        doc["produtos"].extend(created)
        self._recompute_os(doc)
        self._touch(doc)
        return self._ok(copy.deepcopy(created))

    def _set_os_parcelas(self, req: Request, oid: int) -> Response:
        return self._set_parcelas(req, self._ordem(oid), oid)

    def _add_os_status(self, req: Request, oid: int) -> Response:
        return self._add_status(req, self._ordem(oid), oid)

    def _get_os_item_servico(self, req: Request, oid: int, item_id: int) -> Response:
        return self._ok(
            copy.deepcopy(self._item_lookup(self._ordem(oid)["servicos"], "id_ordem_servico", item_id))
        )

    def _get_os_item_produto(self, req: Request, oid: int, item_id: int) -> Response:
        return self._ok(
            copy.deepcopy(self._item_lookup(self._ordem(oid)["produtos"], "id_ordem_produto", item_id))
        )

    def _put_item(
        self,
        req: Request,
        doc: dict,
        items: list[dict],
        key: str,
        item_id: int,
        qty_field: str,
        unit_field: str,
        total_field: str,
        recompute,
    ) -> Response:
        item = self._item_lookup(items, key, item_id)
        body = self._object_body(req, "o item")
        errors = [_invalid(f) for f in (qty_field, unit_field) if f in body and not _is_money(body[f])]
        if errors:
            raise _ApiError(403, errors)
        for fname, value in body.items():
            if fname in (qty_field, unit_field):
                item[fname] = _long(value)
            elif fname.startswith("desc_"):
                item[fname] = str(value)
        item[total_field] = _money(
            _dec(item[qty_field]) * _dec(item[unit_field]) - _dec(item.get("desconto_produto"))
        )
        recompute(doc)
        self._touch(doc)
        return self._ok(copy.deepcopy(item))

    def _put_os_item_servico(self, req: Request, oid: int, item_id: int) -> Response:
        doc = self._ordem(oid)
        return self._put_item(
            req,
            doc,
            doc["servicos"],
            "id_ordem_servico",
            item_id,
            "horas_servico",
            "valor_unit_servico",
            "valor_total_servico",
            self._recompute_os,
        )

    def _put_os_item_produto(self, req: Request, oid: int, item_id: int) -> Response:
        doc = self._ordem(oid)
        return self._put_item(
            req,
            doc,
            doc["produtos"],
            "id_ordem_produto",
            item_id,
            "qtde_produto",
            "valor_unit_produto",
            "valor_total_produto",
            self._recompute_os,
        )

    def _del_item(self, doc: dict, sub: str, key: str, item_id: int, recompute) -> Response:
        item = self._item_lookup(doc[sub], key, item_id)
        doc[sub].remove(item)
        recompute(doc)
        self._touch(doc)
        return self._ok("Item excluído com sucesso!")

    def _del_os_item_servico(self, req: Request, oid: int, item_id: int) -> Response:
        return self._del_item(self._ordem(oid), "servicos", "id_ordem_servico", item_id, self._recompute_os)

    def _del_os_item_produto(self, req: Request, oid: int, item_id: int) -> Response:
        return self._del_item(self._ordem(oid), "produtos", "id_ordem_produto", item_id, self._recompute_os)

    # -- pedidos ---------------------------------------------------------------------------
    def _list_pedidos(self, req: Request) -> Response:
        if req.arg("order") == "data_mod_pedido" and req.arg("sort").lower() == "asc":
            # Observed in production: this ordering answers an HTML error page instead of JSON.
            return html(
                "<html><head><title>Erro</title></head><body><h1>Ops! Ocorreu um erro.</h1>"
                "<p>Tente novamente mais tarde.</p></body></html>"
            )
        return self._paged(
            req,
            [d["row"] for d in self.pedidos.values()],
            empty="Nenhum pedido encontrado!",
            pk="id_ped",
            date_field="data_mod_pedido",
            filters={"status": "status_pedido", "id_pedido": "id_pedido", "id_cliente": "id_cliente"},
            like={"nome_cliente": "nome_cliente", "vendedor": "vendedor_pedido"},
        )

    def _create_pedido(self, req: Request) -> Response:
        body = self._object_body(req, "o pedido")
        errors = []
        if not str(body.get("nome_cliente") or "").strip():
            errors.append(_required("nome_cliente"))
        if body.get("id_cliente") not in (None, "", 0, "0") and _int(body["id_cliente"]) not in self.clientes:
            errors.append(_invalid("id_cliente"))
        self._check_status(body, errors)
        self._check_dates(body, ("data_pedido",), errors)
        for fname in ("desconto_pedido", "frete_pedido"):
            if body.get(fname) not in (None, "") and not _is_money(body[fname]):
                errors.append(_invalid(fname))
        for fname in ("estoque_pedido", "contas_pedido"):
            if body.get(fname) not in (None, "", 0, 1, "0", "1"):
                errors.append(_invalid(fname))
        errors += self._check_lengths(
            body, {"referencia_pedido": 100, "prazo_entrega": 20, "nome_cliente": 255}
        )
        if errors:
            raise _ApiError(403, errors)
        pid = self._next("ped")
        now = self._stamp()
        row: dict[str, Any] = dict.fromkeys(PV_FIELDS, "")
        row.update({k: v for k, v in body.items() if k in PV_FIELDS})
        row.update(
            {
                "id_ped": pid,
                "id_pedido": self._next("ped_num"),
                "id_empresa": 1,
                "id_cliente": _int(body.get("id_cliente")),
                "status_pedido": body.get("status_pedido") or "Em Aberto",
                "situacao": None,
                "data_pedido": body.get("data_pedido") or now[:10],
                "data_cad_pedido": now,
                "data_mod_pedido": now,
                "desconto_pedido": _money(body.get("desconto_pedido") or 0),
                "frete_pedido": _money(body.get("frete_pedido") or 0),
                "estoque_pedido": _int(body.get("estoque_pedido")),
                "contas_pedido": _int(body.get("contas_pedido")),
                "id_aplicativo": 0,
                "id_pedido_aplicativo": "",
                "vendedor_pedido_id": _int(body.get("vendedor_pedido_id")),
                "lixeira": "Nao",
            }
        )
        doc = {"row": row, "produtos": [], "parcelas": [], "status": []}
        self._recompute_pv(doc)
        self.pedidos[pid] = doc
        self.born["pv", pid] = time.monotonic()
        answer = copy.deepcopy(row)
        if self.empty_pedido_number:
            answer["id_pedido"] = ""
        return self._ok([answer])  # data is an ARRAY for POST /pedidos

    def _get_pedido(self, req: Request, pid: int) -> Response:
        return self._ok(copy.deepcopy(self._pedido(pid)["row"]))

    def _update_pedido(self, req: Request, pid: int) -> Response:
        doc = self._pedido(pid)
        resp = self._update_header(req, doc, PV_FIELDS, "o pedido")
        self._recompute_pv(doc)
        resp.body["data"] = copy.deepcopy(doc["row"])
        return resp

    def _delete_pedido(self, req: Request, pid: int) -> Response:
        doc = self._pedido(pid)
        doc["row"]["lixeira"] = "Sim"
        self._touch(doc)
        return self._ok("Pedido excluído com sucesso!")

    def _add_pv_produtos(self, req: Request, pid: int) -> Response:
        doc = self._pedido(pid)
        items = self._array_body(req, "os produtos")
        errors = self._validate_items(items, "qtde_produto", "valor_unit_produto", "id_produto", True)
        if errors:
            raise _ApiError(403, errors)
        created = self._goods_items(items, pid, "id_ped_produto", "id_pedido")
        doc["produtos"].extend(created)
        self._recompute_pv(doc)
        self._touch(doc)
        return self._ok(copy.deepcopy(created))

    def _set_pv_parcelas(self, req: Request, pid: int) -> Response:
        return self._set_parcelas(req, self._pedido(pid), pid)

    def _add_pv_status(self, req: Request, pid: int) -> Response:
        return self._add_status(req, self._pedido(pid), pid)

    def _get_pv_item(self, req: Request, pid: int, item_id: int) -> Response:
        return self._ok(
            copy.deepcopy(self._item_lookup(self._pedido(pid)["produtos"], "id_ped_produto", item_id))
        )

    def _put_pv_item(self, req: Request, pid: int, item_id: int) -> Response:
        doc = self._pedido(pid)
        return self._put_item(
            req,
            doc,
            doc["produtos"],
            "id_ped_produto",
            item_id,
            "qtde_produto",
            "valor_unit_produto",
            "valor_total_produto",
            self._recompute_pv,
        )

    def _del_pv_item(self, req: Request, pid: int, item_id: int) -> Response:
        return self._del_item(self._pedido(pid), "produtos", "id_ped_produto", item_id, self._recompute_pv)

    # -- contas a receber ------------------------------------------------------------------
    def _list_receitas(self, req: Request) -> Response:
        return self._paged(
            req,
            list(self.receitas.values()),
            empty="Nenhuma receita encontrada!",
            pk="id_conta_rec",
            date_field="data_mod_rec",
            filters={"liquidado": "liquidado_rec", "id_cliente": "id_cliente", "id_registro": "id_registro"},
        )

    def _receita(self, rid: int) -> dict:
        row = self.receitas.get(rid)
        if row is None:
            raise _ApiError(403, "Receita não encontrada!")
        return row

    def _get_receita(self, req: Request, rid: int) -> Response:
        return self._ok(copy.deepcopy(self._receita(rid)))

    def _new_receita(self, **values: Any) -> dict:
        now = self._stamp()
        row = {
            "id_conta_rec": self._next("receita"),
            "id_registro": 0,
            "identificacao": "",
            "nome_conta": "",
            "categoria_rec": "",
            "id_categoria": 0,
            "id_banco": 0,
            "id_cliente": 0,
            "nome_cliente": "",
            "vencimento_rec": now[:10],
            "valor_rec": "0.00",
            "valor_pago": "0.00",
            "valor_baixa": "0.00",
            "data_emissao": now[:10],
            "n_documento_rec": "",
            "observacoes_rec": "",
            "liquidado_rec": "Nao",
            "data_pagamento": None,
            "forma_pagamento": "",
            "situacao": None,
            "status": None,
            "data_cad_rec": now,
            "data_mod_rec": now,
            "lixeira": "Nao",
        }
        row.update(values)
        self.receitas[row["id_conta_rec"]] = row
        return row

    def _create_receita(self, req: Request) -> Response:
        body = self._object_body(req, "a receita")
        errors = [
            _required(f)
            for f in ("nome_conta", "id_banco", "vencimento_rec", "valor_rec", "data_emissao")
            if body.get(f) in (None, "")
        ]
        if body.get("valor_rec") not in (None, "") and not _is_money(body["valor_rec"]):
            errors.append(_invalid("valor_rec"))
        self._check_dates(body, ("vencimento_rec", "data_emissao"), errors)
        if errors:
            raise _ApiError(403, errors)
        allowed = (
            "nome_conta",
            "id_banco",
            "vencimento_rec",
            "data_emissao",
            "id_cliente",
            "nome_cliente",
            "n_documento_rec",
            "observacoes_rec",
            "forma_pagamento",
            "categoria_rec",
            "id_categoria",
        )
        row = self._new_receita(
            **{k: v for k, v in body.items() if k in allowed}, valor_rec=_money(body["valor_rec"])
        )  # not linked to any document
        return self._ok(copy.deepcopy(row))

    def _update_receita(self, req: Request, rid: int) -> Response:
        row = self._receita(rid)
        body = self._object_body(req, "a receita")
        errors = []
        if body.get("liquidado_rec") not in (None, "Sim", "Nao"):
            errors.append(_invalid("liquidado_rec"))
        for fname in ("valor_pago", "valor_rec"):
            if body.get(fname) not in (None, "") and not _is_money(body[fname]):
                errors.append(_invalid(fname))
        if errors:
            raise _ApiError(403, errors)
        if body.get("liquidado_rec") == "Nao":
            row.update(
                liquidado_rec="Nao",
                valor_pago="0.00",
                valor_baixa="0.00",
                data_pagamento=None,
                status=None,
                situacao=None,
            )
        elif body.get("liquidado_rec") == "Sim":
            paid = _money(body.get("valor_pago") or row["valor_rec"])
            row.update(
                liquidado_rec="Sim",
                valor_pago=paid,
                valor_baixa=paid,
                status=3,
                situacao="Conta Liquidada.",
                data_pagamento=body.get("data_pagamento") or self._today(),
            )
        for fname in (
            "nome_conta",
            "vencimento_rec",
            "observacoes_rec",
            "forma_pagamento",
            "n_documento_rec",
        ):
            if fname in body:
                row[fname] = body[fname]
        row["data_mod_rec"] = self._stamp()
        return self._ok(copy.deepcopy(row))

    def _delete_receita(self, req: Request, rid: int) -> Response:
        self._receita(rid).update(lixeira="Sim", data_mod_rec=self._stamp())
        return self._ok("Receita excluída com sucesso!")

    # -- notas de serviço (NFS-e) ----------------------------------------------------------
    def _list_nfse(self, req: Request) -> Response:
        return self._paged(
            req,
            list(self.notas_servico.values()),
            empty="Nenhuma nota de serviço encontrada!",
            pk="id_servico",
            date_field="data_mod_pedido",
            filters={"id_cliente": "id_cliente", "status": "status_pedido"},
        )

    def _nfse(self, nid: int) -> dict:
        row = self.notas_servico.get(nid)
        if row is None:
            raise _ApiError(403, "Nota de serviço não encontrada!")
        return row

    def _create_nfse(self, req: Request) -> Response:
        body = self._object_body(req, "a nota de serviço")
        errors = []
        if body.get("id_cliente") in (None, "", 0, "0"):
            errors.append(_required("id_cliente"))
        elif _int(body["id_cliente"]) not in self.clientes:
            errors.append(_invalid("id_cliente"))
        if not str(body.get("desc_servicos") or "").strip():
            errors.append(_required("desc_servicos"))
        if body.get("valor_total_servicos") in (None, ""):
            errors.append(_required("valor_total_servicos"))
        elif not _is_money(body["valor_total_servicos"]):
            errors.append(_invalid("valor_total_servicos"))
        if str(body.get("ambiente", "1")) not in ("1", "2"):
            errors.append(_invalid("ambiente"))
        errors += self._check_lengths(body, {"desc_servicos": 255})
        if errors:
            raise _ApiError(403, errors)
        nid = self._next("nfse")
        now = self._stamp()
        row = dict.fromkeys(NFSE_FIELDS, "")
        row.update({k: v for k, v in body.items() if k in NFSE_FIELDS})
        row.update(
            {
                "id_servico": nid,
                "id_pedido": self._next("nfse_num"),
                "id_cliente": _int(body["id_cliente"]),
                "ambiente": _int(body.get("ambiente", 1), 1),
                "valor_total_servicos": _money(body["valor_total_servicos"]),
                "valor_total_nota": _money(body.get("valor_total_nota") or body["valor_total_servicos"]),
                "status_pedido": "Em Aberto",
                "nota_emitida": 0,
                "NumeroNFS": "",
                "data_cad_pedido": now,
                "data_mod_pedido": now,
                "lixeira": "Nao",
            }
        )
        self.notas_servico[nid] = row
        return self._ok(copy.deepcopy(row))

    def _get_nfse(self, req: Request, nid: int) -> Response:
        return self._ok(copy.deepcopy(self._nfse(nid)))

    def _update_nfse(self, req: Request, nid: int) -> Response:
        row = self._nfse(nid)
        if row["nota_emitida"]:
            raise _ApiError(403, "Não é possível alterar uma nota já emitida!")
        body = self._object_body(req, "a nota de serviço")
        row.update({k: v for k, v in body.items() if k in NFSE_FIELDS and k != "status_pedido"})
        row["data_mod_pedido"] = self._stamp()
        return self._ok(copy.deepcopy(row))

    def _delete_nfse(self, req: Request, nid: int) -> Response:
        self._nfse(nid).update(lixeira="Sim", data_mod_pedido=self._stamp())
        return self._ok("Nota de serviço excluída com sucesso!")

    def _emit_nfse(self, req: Request, nid: int) -> Response:
        row = self._nfse(nid)
        if row["nota_emitida"]:
            raise _ApiError(403, "A nota de serviço já foi emitida!")
        if self.nfse_rejection:
            raise _ApiError(403, self.nfse_rejection)
        client = self.clientes.get(row["id_cliente"], {})
        if not client.get("cep_cliente") or not client.get("cidade_cliente"):
            raise _ApiError(403, "Rejeição: endereço do tomador incompleto (CEP e cidade são obrigatórios).")
        self._emit_nfse_row(row)
        return self._ok({"id_servico": nid, "NumeroNFS": row["NumeroNFS"], "status": "Autorizada"})

    def _emit_nfse_row(self, row: dict) -> None:
        row.update(
            nota_emitida=1,
            NumeroNFS=str(self._next("nfse_num") + 50000),
            status_pedido="Atendido",
            data_mod_pedido=self._stamp(),
        )

    # -- notas fiscais (NF-e), read-only --------------------------------------------------
    def _list_nfe(self, req: Request) -> Response:
        return self._paged(
            req,
            list(self.notas_fiscais.values()),
            empty="Nenhuma nota fiscal encontrada!",
            pk="id_venda",
            date_field="data_mod_pedido",
            filters={
                "id_pedido_ref": "id_pedido_ref",
                "nota_emitida": "nota_emitida",
                "id_cliente": "id_cliente",
            },
        )

    def _get_nfe(self, req: Request, nid: int) -> Response:
        row = self.notas_fiscais.get(nid)
        if row is None:
            raise _ApiError(403, "Nota fiscal não encontrada!")
        return self._ok(copy.deepcopy(row))

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
        return Response(500, {"code": 500, "status": "error", "data": f"falha simulada: {fault}"})

    # -- control ---------------------------------------------------------------------------
    def control(self, action: str, params: dict[str, Any]) -> Any:
        with self.lock:
            if action == "restore_credentials":
                self.revoked = False
                return {"ok": True}
            if action == "revoke_credentials":
                self.revoked = True
                return {"ok": True}
            if action == "set_credentials":  # require exactly these tokens (default: see _authorized)
                access, secret = params.get("access_token", ""), params.get("secret_token", "")
                self.tokens = (access, secret) if access and secret else None
                return {"ok": True}
            if action == "clock":
                if "offset_seconds" in params:
                    self.clock_offset = float(params["offset_seconds"])
                self.clock_offset += float(params.get("advance_seconds", 0) or 0)
                return {"now": self._stamp(), "offset_seconds": self.clock_offset}
            if action == "nfse_reject":
                self.nfse_rejection = str(params.get("message") or "")
                return {"ok": True}
            if action == "configure":
                for key in ("duplicate_rows", "empty_pedido_number", "date_only_filter"):
                    if key in params:
                        setattr(
                            self, key, params[key] if isinstance(params[key], bool) else _flag(params[key])
                        )
                return {
                    "duplicate_rows": self.duplicate_rows,
                    "empty_pedido_number": self.empty_pedido_number,
                    "date_only_filter": self.date_only_filter,
                }
            doc_type, doc = self._control_doc(params)
            if action == "pay":
                self._launch_receivables(doc_type, doc)
                self._liquidate(doc_type, doc, params.get("amount"))
            elif action == "launch_receivables":
                self._launch_receivables(doc_type, doc)
            elif action == "ready":
                self._status_entry(doc, self._doc_id(doc_type, doc), "Atendido", "Atendido (sandbox)")
            elif action == "cancel":
                self._status_entry(doc, self._doc_id(doc_type, doc), "Cancelado", "Cancelado (sandbox)")
            elif action == "issue":
                self._issue(doc_type, doc)
            elif action == "delete":  # as a VHSYS user deleting it in the UI: to the trash
                doc["row"]["lixeira"] = "Sim"
                self._touch(doc)
            elif action == "cancel_note":
                self._cancel_note(doc_type, doc)
            elif action == "reject_note":  # the SEFAZ denied the NF-e
                self._issue(doc_type, doc)
                note = self._notes_of(doc)[-1]
                note.update(nota_emitida=0, nota_denegada=1, status_pedido="Em Aberto")
            else:
                raise ValueError(f"unknown vhsys action {action!r}")
            return self._summary(doc_type, doc)

    def _control_doc(self, params: dict[str, Any]) -> tuple[str, dict]:
        doc_type = params.get("doc_type", "")
        doc_id = _int(params.get("id"), -1)
        table = {"service_order": self.ordens, "sales_order": self.pedidos}.get(doc_type)
        if table is None:
            raise ValueError("doc_type must be service_order or sales_order")
        if doc_id not in table:
            raise ValueError(f"no {doc_type} with id {params.get('id')!r}")
        return doc_type, table[doc_id]

    @staticmethod
    def _doc_id(doc_type: str, doc: dict) -> int:
        return doc["row"]["id_ordem" if doc_type == "service_order" else "id_ped"]

    def _identificacao(self, doc_type: str, doc: dict) -> str:
        return ("OS_" if doc_type == "service_order" else "Ped_") + str(self._doc_id(doc_type, doc))

    def _total(self, doc_type: str, doc: dict) -> Decimal:
        return _dec(doc["row"]["valor_total_os" if doc_type == "service_order" else "valor_total_nota"])

    def _linked_receivables(self, doc_type: str, doc: dict) -> list[dict]:
        ident = self._identificacao(doc_type, doc)
        idents = {ident}
        if doc_type == "sales_order":
            idents |= {
                f"NFe_{n['id_venda']}"
                for n in self.notas_fiscais.values()
                if n["id_pedido_ref"] == self._doc_id(doc_type, doc)
            }
        return [r for r in self.receitas.values() if r["identificacao"] in idents and r["lixeira"] == "Nao"]

    def _launch_receivables(self, doc_type: str, doc: dict) -> None:
        """What "Lançar Contas" does in the VHSYS UI: one receivable per installment, linked by
        ``identificacao``."""
        row = doc["row"]
        if _int(row.get("contas_pedido")) == 1 or self._linked_receivables(doc_type, doc):
            return
        kind = "Ordem de Serviço" if doc_type == "service_order" else "Pedido"
        installments = doc["parcelas"] or [
            {
                "data_parcela": self._today(),
                "valor_parcela": _money(self._total(doc_type, doc)),
                "forma_pagamento": "Outros",
            }
        ]
        for n, inst in enumerate(installments, 1):
            self._new_receita(
                id_registro=row["id_pedido"],
                identificacao=self._identificacao(doc_type, doc),
                nome_conta=f"{kind} {row['id_pedido']} - parcela {n}/{len(installments)}",
                id_cliente=row["id_cliente"],
                nome_cliente=row["nome_cliente"],
                vencimento_rec=inst["data_parcela"],
                valor_rec=_money(inst["valor_parcela"]),
                n_documento_rec=f"{row['id_pedido']}/{n}",
                forma_pagamento=inst.get("forma_pagamento") or "Outros",
                data_emissao=self._today(),
            )
        row["contas_pedido"] = 1
        self._touch(doc)

    def _liquidate(self, doc_type: str, doc: dict, amount: Any = None) -> None:
        """Settle the linked receivables: fully, or up to ``amount`` (a partial payment leaves a
        receivable ``liquidado_rec`` "Sim" with ``valor_pago`` < ``valor_rec``, as VHSYS can)."""
        remaining = None if amount in (None, "") else _dec(amount)
        for rec in self._linked_receivables(doc_type, doc):
            due = _dec(rec["valor_rec"]) - (_dec(rec["valor_pago"]) if rec["liquidado_rec"] == "Sim" else 0)
            if due <= 0 or (remaining is not None and remaining <= 0):
                continue
            step = due if remaining is None else min(remaining, due)
            if remaining is not None:
                remaining -= step
            value = step + (_dec(rec["valor_pago"]) if rec["liquidado_rec"] == "Sim" else 0)
            rec.update(
                liquidado_rec="Sim",
                valor_pago=_money(value),
                valor_baixa=_money(value),
                data_pagamento=self._today(),
                status=3,
                situacao="Conta Liquidada.",
                data_mod_rec=self._stamp(),
            )

    def _issue(self, doc_type: str, doc: dict) -> None:
        row = doc["row"]
        now = self._stamp()
        if doc_type == "service_order":
            nid = self._next("nfse")
            nfse = dict.fromkeys(NFSE_FIELDS, "")
            nfse.update(
                {
                    "id_servico": nid,
                    "id_pedido": self._next("nfse_num"),
                    "id_cliente": row["id_cliente"],
                    "nome_cliente": row["nome_cliente"],
                    "ambiente": 1,
                    "desc_servicos": "; ".join(s["desc_servico"] for s in doc["servicos"])[:255],
                    "valor_total_servicos": row["valor_total_servicos"],
                    "valor_total_nota": row["valor_total_os"],
                    "status_pedido": "Em Aberto",
                    "nota_emitida": 0,
                    "NumeroNFS": "",
                    "data_cad_pedido": now,
                    "data_mod_pedido": now,
                    "lixeira": "Nao",
                }
            )
            self._emit_nfse_row(nfse)
            self.notas_servico[nid] = nfse
            doc["nfse"] = nfse["NumeroNFS"]
            row["nota_servico_emitida"] = 1
            self._touch(doc)
            return
        vid = self._next("nfe")
        self.notas_fiscais[vid] = {
            "id_venda": vid,
            "id_pedido": self._next("nfe_num"),
            "id_pedido_ref": row["id_ped"],
            "id_cliente": row["id_cliente"],
            "nome_cliente": row["nome_cliente"],
            "valor_total_nota": row["valor_total_nota"],
            "nota_emitida": 1,
            "status_pedido": "Atendido",
            "nota_chave": "35" + str(vid).rjust(42, "0"),
            "nota_protocolo": str(135000000000000 + vid),
            "nota_data_autorizacao": now,
            "nota_data_cancelamento": None,
            "nota_motivo_cancelamento": "",
            "nota_denegada": 0,
            "ambiente": 1,
            "contas_pedido": 0,
            "estoque_pedido": 0,
            "data_emissao": now[:10],
            "data_cad_pedido": now,
            "data_mod_pedido": now,
            "lixeira": "Nao",
        }  # the pedido itself is not touched: read-back must look at /notas-fiscais

    def _notes_of(self, doc: dict) -> list[dict]:
        return [n for n in self.notas_fiscais.values() if n["id_pedido_ref"] == doc["row"]["id_ped"]]

    def _cancel_note(self, doc_type: str, doc: dict) -> None:
        """As a VHSYS user cancelling the note in the UI (the OS's NFS-e, the pedido's NF-e)."""
        now = self._stamp()
        row = doc["row"]
        if doc_type == "service_order":
            numbers = {doc.get("nfse")} | set(
                re.findall(r"\[NFS-e (\d+)\]", str(row.get("obs_interno_pedido")))
            )
            drafts = set(re.findall(r"\[NFS-e rascunho (\d+)\]", str(row.get("obs_interno_pedido"))))
            for nid, note in self.notas_servico.items():
                if str(nid) in drafts or note["NumeroNFS"] in numbers:
                    note.update(status_pedido="Cancelado", nota_data_cancelamento=now, data_mod_pedido=now)
            row["nota_servico_emitida"] = 0
            self._touch(doc)
            return
        for note in self._notes_of(doc):
            if note["nota_emitida"] and not note["nota_data_cancelamento"]:
                note.update(
                    nota_data_cancelamento=now,
                    nota_motivo_cancelamento="Cancelada (sandbox)",
                    status_pedido="Cancelado",
                    data_mod_pedido=now,
                )

    # -- snapshot --------------------------------------------------------------------------
    def _note_number(self, doc_type: str, doc: dict) -> str:
        row = doc["row"]
        if doc_type == "service_order":
            if not row.get("nota_servico_emitida"):  # issued through the API: its own record says
                drafts = re.findall(r"\[NFS-e rascunho (\d+)\]", str(row.get("obs_interno_pedido") or ""))
                note = self.notas_servico.get(int(drafts[-1])) if drafts else None
                live = note and note["nota_emitida"] and note["status_pedido"] != "Cancelado"
                return note["NumeroNFS"] if live else ""
            return doc.get("nfse") or "1"
        for note in self.notas_fiscais.values():
            if (
                note["id_pedido_ref"] == row["id_ped"]
                and note["nota_emitida"]
                and not note["nota_data_cancelamento"]
            ):
                return str(note["id_pedido"])
        return ""

    def _summary(self, doc_type: str, doc: dict) -> dict[str, Any]:
        row = doc["row"]
        doc_id = self._doc_id(doc_type, doc)
        receivables = self._linked_receivables(doc_type, doc)
        total = self._total(doc_type, doc)
        paid = (
            bool(receivables)
            and all(r["liquidado_rec"] == "Sim" for r in receivables)
            and sum((_dec(r["valor_pago"]) for r in receivables), Decimal(0)) >= total
        )
        is_os = doc_type == "service_order"
        marker = (row.get("referencia_ordem") if is_os else "") or str(row.get("obs_interno_pedido") or "")
        items = doc["servicos"] + doc["produtos"] if is_os else doc["produtos"]
        ident = f"Ped_{doc_id}"
        moves = [m for m in self.estoque if m["identificacao"] in (ident, ident + "-estorno")]
        stock: dict[str, str] = {}
        for move in moves:
            sign = -1 if move["tipo_estoque"] == "Saida" else 1
            key = str(move["id_produto"])
            stock[key] = _long(_dec(stock.get(key, 0)) + sign * _dec(move["qtde_estoque"]))
        return {
            "doc_type": doc_type,
            "id": str(doc_id),
            "number": str(row["id_pedido"]),
            "marker": marker.splitlines()[0].strip() if marker else "",
            "status": row["status_pedido"],
            "customer": row["nome_cliente"],
            "customer_id": row["id_cliente"],
            "total": _money(total),
            "paid": paid,
            "note": self._note_number(doc_type, doc),
            "in_trash": row["lixeira"] == "Sim",
            "live": row["lixeira"] != "Sim" and row["status_pedido"] != "Cancelado",
            "items": len(items),
            "services": len(doc.get("servicos", [])),
            "goods": len(doc["produtos"]),
            "items_total": _money(
                sum(
                    (_dec(i.get("valor_total_servico") or i.get("valor_total_produto")) for i in items),
                    Decimal(0),
                )
            ),
            "installments": len(doc["parcelas"]),
            "installments_total": _money(
                sum((_dec(p["valor_parcela"]) for p in doc["parcelas"]), Decimal(0))
            ),
            "receivables": len(receivables),
            "stock_exits": sum(1 for m in moves if m["tipo_estoque"] == "Saida"),
            "stock_reversals": sum(1 for m in moves if m["tipo_estoque"] == "Entrada"),
            "stock_net": stock,
            "modified": row["data_mod_pedido"],
        }

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            documents = [self._summary("service_order", d) for d in self.ordens.values()]
            documents += [self._summary("sales_order", d) for d in self.pedidos.values()]
            return {
                "documents": documents,
                "customers": copy.deepcopy(list(self.clientes.values())),
                "products": copy.deepcopy(list(self.produtos.values())),
                "stock_moves": copy.deepcopy(self.estoque),
                "receivables": copy.deepcopy(list(self.receitas.values())),
                "service_notes": copy.deepcopy(list(self.notas_servico.values())),
                "invoices": copy.deepcopy(list(self.notas_fiscais.values())),
                "revoked": self.revoked,
                "clock": self._stamp(),
                "calls": self.calls,
            }
