"""The Bling account's catalogue: company data, situações, payment methods, products."""

from __future__ import annotations

from typing import Any

from ..wire import Request, Response
from .common import (
    MODULES,
    _copy,
    _data,
    _field,
    _id,
    _invalid,
    _not_found,
    _page,
)


class Catalog:
    # -- empresa, situações, formas ---------------------------------------------------------
    def _empresa(self, req: Request) -> Response:
        return _data(dict(self.empresa))

    def _modulos(self, req: Request) -> Response:
        return _data([dict(m) for m in MODULES])

    def _modulo(self, req: Request, module_id: int) -> Response:
        if module_id not in {m["id"] for m in MODULES}:
            return _not_found("Módulo")
        return _data(
            [
                {k: s[k] for k in ("id", "nome", "idHerdado", "cor")}
                for s in self.situacoes.values()
                if s["modulo"] == module_id
            ]
        )

    def _situacao(self, req: Request, sit_id: int) -> Response:
        sit = self.situacoes.get(sit_id)
        if sit is None:
            return _not_found("Situação")
        return _data({k: sit[k] for k in ("id", "nome", "idHerdado", "cor")})

    def _formas(self, req: Request) -> Response:
        # the list rows do not tell the destino (FormasPagamentosDadosBaseDTO): the detail does
        rows = [{k: v for k, v in f.items() if k != "destino"} for f in self.formas]
        if req.arg("descricao"):
            rows = [f for f in rows if req.arg("descricao").lower() in f["descricao"].lower()]
        if req.arg("situacao") != "":
            rows = [f for f in rows if str(f["situacao"]) == req.arg("situacao")]
        return _data(_page(req, rows))

    def _forma(self, req: Request, forma_id: int) -> Response:
        forma = next((f for f in self.formas if f["id"] == forma_id), None)
        return (
            _data(dict(forma, condicao="", utilizaDiasUteis=False))
            if forma
            else _not_found("Forma de pagamento")
        )

    # -- produtos ---------------------------------------------------------------------------
    def _product_create(self, req: Request) -> Response:
        body = req.json() or {}
        errors = []
        if not str(body.get("nome") or "").strip():
            errors.append(_field("nome", "O nome do produto é obrigatório.", 1))
        if body.get("tipo") not in ("P", "S", "N"):
            errors.append(_field("tipo", "Tipo do produto inválido.", 2))
        if body.get("situacao") not in ("A", "I"):
            errors.append(_field("situacao", "Situação do produto inválida.", 2))
        if body.get("formato") not in ("S", "V", "E"):
            errors.append(_field("formato", "Formato do produto inválido.", 2))
        codigo = str(body.get("codigo") or "")
        if codigo and any(p["codigo"] == codigo for p in self.produtos.values()):
            errors.append(_field("codigo", "Já existe um produto com este código.", 5))
        if errors:
            return _invalid("Não foi possível salvar o produto", errors)
        return _data({"id": self._store_product(body)}, 201)

    def _store_product(self, body: dict[str, Any]) -> int:
        """A valid product body stored as Bling shows it; its id."""
        pid = self._next("produto")
        self.produtos[pid] = {
            "id": pid,
            "idProdutoPai": 0,
            "nome": body["nome"],
            "codigo": str(body.get("codigo") or ""),
            "preco": float(body.get("preco") or 0),
            "precoCusto": 0,
            "tipo": body["tipo"],
            "situacao": body["situacao"],
            "formato": body["formato"],
            "descricaoCurta": "",
            "imagemURL": "",
            "unidade": str(body.get("unidade") or "UN"),
            "estoque": {
                "saldoVirtualTotal": float((body.get("estoque") or {}).get("saldoVirtualTotal") or 0)
            },
            "tributacao": {"ncm": str((body.get("tributacao") or {}).get("ncm") or "")},
        }
        return pid

    def _products_list(self, req: Request) -> Response:
        rows = sorted(self.produtos.values(), key=lambda p: p["id"], reverse=True)
        codes = set(req.args("codigos"))
        if codes:
            rows = [p for p in rows if p["codigo"] in codes]
        ids = {_id(v) for v in req.args("idsProdutos")}
        if ids:
            rows = [p for p in rows if p["id"] in ids]
        if req.arg("nome"):
            rows = [p for p in rows if req.arg("nome").lower() in p["nome"].lower()]
        if req.arg("tipo") in ("P", "S"):
            rows = [p for p in rows if p["tipo"] == req.arg("tipo")]
        keys = (
            "id",
            "idProdutoPai",
            "nome",
            "codigo",
            "preco",
            "precoCusto",
            "estoque",
            "tipo",
            "situacao",
            "formato",
            "descricaoCurta",
            "imagemURL",
        )
        return _data([{k: _copy(p[k]) for k in keys} for p in _page(req, rows)])

    def _product_get(self, req: Request, pid: int) -> Response:
        product = self.produtos.get(pid)
        return _data(_copy(product)) if product else _not_found("Produto")
