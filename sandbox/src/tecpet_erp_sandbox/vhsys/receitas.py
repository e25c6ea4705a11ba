"""VHSYS receivables (``/contas-receber``)."""

from __future__ import annotations

import copy
from typing import Any

from ..wire import Request, Response
from .common import (
    _ApiError,
    _invalid,
    _is_money,
    _money,
    _required,
)


class Receitas:
    # -- contas a receber ------------------------------------------------------------------
    def _list_receitas(self, req: Request) -> Response:
        return self._paged(
            req,
            list(self.receitas.values()),
            empty="Nenhuma receita encontrada!",
            pk="id_conta_rec",
            date_field="data_mod_rec",
            # receitas-listar lists no id_cliente (reviews/fidelity-review.md V25)
            filters={"liquidado": "liquidado_rec", "id_registro": "id_registro"},
            hidden={"id_cliente": "id_cliente"},
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
