"""VHSYS sales orders (``/pedidos``) and their lines."""

from __future__ import annotations

import copy
import time
from typing import Any

from ..wire import Request, Response, html
from .common import (
    PV_FIELDS,
    _ApiError,
    _int,
    _invalid,
    _is_money,
    _money,
    _required,
)


class Pedidos:
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
            filters={"status": "status_pedido", "id_pedido": "id_pedido"},
            hidden={"id_cliente": "id_cliente"},
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
        if self.switches["pedido_number"] == "empty":
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
