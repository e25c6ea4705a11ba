"""VHSYS customers (``/clientes``), products (``/produtos``) and their stock movements."""

from __future__ import annotations

import copy
import re

from ..emulator import cep_exists
from ..wire import Request, Response
from .common import (
    CLIENT_FIELDS,
    CLIENT_LIMITS,
    PRODUCT_FIELDS,
    _ApiError,
    _dec,
    _invalid,
    _is_money,
    _long,
    _required,
)


class Registry:
    # -- clientes --------------------------------------------------------------------------
    def _list_clientes(self, req: Request) -> Response:
        return self._paged(
            req,
            list(self.clientes.values()),
            empty="Nenhum cliente encontrado!",
            pk="id_cliente",
            date_field="data_mod_cliente",
            filters={"cnpj_cliente": "cnpj_cliente", "tipo_pessoa": "tipo_pessoa"},
            hidden={"id_cliente": "id_cliente"},
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

    # -- vendedores and situações (read by "Check account") ---------------------------------
    def _list_vendedores(self, req: Request) -> Response:
        return self._paged(
            req,
            list(self.vendedores.values()),
            empty="Nenhum vendedor encontrado!",
            pk="id_vendedor",
            date_field="data_mod_vendedor",
            filters={"cnpj_vendedor": "cnpj_vendedor"},
            like={"razao_vendedor": "razao_vendedor", "fantasia_vendedor": "fantasia_vendedor"},
        )

    def _list_situacoes(self, req: Request) -> Response:
        return self._envelope(200, 200, "sucesso", copy.deepcopy(self.situacoes))

    # -- produtos and estoque --------------------------------------------------------------
    def _list_produtos(self, req: Request) -> Response:
        return self._paged(
            req,
            list(self.produtos.values()),
            empty="Nenhum produto encontrado!",
            pk="id_produto",
            date_field="data_mod_produto",
            filters={"cod_produto": "cod_produto"},
            hidden={"id_produto": "id_produto"},
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
        return self._paged(
            req,
            rows,
            empty="Nenhum estoque encontrado!",
            pk="id_estoque",
            duplicates=False,
            ordered=self.switches["stock_order"] == "honoured",
        )

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
        sent = str(body.get("identificacao") or "")
        # The fields of the official "Lançar estoque" answer; its example answers identificacao
        # "API" to "Ped_1234" (erp-apis/vhsys.md §3.2): echoed only with the switch.
        move = {
            "id_estoque": self._next("estoque"),
            "id_empresa": 1,
            "id_usuario_cad_estoque": 0,
            "id_produto": pid,
            "id_lote": 0,
            "id_almoxarifado": 0,
            "tipo_estoque": body["tipo_estoque"],
            "qtde_estoque": _long(qty),
            "valor_estoque": _long(body.get("valor_estoque") or 0),
            "obs_estoque": str(body.get("obs_estoque") or ""),
            "identificacao": sent if self.switches["stock_identificacao"] == "echoed" else "API",
            "data_cad_estoque": self._stamp(),
        }
        self.estoque.append(move)
        self.sent_identificacao[move["id_estoque"]] = sent  # what the client sent: the snapshot's link
        sign = 1 if move["tipo_estoque"] == "Entrada" else -1
        product["estoque_produto"] = _long(_dec(product["estoque_produto"]) + sign * _dec(qty))
        product["data_mod_produto"] = move["data_cad_estoque"]
        return self._ok(copy.deepcopy(move))
