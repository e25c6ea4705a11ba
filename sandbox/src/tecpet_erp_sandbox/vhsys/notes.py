"""VHSYS fiscal notes: NFS-e (``/notas-servico``, emitted on request) and NF-e (``/notas-fiscais``)."""

from __future__ import annotations

import copy

from ..wire import Request, Response
from .common import (
    NFSE_FIELDS,
    _ApiError,
    _int,
    _invalid,
    _is_money,
    _money,
    _required,
)

# Fields of POST /notas-servico that two independent sources mark required or always send (rigel
# docs/servicos/nfs.md marks them required; the Fonotrade client always sends them): refused
# without them unless the ``nfse_draft`` switch is ``lenient`` (reviews/fidelity-review.md V29).
NFSE_REQUIRED = ("ambiente", "serie_nota", "natureza_pedido", "vendedor_pedido", "nome_cliente")
# Enumerations of the same sources.
NFSE_CHOICES = {
    "ambiente": (1, 2),
    "serie_nota": tuple(range(1, 10)),
    "natureza_pedido": (1, 2, 3, 4, 5),
    "regime_pedido": (1, 2),
    "local_prestacao": (0, 1, 2, 9),
}
# What the NFS-e rows may not carry (their fields are unknown, V31): hidden with ``nfse_rows`` ``bare``.
NFSE_UNSURE_FIELDS = ("obs_pedido", "obs_interno_pedido", "ambiente")


class Notes:
    # -- notas de serviço (NFS-e) ----------------------------------------------------------
    def _nfse_out(self, row: dict) -> dict:
        """An NFS-e row as answered (without the fields nobody has shown, with ``nfse_rows`` ``bare``)."""
        out = copy.deepcopy(row)
        for fname in NFSE_UNSURE_FIELDS if self.switches["nfse_rows"] == "bare" else ():
            out.pop(fname, None)
        return out

    def _list_nfse(self, req: Request) -> Response:
        return self._paged(
            req,
            [self._nfse_out(r) for r in self.notas_servico.values()],
            empty="Nenhuma nota de serviço encontrada!",
            pk="id_servico",
            date_field="data_mod_pedido",
            filters={"status": "status_pedido"},
            hidden={"id_cliente": "id_cliente"},  # the NFS-e list's parameters are unknown (V31)
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
        for fname in () if self.switches["nfse_draft"] == "lenient" else NFSE_REQUIRED:
            if body.get(fname) in (None, ""):
                errors.append(_required(fname))
        for fname, allowed in NFSE_CHOICES.items():
            if body.get(fname) not in (None, "") and _int(body[fname], -1) not in allowed:
                errors.append(_invalid(fname))
        errors += self._check_lengths(
            body,
            {"desc_servicos": 255, "nome_cliente": 255, "vendedor_pedido": 255, "local_prestacao_cidade": 60},
        )
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
        return self._ok(self._nfse_out(self._nfse(nid)))

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
            filters={"status": "status_pedido"},
            # nfe-listar lists no id_pedido_ref (reviews/fidelity-review.md V27)
            hidden={
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
