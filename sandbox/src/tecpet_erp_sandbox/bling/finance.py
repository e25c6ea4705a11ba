"""What a Bling order posts: stock movements and receivables (``/contas/receber``)."""

from __future__ import annotations

from ..wire import Request, Response
from .common import (
    STOCK_REFUSALS,
    _data,
    _date,
    _field,
    _id,
    _Invalid,
    _invalid,
    _no_content,
    _not_found,
    _page,
    _public,
    _range,
)


class Finance:
    def _stock_post(self, req: Request, oid: int, deposit: int = 0) -> Response:
        order = self._order_or_404(oid)
        meta = self.meta[oid]
        if meta["stock_posted"]:
            already, _not_posted = STOCK_REFUSALS[self.switches["stock_refusal_wording"]]
            return _invalid("Não foi possível lançar o estoque", [_field("estoque", already, 70, "VENDAS")])
        for item in order["itens"]:
            product = self.produtos.get(item["produto"]["id"])
            if product is not None:
                product["estoque"]["saldoVirtualTotal"] -= item["quantidade"]
        meta["stock_posted"] = True
        meta["stock_postings"] += 1
        return _no_content()

    def _stock_reverse(self, req: Request, oid: int) -> Response:
        order = self._order_or_404(oid)
        meta = self.meta[oid]
        if not meta["stock_posted"]:
            _already, not_posted = STOCK_REFUSALS[self.switches["stock_refusal_wording"]]
            return _invalid(
                "Não foi possível estornar o estoque", [_field("estoque", not_posted, 71, "VENDAS")]
            )
        for item in order["itens"]:
            product = self.produtos.get(item["produto"]["id"])
            if product is not None:
                product["estoque"]["saldoVirtualTotal"] += item["quantidade"]
        meta["stock_posted"] = False
        meta["stock_reversals"] += 1
        return _no_content()

    def _contas_post(self, req: Request, oid: int) -> Response:
        order = self._order_or_404(oid)
        if self.meta[oid]["contas_lancadas"]:
            return _invalid(
                "Não foi possível lançar as contas",
                [_field("contas", "As contas desta venda já foram lançadas.", 62, "VENDAS")],
            )
        formas = {f["id"]: f for f in self.formas}
        for parcela in order["parcelas"]:
            forma = formas.get(parcela["formaPagamento"]["id"])
            if forma is not None and forma["situacao"] != 1:  # an inactive method aborts the launch
                message = f"A forma de pagamento {forma['descricao']} está inativa."
                return _invalid(
                    "Não foi possível lançar as contas", [_field("formaPagamento", message, 84, "VENDAS")]
                )
        self._launch_contas(oid)
        return _no_content()

    def _launch_contas(self, oid: int) -> None:
        """A receivable per parcela whose method goes to "contas a receber" (destino 1); the
        others (Caixa e bancos, Ficha financeira) make none (integrators' notes on lancar-contas)."""
        order = self.orders[oid]
        contact = self.contacts.get(order["contato"]["id"], {})
        formas = {f["id"]: f for f in self.formas}
        parcelas = order["parcelas"] or [
            {
                "dataVencimento": order["data"],
                "valor": order["total"],
                "formaPagamento": {"id": self.formas[0]["id"]},
            }
        ]
        for parcela in parcelas:
            forma = formas.get(parcela["formaPagamento"]["id"], self.formas[0])
            if forma["destino"] != 1:
                continue
            cid = self._next("conta")
            self.contas[cid] = {
                "id": cid,
                "situacao": 1,
                "vencimento": parcela["dataVencimento"],
                "valor": parcela["valor"],
                "idTransacao": "",
                "linkQRCodePix": "",
                "linkBoleto": "",
                "dataEmissao": order["data"],
                "contato": {
                    "id": order["contato"]["id"],
                    "nome": contact.get("nome", ""),
                    "numeroDocumento": contact.get("numeroDocumento", ""),
                    "tipo": contact.get("tipo", ""),
                },
                "formaPagamento": {"id": forma["id"], "codigoFiscal": forma["tipoPagamento"]},
                "contaContabil": {"id": 0, "descricao": ""},
                "origem": {
                    "id": oid,
                    "tipoOrigem": "venda",
                    "numero": str(order["numero"]),
                    "dataEmissao": order["data"],
                    "valor": order["total"],
                    "situacao": 0,
                    "url": "",
                },
                "_recebimento": None,
            }
        self.meta[oid]["contas_lancadas"] = True

    def _contas_reverse(self, req: Request, oid: int) -> Response:
        self._order_or_404(oid)
        if not self.meta[oid]["contas_lancadas"]:
            return _invalid(
                "Não foi possível estornar as contas",
                [_field("contas", "As contas desta venda não foram lançadas.", 73, "VENDAS")],
            )
        mine = [c for c in self.contas.values() if c["origem"]["id"] == oid]
        if any(c["situacao"] in (2, 3, 7) for c in mine):  # received, partly received, confirmed
            return _invalid(
                "Não foi possível estornar as contas",
                [
                    _field(
                        "contas",
                        "Existem contas recebidas, conciliadas ou em borderô: estorne os recebimentos antes.",
                        63,
                        "VENDAS",
                    )
                ],
            )
        for conta in mine:
            del self.contas[conta["id"]]
        self.meta[oid]["contas_lancadas"] = False
        return _no_content()

    # -- contas a receber --------------------------------------------------------------------
    def _contas_list(self, req: Request) -> Response:
        rows = sorted(self.contas.values(), key=lambda c: c["id"], reverse=True)
        situacoes = {_id(v) for v in req.args("situacoes")}
        if situacoes:
            rows = [c for c in rows if c["situacao"] in situacoes]
        if req.arg("idContato"):
            rows = [c for c in rows if str(c["contato"]["id"]) == req.arg("idContato")]
        if req.arg("idFormaPagamento"):
            rows = [c for c in rows if str(c["formaPagamento"]["id"]) == req.arg("idFormaPagamento")]
        kind = req.arg("tipoFiltroData", "E") or "E"
        if kind not in ("E", "V", "R"):
            raise _Invalid(_invalid("Filtro inválido", [_field("tipoFiltroData", "Use E, V ou R.", 2)]))
        start, end = _range(req, "dataInicial", "dataFinal", default_days=365)
        field = {"E": "dataEmissao", "V": "vencimento", "R": "_recebimento"}[kind]
        rows = [c for c in rows if c[field] and start.date() <= _date(c[field]) <= end.date()]
        return _data([_public(c) for c in _page(req, rows)])

    def _conta_get(self, req: Request, cid: int) -> Response:
        conta = self.contas.get(cid)
        return (
            _data(_public(conta) | {"saldo": 0 if conta["situacao"] == 2 else conta["valor"]})
            if conta
            else _not_found("Conta a receber")
        )

    def _conta_baixar(self, req: Request, cid: int) -> Response:
        conta = self.contas.get(cid)
        if conta is None:
            return _not_found("Conta a receber")
        body = req.json() or {}
        try:
            when = _date(body.get("data")).isoformat()
        except (ValueError, TypeError):
            return _invalid("Não foi possível baixar a conta", [_field("data", "Data inválida.", 80)])
        conta["situacao"], conta["_recebimento"] = 2, when
        return _data({"bordero": {"id": self._next("conta")}}, 201)
