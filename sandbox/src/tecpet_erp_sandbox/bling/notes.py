"""Bling fiscal notes: NF-e (``/nfe``, from an order) and NFS-e (``/nfse``)."""

from __future__ import annotations

import contextlib
import secrets
from decimal import Decimal
from typing import Any

from ..clock import now_brt, stamp
from ..wire import Request, Response
from .common import (
    NFSE_SERVICE_CODES,
    _copy,
    _data,
    _digits,
    _error,
    _field,
    _float,
    _id,
    _invalid,
    _money,
    _no_content,
    _not_found,
    _page,
    _parse_filter,
    _public,
    _range,
)


class Notes:
    # -- NF-e --------------------------------------------------------------------------------
    def _gerar_nfe(self, req: Request, oid: int) -> Response:
        order = self._order_or_404(oid)
        current = self.nfes.get(order["notaFiscal"]["id"])
        if current is not None and current["situacao"] != 2:
            return _invalid(
                "Não foi possível gerar a nota fiscal",
                [_field("notaFiscal", "Já existe uma nota fiscal gerada para esta venda.", 90, "NFE")],
            )
        contact = self.contacts[order["contato"]["id"]]
        geral = contact["endereco"]["geral"]
        missing = [k for k in ("endereco", "bairro", "municipio") if not geral.get(k)]
        if missing:
            return _invalid(
                "Não foi possível gerar a nota fiscal",
                [
                    _field(k, f"O campo {k} do endereço do destinatário é obrigatório.", 91, "NFE")
                    for k in missing
                ],
            )
        without_ncm = [
            _field("ncm", f"O item {i['descricao']} não possui NCM: cadastre o produto com o NCM.", 94, "NFE")
            for i in order["itens"]
            if not ((self.produtos.get(i["produto"]["id"]) or {}).get("tributacao") or {}).get("ncm")
        ]
        if without_ncm:
            return _invalid("Não foi possível gerar a nota fiscal", without_ncm)
        nid = self._create_nfe(oid)
        return Response(201, {"idNotaFiscal": nid})

    def _create_nfe(self, oid: int) -> int:
        order = self.orders[oid]
        contact = self.contacts[order["contato"]["id"]]
        nid = self._next("nfe")
        now = now_brt()
        self.nfes[nid] = {
            "id": nid,
            "tipo": 1,
            "situacao": 1,
            "numero": f"{self._next('nfe_numero'):06d}",
            "dataEmissao": stamp(now),
            "dataOperacao": stamp(now),
            "chaveAcesso": "",
            "contato": {
                "id": contact["id"],
                "nome": contact["nome"],
                "numeroDocumento": contact["numeroDocumento"],
                "ie": contact["ie"],
                "rg": "",
                "telefone": contact["telefone"],
                "email": contact["email"],
                "endereco": {
                    k: contact["endereco"]["geral"][k]
                    for k in ("endereco", "numero", "complemento", "bairro", "cep", "municipio", "uf")
                },
            },
            "naturezaOperacao": {"id": 0},
            "loja": {"id": order["loja"]["id"]},
            "serie": 1,
            "valorNota": order["total"],
            "valorFrete": 0,
            "xml": "",
            "linkDanfe": "",
            "linkPDF": "",
            "optanteSimplesNacional": True,
            "numeroPedidoLoja": order["numeroLoja"],
            "itens": [
                {
                    "codigo": i["codigo"],
                    "descricao": i["descricao"],
                    "unidade": i["unidade"],
                    "quantidade": i["quantidade"],
                    "valor": i["valor"],
                    "tipo": "P",
                }
                for i in order["itens"]
            ],
            "_pedido": oid,
        }
        order["notaFiscal"] = {"id": nid}
        self._touch(oid)
        return nid

    def _authorise_nfe(self, nid: int) -> None:
        note = self.nfes[nid]
        note["situacao"] = 5
        note["chaveAcesso"] = (
            "35"
            + now_brt().strftime("%y%m")
            + _digits(self.empresa["cnpj"])
            + "55001"
            + note["numero"].zfill(9)
            + "1"
            + f"{nid % 100000000:08d}"
            + "0"
        )
        note["linkDanfe"] = f"https://sandbox.invalid/danfe/{nid}"
        note["xml"] = f"https://sandbox.invalid/xml/{nid}"

    def _nfe_list(self, req: Request) -> Response:
        rows = sorted(self.nfes.values(), key=lambda n: n["id"], reverse=True)
        if req.arg("situacao"):
            rows = [n for n in rows if str(n["situacao"]) == req.arg("situacao")]
        else:  # cancelled notes only show when asked for
            rows = [n for n in rows if n["situacao"] != 2]
        if req.arg("numeroLoja") and self.switches["nfe_numero_loja_filter"] == "honoured":
            rows = [n for n in rows if n["numeroPedidoLoja"] == req.arg("numeroLoja")]
        if req.arg("numero"):
            rows = [n for n in rows if n["numero"].lstrip("0") == req.arg("numero").lstrip("0")]
        if req.arg("tipo"):
            rows = [n for n in rows if str(n["tipo"]) == req.arg("tipo")]
        window = _range(req, "dataEmissaoInicial", "dataEmissaoFinal")
        if window:
            rows = [n for n in rows if window[0] <= _parse_filter(n["dataEmissao"], end=False) <= window[1]]
        keys = (
            "id",
            "tipo",
            "situacao",
            "numero",
            "dataEmissao",
            "dataOperacao",
            "chaveAcesso",
            "contato",
            "naturezaOperacao",
            "loja",
        )
        return _data([{k: _copy(n[k]) for k in keys} for n in _page(req, rows)])

    def _nfe_get(self, req: Request, nid: int) -> Response:
        note = self.nfes.get(nid)
        return _data(_public(note)) if note else _not_found("Nota fiscal")

    def _nfe_send(self, req: Request, nid: int) -> Response:
        note = self.nfes.get(nid)
        if note is None:
            return _not_found("Nota fiscal")
        if note["situacao"] in (5, 6, 7):
            return _invalid(
                "Não foi possível enviar a nota fiscal",
                [_field("situacao", "A nota fiscal já foi autorizada.", 92, "NFE")],
            )
        if note["situacao"] == 2:
            return _invalid(
                "Não foi possível enviar a nota fiscal",
                [_field("situacao", "A nota fiscal está cancelada.", 93, "NFE")],
            )
        self._authorise_nfe(nid)
        return _data({"xml": f'<nfeProc><NFe><infNFe Id="NFe{note["chaveAcesso"]}"/></NFe></nfeProc>'})

    # -- NFS-e -------------------------------------------------------------------------------
    def _nfse_config(self, req: Request) -> Response:
        """Unwrapped as in the OpenAPI (``ConfiguracaoNotaServicoDadosBaseDTO``); ``numero``: the next
        RPS or the last one used (``rps_numero``); the account's ISS service codes."""
        numero = self.rps_next if self.switches["rps_numero"] == "next" else self.rps_next - 1
        rps = {"cnpjEmitente": self.empresa["cnpj"], "id": 1, "numero": numero, "serie": 1}
        tributos = [
            {
                "id": n + 1,
                "percentualISS": 5,
                "CNAE": "9609208",
                "descricaoServico": name,
                "padrao": n == 0,
                "codigo": {"listaServico": code, "tributacao": ""},
            }
            for n, (code, name) in enumerate(NFSE_SERVICE_CODES)
        ]
        body = {"ISS": {"zerar": False, "reter": False, "descontar": False, "tributos": tributos}}
        return Response(200, body | {"controle": {"numeracaoRPS": rps}})

    def _nfse_create(self, req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict) or not body:
            return _error(400, "EMPTY_REQUEST_BODY", "Corpo da requisição vazio", "Informe os dados da nota.")
        errors = []
        contato = body.get("contato") or {}
        contact = self.contacts.get(_id(contato))
        if contact is None:
            errors.append(_field("contato", "O tomador informado não foi encontrado.", 100, "NFSE"))
        else:
            email = contato.get("email") or contact["email"]
            endereco = contato.get("endereco") or {}
            if not email:
                errors.append(_field("email", "O e-mail do tomador deve ser informado.", 101, "NFSE"))
            for key in ("bairro", "municipio"):
                if not (endereco.get(key) or contact["endereco"]["geral"][key]):
                    errors.append(
                        _field(key, f"O campo {key} do endereço do tomador é obrigatório.", 102, "NFSE")
                    )
        servicos = body.get("servicos")
        total = Decimal("0")
        if not isinstance(servicos, list) or not servicos:
            errors.append(_field("servicos", "A nota deve possuir ao menos um serviço.", 103, "NFSE"))
            servicos = []
        for index, raw in enumerate(servicos):
            servico = raw if isinstance(raw, dict) else {}
            problems = []
            if not str(servico.get("codigo") or "").strip():
                problems.append(("codigo", "O código do serviço deve ser informado."))
            if not str(servico.get("descricao") or "").strip():
                problems.append(("descricao", "A descrição do serviço deve ser informada."))
            try:
                value = _money(servico.get("valor"))
                if value <= 0:
                    raise ValueError(value)
                total += value
            except ValueError:
                problems.append(("valor", "O valor do serviço é inválido."))
            if problems:
                errors.append(
                    _field(
                        "servicos",
                        "Um ou mais serviços possuem erros de validação",
                        104,
                        "NFSE",
                        [
                            {"index": index, "code": 105, "msg": msg, "element": el, "namespace": "NFSE"}
                            for el, msg in problems
                        ],
                    )
                )
        rps, serie = str(body.get("numeroRPS") or ""), str(body.get("serie") or "1")
        if not rps:  # required by the OpenAPI
            errors.append(_field("numeroRPS", "O número do RPS deve ser informado.", 106, "NFSE"))
        if rps and any(n["numeroRPS"] == rps and n["serie"] == serie for n in self.nfses.values()):
            errors.append(
                _field("numeroRPS", f"Já existe uma nota com o RPS {rps} série {serie}.", 106, "NFSE")
            )
        if errors:
            return _invalid("Não foi possível salvar a nota de serviço", errors)
        with contextlib.suppress(ValueError):
            total -= _money(body.get("desconto") or 0)
        assert contact is not None
        nid = self._create_nfse(contact, total, rps, serie, [dict(s) for s in servicos])
        self.nfses[nid]["_im"] = str(contato.get("im") or "")
        note = self.nfses[nid]
        return _data({"id": nid, "numeroRPS": note["numeroRPS"], "serie": note["serie"]}, 201)

    def _create_nfse(
        self,
        contact: dict[str, Any],
        total: Decimal,
        rps: str = "",
        serie: str = "1",
        servicos: list | None = None,
    ) -> int:
        nid = self._next("nfse")
        # Bling's own screens number with the account's counter; whether a number the API sends
        # moves it on is the ``rps_api_advances`` switch
        advances = not rps or self.switches["rps_api_advances"] == "yes"
        rps = rps or str(self.rps_next)
        if rps.isdigit() and advances:
            self.rps_next = max(self.rps_next, int(rps) + 1)
        self.nfses[nid] = {
            "id": nid,
            "numero": "",
            "numeroRPS": rps,
            "serie": serie,
            "situacao": 0,
            "dataEmissao": now_brt().date().isoformat(),  # a date, as the OpenAPI has it
            "valor": _float(total),
            "contato": {
                "id": contact["id"],
                "nome": contact["nome"],
                "numeroDocumento": contact["numeroDocumento"],
                "email": contact["email"],
            },
            "link": "",
            "codigoVerificacao": "",
            "_servicos": servicos or [],
        }
        return nid

    def _emit_nfse(self, nid: int) -> None:
        note = self.nfses[nid]
        note["situacao"] = 1
        note["numero"] = str(nid % 1000000)
        note["codigoVerificacao"] = secrets.token_hex(4).upper()
        note["link"] = f"https://sandbox.invalid/nfse/{nid}"

    def _nfse_list(self, req: Request) -> Response:
        rows = sorted(self.nfses.values(), key=lambda n: n["id"], reverse=True)
        if req.arg("situacao") != "":
            rows = [n for n in rows if str(n["situacao"]) == req.arg("situacao")]
        window = _range(req, "dataEmissaoInicial", "dataEmissaoFinal")
        if window:
            rows = [n for n in rows if window[0] <= _parse_filter(n["dataEmissao"], end=False) <= window[1]]
        keys = ("id", "numero", "numeroRPS", "serie", "situacao", "dataEmissao", "valor", "contato")
        return _data([{k: _copy(n[k]) for k in keys} for n in _page(req, rows)])

    def _nfse_get(self, req: Request, nid: int) -> Response:
        note = self.nfses.get(nid)
        return _data(_public(note)) if note else _not_found("Nota de serviço")

    def _nfse_send(self, req: Request, nid: int) -> Response:
        note = self.nfses.get(nid)
        if note is None:
            return _not_found("Nota de serviço")
        if note["situacao"] != 0:
            return _invalid(
                "Não foi possível enviar a nota de serviço",
                [_field("situacao", "A nota de serviço já foi emitida ou cancelada.", 107, "NFSE")],
            )
        self._emit_nfse(nid)
        return _data(_public(note))

    def _nfse_cancel(self, req: Request, nid: int) -> Response:
        note = self.nfses.get(nid)
        if note is None:
            return _not_found("Nota de serviço")
        body = req.json() or {}
        if body.get("codigoMotivo") not in (1, 2, 9):
            return _invalid(
                "Não foi possível cancelar a nota de serviço",
                [_field("codigoMotivo", "Informe o motivo do cancelamento (1, 2 ou 9).", 108, "NFSE")],
            )
        if note["situacao"] == 3:
            return _invalid(
                "Não foi possível cancelar a nota de serviço",
                [_field("situacao", "A nota de serviço já está cancelada.", 109, "NFSE")],
            )
        note["situacao"] = 3
        return _no_content()
