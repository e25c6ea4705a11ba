"""Bling sales orders (``/pedidos/vendas``): the body's validation, situações, listing."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..clock import now_brt
from ..wire import Request, Response
from .common import (
    CENT,
    SIT_OPEN,
    VENDAS_MODULE,
    _copy,
    _data,
    _date,
    _error,
    _field,
    _float,
    _id,
    _Invalid,
    _invalid,
    _money,
    _no_content,
    _not_found,
    _number,
    _page,
    _range,
)


class Orders:
    # -- pedidos de venda -------------------------------------------------------------------
    def _order_from_body(self, body: Any, oid: int, previous: dict[str, Any] | None) -> dict[str, Any]:
        """Validate a POST/PUT body and build the stored order; raises _Invalid."""
        if not isinstance(body, dict) or not body:
            raise _Invalid(
                _error(400, "EMPTY_REQUEST_BODY", "Corpo da requisição vazio", "Informe os dados da venda.")
            )
        errors: list[dict] = []
        contact = self.contacts.get(_id(body.get("contato")))
        if contact is None:
            errors.append(_field("contato", "O contato informado não foi encontrado.", 20, "VENDAS"))
        dates = self._order_dates(body, errors)
        numero_loja = body.get("numeroLoja", "")
        if numero_loja is not None and not isinstance(numero_loja, str):
            errors.append(_field("numeroLoja", "O número do pedido na loja deve ser um texto.", 23, "VENDAS"))
        numero = self._order_number(body, oid, errors)
        itens, total_produtos = self._order_items(body.get("itens"), errors)
        try:
            desconto = body.get("desconto") or {}
            discount_value = _money(desconto.get("valor") or 0)
            if desconto.get("unidade") == "PERCENTUAL":
                discount_value = (total_produtos * discount_value / 100).quantize(CENT, ROUND_HALF_UP)
            outras = _money(body.get("outrasDespesas") or 0)
            frete = _money((body.get("transporte") or {}).get("frete") or 0)
        except (ValueError, AttributeError):
            errors.append(_field("desconto", "Valores da venda inválidos.", 36, "VENDAS"))
            discount_value = outras = frete = Decimal("0")
        total = total_produtos - discount_value + outras + frete
        if "parcelas" not in body:  # required by the OpenAPI (VendasDadosDTO), on POST and PUT
            errors.append(_field("parcelas", "As parcelas da venda devem ser informadas.", 48, "VENDAS"))
        parcelas = self._order_parcelas(body.get("parcelas") or [], total, errors, previous)
        situacao_id = _id(body.get("situacao"))
        if situacao_id and self.situacoes.get(situacao_id, {}).get("modulo") != VENDAS_MODULE:
            errors.append(_field("situacao", "Situação inválida para o módulo de vendas.", 26, "VENDAS"))
        # notaFiscal is read-only (OpenAPI): Bling links the notes it makes itself (gerar-nfe)
        note_id = previous["notaFiscal"]["id"] if previous is not None else 0
        if "notaFiscal" in body and _id(body.get("notaFiscal")) != note_id:
            errors.append(_field("notaFiscal", "A nota fiscal da venda não pode ser alterada.", 27, "VENDAS"))
        if previous is not None:
            errors += self._put_refusals(body, previous)
        if errors or contact is None:
            raise _Invalid(_invalid("Não foi possível salvar a venda", errors))
        if previous is not None:
            numero = numero or previous["numero"]
            situacao_id = situacao_id or previous["situacao"]["id"]
        else:
            numero = numero or max([o["numero"] for o in self.orders.values()] + [0]) + 1
            situacao_id = situacao_id or SIT_OPEN
        return {
            "id": oid,
            "numero": numero,
            "numeroLoja": numero_loja or "",
            "data": dates.get("data", ""),
            "dataSaida": dates.get("dataSaida", dates.get("data", "")),
            "dataPrevista": dates.get("dataPrevista", dates.get("data", "")),
            "totalProdutos": _float(total_produtos),
            "total": _float(total),
            "contato": {
                "id": contact["id"],
                "nome": contact["nome"],
                "tipoPessoa": contact["tipo"],
                "numeroDocumento": contact["numeroDocumento"],
            },
            "situacao": {"id": situacao_id, "valor": self.situacoes[situacao_id]["valor"]},
            "loja": {"id": _id(body.get("loja")), "unidadeNegocio": {"id": 0}},
            "numeroPedidoCompra": str(body.get("numeroPedidoCompra") or ""),
            "outrasDespesas": _float(outras),
            "observacoes": str(body.get("observacoes") or ""),
            "observacoesInternas": str(body.get("observacoesInternas") or ""),
            "desconto": {"valor": _float(discount_value), "unidade": "REAL"},
            "categoria": {"id": _id(body.get("categoria"))},
            "notaFiscal": {"id": note_id},
            "tributacao": {"totalICMS": 0, "totalIPI": 0},
            "itens": itens,
            "parcelas": parcelas,
            "transporte": {
                "fretePorConta": 0,
                "frete": _float(frete),
                "quantidadeVolumes": 0,
                "pesoBruto": 0,
                "prazoEntrega": 0,
                "contato": {"id": 0, "nome": ""},
                "etiqueta": {},
                "volumes": [],
            },
            "vendedor": {"id": _id(body.get("vendedor"))},
            "intermediador": {"cnpj": "", "nomeUsuario": ""},
            "taxas": {"taxaComissao": 0, "custoFrete": 0, "valorBase": 0},
        }

    def _put_refusals(self, body: dict[str, Any], previous: dict[str, Any]) -> list[dict]:
        """What a PUT must hold besides a POST's body: all of it (error 23, integrators' notes) and
        the ids of the order's parcelas (required on PUT by the OpenAPI); and what a locked order
        answers (``order_put_lock``)."""
        if self.switches["order_put_lock"] == "always":
            return [_field("venda", "Venda bloqueada para edição.", 40, "VENDAS")]
        missing = [
            k for k in ("contato", "data", "dataSaida", "dataPrevista", "itens", "parcelas") if k not in body
        ]
        if missing:
            msg = f"Informe todos os dados da venda: faltam {', '.join(missing)}."
            return [_field(missing[0], msg, 23, "VENDAS")]
        known = {p["id"] for p in previous["parcelas"]}
        unknown = [
            {
                "index": n,
                "code": 51,
                "msg": "Informe o id da parcela.",
                "element": "id",
                "namespace": "VENDAS",
            }
            for n, p in enumerate(body.get("parcelas") or [])
            if not isinstance(p, dict) or _id(p.get("id")) not in known
        ]
        if unknown:
            return [
                _field(
                    "parcelas",
                    "Uma ou mais parcelas da venda possuem erros de validação",
                    49,
                    "VENDAS",
                    unknown,
                )
            ]
        return []

    @staticmethod
    def _order_dates(body: dict[str, Any], errors: list[dict]) -> dict[str, str]:
        dates = {}
        for name in ("data", "dataSaida", "dataPrevista"):
            raw = body.get(name)
            if not raw:
                if name == "data":
                    errors.append(_field("data", "A data da venda deve ser informada.", 21, "VENDAS"))
                continue
            try:
                dates[name] = _date(raw).isoformat()
            except ValueError:
                errors.append(_field(name, "Data inválida.", 22, "VENDAS"))
        return dates

    def _order_number(self, body: dict[str, Any], oid: int, errors: list[dict]) -> int | None:
        numero = body.get("numero")
        if numero in (None, "", 0):
            return None
        try:
            numero = int(numero)
        except (TypeError, ValueError):
            errors.append(_field("numero", "Número da venda inválido.", 24, "VENDAS"))
            return None
        if any(o["numero"] == numero and o["id"] != oid for o in self.orders.values()):
            errors.append(_field("numero", f"Já existe uma venda com o número {numero}.", 25, "VENDAS"))
        return numero

    def _order_items(self, itens_in: Any, errors: list[dict]) -> tuple[list[dict[str, Any]], Decimal]:
        if not isinstance(itens_in, list) or not itens_in:
            errors.append(_field("itens", "A venda deve possuir ao menos um item.", 30, "VENDAS"))
            return [], Decimal("0")
        itens: list[dict[str, Any]] = []
        problems: list[dict] = []
        total = Decimal("0")

        def problem(index: int, code: int, element: str, msg: str) -> None:
            problems.append(
                {"index": index, "code": code, "msg": msg, "element": element, "namespace": "VENDAS"}
            )

        for index, raw in enumerate(itens_in):
            item = raw if isinstance(raw, dict) else {}
            try:
                qty = _number(item.get("quantidade"))
                price = _number(item.get("valor"))
                discount = _number(item.get("desconto") or 0)
            except ValueError:
                problem(index, 31, "quantidade", "Quantidade, valor ou desconto do item inválido.")
                continue
            if qty <= 0:
                problem(index, 31, "quantidade", "A quantidade do item deve ser maior que zero.")
                continue
            if price < 0 or not 0 <= discount <= 100:
                problem(index, 32, "valor", "O valor ou o desconto do item é inválido.")
                continue
            if not str(item.get("descricao") or "").strip():
                problem(index, 34, "descricao", "A descrição do item deve ser informada.")
                continue
            product_id = _id(item.get("produto"))
            if product_id and product_id not in self.produtos:
                problem(index, 35, "produto", "Produto não encontrado.")
                continue
            total += (qty * price * (Decimal(100) - discount) / Decimal(100)).quantize(CENT, ROUND_HALF_UP)
            itens.append(
                {
                    "id": self._next("item"),
                    "codigo": str(item.get("codigo") or ""),
                    "unidade": str(item.get("unidade") or "UN"),
                    "quantidade": float(qty),
                    "desconto": float(discount),
                    "valor": float(price),
                    "aliquotaIPI": float(item.get("aliquotaIPI") or 0),
                    "descricao": str(item["descricao"]).strip(),
                    "descricaoDetalhada": str(item.get("descricaoDetalhada") or ""),
                    "produto": {"id": product_id},
                    "comissao": {"base": 0, "aliquota": 0, "valor": 0},
                    "naturezaOperacao": {"id": _id(item.get("naturezaOperacao"))},
                }
            )
        if problems:
            errors.append(
                _field(
                    "itens", "Um ou mais itens da venda possuem erros de validação", 30, "VENDAS", problems
                )
            )
        return itens, total

    def _order_parcelas(
        self, parcelas_in: Any, total: Decimal, errors: list[dict], previous: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        parcelas: list[dict[str, Any]] = []
        problems: list[dict] = []
        parcel_sum = Decimal("0")
        active_formas = {f["id"]: f for f in self.formas if f["situacao"] == 1}
        kept = {p["id"] for p in previous["parcelas"]} if previous is not None else set()

        def problem(index: int, code: int, element: str, msg: str) -> None:
            problems.append(
                {"index": index, "code": code, "msg": msg, "element": element, "namespace": "VENDAS"}
            )

        for index, raw in enumerate(parcelas_in if isinstance(parcelas_in, list) else []):
            parcela = raw if isinstance(raw, dict) else {}
            try:
                due = _date(parcela.get("dataVencimento")).isoformat()
            except (ValueError, TypeError):
                problem(index, 11, "dataVencimento", "Data de vencimento inválida.")
                continue
            try:
                value = _money(parcela.get("valor"))
            except ValueError:
                value = Decimal("0")
            if value <= 0:
                problem(index, 13, "valor", "Valor da parcela inválido.")
                continue
            forma = active_formas.get(_id(parcela.get("formaPagamento")))
            if forma is None:
                problem(index, 12, "formaPagamento", "Id da forma de pagamento inválido.")
                continue
            parcel_sum += value
            parcelas.append(
                {
                    "id": _id(parcela.get("id")) if _id(parcela.get("id")) in kept else self._next("parcela"),
                    "dataVencimento": due,
                    "valor": float(value),
                    "observacoes": str(parcela.get("observacoes") or ""),
                    "caut": "",
                    "formaPagamento": {"id": forma["id"]},
                }
            )
        if problems:
            errors.append(
                _field(
                    "parcelas",
                    "Uma ou mais parcelas da venda possuem erros de validação",
                    49,
                    "VENDAS",
                    problems,
                )
            )
        elif parcelas and parcel_sum != total and not errors:
            errors.append(
                _field(
                    "parcelas",
                    f"A soma das parcelas ({parcel_sum:.2f}) difere do total da venda ({total:.2f}).",
                    50,
                    "VENDAS",
                )
            )
        return parcelas

    def _order_create(self, req: Request) -> Response:
        oid = self._next("pedido")
        order = self._order_from_body(req.json(), oid, None)
        self.orders[oid] = order
        now = now_brt()
        self.meta[oid] = {
            "created": now,
            "updated": now,
            "stock_posted": False,
            "stock_postings": 0,
            "stock_reversals": 0,
            "contas_lancadas": False,
        }
        return _data({"id": oid, "alertas": [], "rastreamento": {}}, 201)

    def _order_or_404(self, oid: int) -> dict[str, Any]:
        order = self.orders.get(oid)
        if order is None:
            raise _Invalid(_not_found("Pedido de venda"))
        return order

    def _touch(self, oid: int) -> None:
        self.meta[oid]["updated"] = now_brt()

    def _order_get(self, req: Request, oid: int) -> Response:
        order = _copy(self._order_or_404(oid))
        if self.switches["item_valor_on_get"] == "net":
            # what integrators saw on real accounts: valor net of the item's desconto %, the
            # desconto still shown (the PUT takes valor as the list price again)
            for item in order["itens"]:
                net = Decimal(str(item["valor"])) * (100 - Decimal(str(item["desconto"]))) / 100
                item["valor"] = _float(net)
        return _data(order)

    def _order_put(self, req: Request, oid: int) -> Response:
        previous = self._order_or_404(oid)
        self.orders[oid] = self._order_from_body(req.json(), oid, previous)
        self._touch(oid)
        return _data({"id": oid, "alertas": []})

    def _order_delete(self, req: Request, oid: int) -> Response:
        self._order_or_404(oid)
        if any(c["origem"]["id"] == oid for c in self.contas.values()):
            return _invalid(
                "Não foi possível excluir a venda",
                [
                    _field(
                        "contas",
                        "A venda contém contas a receber. Estorne as contas antes de excluí-la.",
                        60,
                        "VENDAS",
                    )
                ],
            )
        del self.orders[oid]
        self.meta.pop(oid, None)
        return _no_content()

    def _order_situacao(self, req: Request, oid: int, sit_id: int) -> Response:
        order = self._order_or_404(oid)
        sit = self.situacoes.get(sit_id)
        if sit is None or sit["modulo"] != VENDAS_MODULE:
            return _not_found("Situação")
        if sit["valor"] == 2 and self._authorised_note(order):
            return _invalid(
                "Não foi possível alterar a situação da venda",
                [
                    _field(
                        "situacao",
                        "A venda possui nota fiscal autorizada. Cancele a nota fiscal antes de "
                        "cancelar a venda.",
                        61,
                        "VENDAS",
                    )
                ],
            )
        if order["situacao"]["id"] != sit_id:
            order["situacao"] = {"id": sit_id, "valor": sit["valor"]}
            self._touch(oid)
        return _no_content()

    def _authorised_note(self, order: dict[str, Any]) -> bool:
        note_id = order["notaFiscal"]["id"]
        if note_id in self.nfes:
            return self.nfes[note_id]["situacao"] in (5, 6, 7)
        if note_id in self.nfses:
            return self.nfses[note_id]["situacao"] in (1, 2)
        return False

    def _orders_list(self, req: Request) -> Response:
        rows = list(self.orders.values())
        lojas = req.args("numerosLojas")
        if lojas and self.switches["numeros_lojas_filter"] == "honoured":
            rows = [o for o in rows if o["numeroLoja"] in lojas]
        if req.arg("numero"):
            rows = [o for o in rows if str(o["numero"]) == req.arg("numero")]
        if req.arg("idContato"):
            rows = [o for o in rows if str(o["contato"]["id"]) == req.arg("idContato")]
        situacoes = {_id(v) for v in req.args("idsSituacoes")}
        if situacoes:
            rows = [o for o in rows if o["situacao"]["id"] in situacoes]
        if req.arg("idLoja"):
            rows = [o for o in rows if str(o["loja"]["id"]) == req.arg("idLoja")]
        window = _range(req, "dataInicial", "dataFinal")
        if window:
            rows = [o for o in rows if window[0].date() <= _date(o["data"]) <= window[1].date()]
        window = _range(req, "dataAlteracaoInicial", "dataAlteracaoFinal")
        if window:
            rows = [o for o in rows if window[0] <= self.meta[o["id"]]["updated"] <= window[1]]
        rows.sort(key=lambda o: o["id"], reverse=True)
        keys = (
            "id",
            "numero",
            "numeroLoja",
            "data",
            "dataSaida",
            "dataPrevista",
            "totalProdutos",
            "total",
            "contato",
            "situacao",
            "loja",
        )
        return _data([{k: _copy(o[k]) for k in keys} for o in _page(req, rows)])
