"""What VHSYS service orders and sales orders share: lines, installments, status history."""

from __future__ import annotations

import copy
import time
from decimal import Decimal
from typing import Any

from ..wire import Request, Response
from .common import (
    _SUB_EMPTY,
    _SUB_PK,
    PAYMENT_METHODS,
    _ApiError,
    _dec,
    _int,
    _invalid,
    _is_date,
    _is_money,
    _long,
    _money,
    _required,
)


class Documents:
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

    def _list_sub(self, req: Request, doc_id: int, getter: str, sub: str) -> Response:
        """``GET /ordens-servico/{id}/<sub>`` and ``GET /pedidos/{id}/<sub>``: one document's lines."""
        doc = getattr(self, getter)(doc_id)
        return self._paged(req, doc[sub], empty=_SUB_EMPTY[sub], pk=_SUB_PK[sub], duplicates=False)

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

    def _del_item(self, doc: dict, sub: str, key: str, item_id: int, recompute) -> Response:
        item = self._item_lookup(doc[sub], key, item_id)
        doc[sub].remove(item)
        recompute(doc)
        self._touch(doc)
        return self._ok("Item excluído com sucesso!")
