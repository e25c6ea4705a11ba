"""Constants and helpers of the Bling emulator: the seeded account, the error shape, parsing."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..clock import BRT, STAMP_FORMAT, now_brt
from ..wire import Request, Response

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


def _forma(
    fid: int, descricao: str, tipo: int, *, situacao: int = 1, padrao: int = 0, destino: int = 1
) -> dict:
    """A payment method as ``GET /formas-pagamentos/{id}`` shows it (the list leaves out ``destino``)."""
    return {
        "id": fid,
        "descricao": descricao,
        "tipoPagamento": tipo,
        "situacao": situacao,
        "fixa": padrao == 1,
        "padrao": padrao,
        "finalidade": 3,
        "juros": 0,
        "multa": 0,
        "destino": destino,
    }


FORMAS = [
    _forma(2101001, "Dinheiro", 1, padrao=1),
    _forma(2101002, "Boleto", 15),
    _forma(2101003, "PIX", 17),
    _forma(2101004, "Cartão de crédito", 3),
    _forma(2101006, "Cartão de débito", 4, destino=3),  # Caixa e bancos: lancar-contas makes no receivable
    _forma(2101005, "Cheque (inativa)", 2, situacao=0),
]
# The account's NFS-e service codes (GET /nfse/configuracoes ISS.tributos[].codigo.listaServico)
NFSE_SERVICE_CODES = [("0501", "Medicina veterinária"), ("0508", "Guarda, tratamento, banho e tosa")]
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
# The ``stock_refusal_wording`` switch: (lancar-estoque repeated, estornar-estoque of nothing).
# Bling's real texts were found nowhere (fidelity-review, "Not found anywhere").
STOCK_REFUSALS = {
    "ja_foi_lancado": ("O estoque desta venda já foi lançado.", "O estoque desta venda não foi lançado."),
    "ja_possui_lancamento": (
        "A venda já possui lançamento de estoque.",
        "A venda não possui lançamento de estoque.",
    ),
    "lancado_anteriormente": (
        "Estoque lançado anteriormente para esta venda.",
        "Não há estoque lançado para esta venda.",
    ),
}
# The daily quota's 429 in each position of the ``daily_quota_body`` switch.
DAILY_QUOTA_BODIES = {
    "period": {
        "error": dict(
            RATE_LIMIT_BODY["error"],
            description="O limite de requisições por dia foi atingido, tente novamente amanhã.",
            limit=120000,
            period="day",
        )
    },
    "description": {
        "error": {
            "type": "TOO_MANY_REQUESTS",
            "message": "Limite de requisições atingido.",
            "description": "O limite diário de requisições foi atingido, tente novamente amanhã.",
        }
    },
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


def _document(value: Any) -> str:
    """A CPF/CNPJ without its mask: digits, and the letters of an alphanumeric CNPJ (upper case)."""
    return re.sub(r"[^0-9A-Z]", "", str(value or "").upper())


def _cnpj_ok(doc: str) -> bool:
    """The CNPJ check digits, numeric or alphanumeric (Receita Federal, from July 2026: each
    character counts as its ASCII code minus 48, so digits keep their value)."""
    if not re.fullmatch(r"[0-9A-Z]{12}[0-9]{2}", doc) or len(set(doc)) == 1:
        return False
    values = [ord(c) - 48 for c in doc]
    for size in (12, 13):
        weights = [(n % 8) + 2 for n in range(size)][::-1]
        check = sum(v * w for v, w in zip(values[:size], weights, strict=True)) % 11
        if values[size] != (0 if check < 2 else 11 - check):
            return False
    return True


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


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _public(record: dict[str, Any]) -> dict[str, Any]:
    """A stored record without the emulator's private keys (``_...``)."""
    return {k: _copy(v) for k, v in record.items() if not k.startswith("_")}
