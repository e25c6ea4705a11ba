"""Constants and helpers of the VHSYS emulator: field lists and limits, the error, number and date parsing."""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

_logger = logging.getLogger(__name__)

PAGE_MAX = 250
BASE_STATUSES = ("Em Aberto", "Em Andamento", "Atendido", "Cancelado")
# forma_pagamento values VHSYS takes: copied from its official "Cadastrar parcelas" page
# (erp-apis/vhsys.md §3.4), not imported from the addon: the sandbox checks the client against
# the page, and a client that drifted from it must meet a refusal here.
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
# The account's one seller (GET /vendedores, fields of the official "Listar Vendedores" page).
SELLER = {
    "id_vendedor": 265187,
    "id_registro": 1,
    "tipo_pessoa": "PF",
    "cnpj_vendedor": "",
    "razao_vendedor": "Vendedor Sandbox",
    "fantasia_vendedor": "",
    "email_vendedor": "vendedor@example.com",
    "situacao_vendedor": "Ativo",
    "data_cad_vendedor": "2026-01-02 09:00:00",
    "data_mod_vendedor": "2026-01-02 09:00:00",
    "lixeira": "Nao",
}
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
    "obs_pedido",
    "obs_interno_pedido",
    "status_pedido",
)

_MONEY_RE = re.compile(r"-?\d+(\.\d+)?")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MODIFIED_RE = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?")
_CENT = Decimal("0.01")
# The sub-resources listed under an OS or a PV: what an empty list says, their primary key.
_OS_SUBS = ("servicos", "produtos", "parcelas", "status")
_PV_SUBS = ("produtos", "parcelas", "status")
_SUB_EMPTY = {
    "servicos": "Nenhum serviço encontrado!",
    "produtos": "Nenhum produto encontrado!",
    "parcelas": "Nenhuma parcela encontrada!",
    "status": "Nenhum status encontrado!",
}
_SUB_PK = {
    "servicos": "id_ordem_servico",
    "produtos": "id_ped_produto",
    "parcelas": "id_parcela",
    "status": "id_status",
}


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
