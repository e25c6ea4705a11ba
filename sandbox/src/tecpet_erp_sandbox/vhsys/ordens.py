"""VHSYS service orders (``/ordens-servico``) and their lines."""

from __future__ import annotations

import copy
import time
from typing import Any

from ..wire import Request, Response
from .common import (
    OS_FIELDS,
    _ApiError,
    _dec,
    _int,
    _invalid,
    _is_money,
    _long,
    _money,
    _required,
)


class Ordens:
    # -- ordens de serviço -----------------------------------------------------------------
    def _list_ordens(self, req: Request) -> Response:
        return self._paged(
            req,
            [d["row"] for d in self.ordens.values()],
            empty="Nenhuma ordem de serviço encontrada!",
            pk="id_ordem",
            date_field="data_mod_pedido",
            filters={"status": "status_pedido"},
            hidden={"id_pedido": "id_pedido", "id_cliente": "id_cliente"},
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

    def _del_os_item_servico(self, req: Request, oid: int, item_id: int) -> Response:
        return self._del_item(self._ordem(oid), "servicos", "id_ordem_servico", item_id, self._recompute_os)

    def _del_os_item_produto(self, req: Request, oid: int, item_id: int) -> Response:
        return self._del_item(self._ordem(oid), "produtos", "id_ordem_produto", item_id, self._recompute_os)
