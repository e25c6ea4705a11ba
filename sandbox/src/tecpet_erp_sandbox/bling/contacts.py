"""Bling contacts (``/contatos``): validation as Bling does it, search and update."""

from __future__ import annotations

import re
from typing import Any

from stdnum.br import cpf

from ..emulator import cep_exists
from ..wire import Request, Response
from .common import (
    LAST_INCLUDED,
    _cnpj_ok,
    _copy,
    _data,
    _digits,
    _document,
    _document_ok,
    _error,
    _field,
    _id,
    _Invalid,
    _invalid,
    _no_content,
    _not_found,
    _page,
    _phone_ok,
)


class Contacts:
    # -- contatos ---------------------------------------------------------------------------
    def _contact_errors(self, body: dict[str, Any]) -> list[dict]:
        errors = []
        if not str(body.get("nome") or "").strip():
            errors.append(_field("nome", "O campo nome é obrigatório.", 1))
        tipo = body.get("tipo")
        if tipo not in ("F", "J", "E"):
            errors.append(_field("tipo", "O tipo de pessoa deve ser F, J ou E.", 2))
        if body.get("situacao", "A") not in ("A", "E", "I", "S"):
            errors.append(_field("situacao", "Situação do contato inválida.", 2))
        doc = _document(body.get("numeroDocumento"))
        if tipo == "F" and doc and not _document_ok(doc, cpf):
            errors.append(_field("numeroDocumento", "O campo CPF é inválido", 10))
        if tipo == "J" and doc and not _cnpj_ok(doc):
            errors.append(_field("numeroDocumento", "O campo CNPJ é inválido", 10))
        indicador = body.get("indicadorIe")
        if indicador not in (None, "", 1, 2, 9):
            errors.append(_field("indicadorIe", "Indicador de IE inválido.", 11))
        ie = str(body.get("ie") or "").strip()
        if indicador == 1 and (not ie or ie.upper() == "ISENTO"):
            errors.append(_field("ie", "Para contribuintes do ICMS é obrigatória a informação da IE", 12))
        for name, label in (("telefone", "Telefone"), ("celular", "Celular")):
            if body.get(name) and not _phone_ok(str(body[name])):
                errors.append(_field(name, f"É necessário preencher corretamente o campo {label}", 13))
        email = str(body.get("email") or "")
        if email and not re.fullmatch(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+", email):
            errors.append(_field("email", "O e-mail informado é inválido.", 14))
        endereco = (body.get("endereco") or {}).get("geral") or {}
        if endereco.get("cep") and len(_digits(endereco["cep"])) != 8:
            errors.append(_field("cep", "O CEP informado é inválido.", 15))
        elif endereco.get("cep") and not cep_exists(_digits(endereco["cep"])):
            errors.append(_field("cep", "O CEP informado não existe na base dos Correios.", 15))
        if endereco.get("uf") and not re.fullmatch(r"[A-Za-z]{2}", str(endereco["uf"])):
            errors.append(_field("uf", "A UF informada é inválida.", 16))
        return errors

    def _contact_store(self, cid: int, body: dict[str, Any]) -> dict[str, Any]:
        geral = dict((body.get("endereco") or {}).get("geral") or {})
        contact = {
            "id": cid,
            "nome": str(body.get("nome") or "").strip(),
            "codigo": str(body.get("codigo") or ""),
            "situacao": body.get("situacao") or "A",
            "numeroDocumento": str(body.get("numeroDocumento") or ""),
            "telefone": str(body.get("telefone") or ""),
            "celular": str(body.get("celular") or ""),
            "fantasia": str(body.get("fantasia") or ""),
            "tipo": body.get("tipo"),
            "indicadorIe": body.get("indicadorIe") or 9,
            "ie": str(body.get("ie") or ""),
            "rg": str(body.get("rg") or ""),
            "inscricaoMunicipal": str(body.get("inscricaoMunicipal") or ""),
            "orgaoEmissor": str(body.get("orgaoEmissor") or ""),
            "email": str(body.get("email") or ""),
            "emailNotaFiscal": str(body.get("emailNotaFiscal") or ""),
            "orgaoPublico": body.get("orgaoPublico") or "N",
            "endereco": {
                "geral": {
                    k: str(geral.get(k) or "")
                    for k in ("endereco", "cep", "bairro", "municipio", "uf", "numero", "complemento")
                },
                "cobranca": {
                    k: str(((body.get("endereco") or {}).get("cobranca") or {}).get(k) or "")
                    for k in ("endereco", "cep", "bairro", "municipio", "uf", "numero", "complemento")
                },
            },
            "vendedor": {"id": _id(body.get("vendedor"))},
            "dadosAdicionais": dict(
                body.get("dadosAdicionais")
                or {"naturalidade": ""}  # no empty date or sexo: not in their formats
            ),
            "financeiro": dict(
                body.get("financeiro")
                or {"limiteCredito": 0, "condicaoPagamento": "", "categoria": {"id": 0}}
            ),
            "pais": dict(body.get("pais") or {"nome": ""}),
            "tiposContato": list(body.get("tiposContato") or []),
            "pessoasContato": list(body.get("pessoasContato") or []),
        }
        self.contacts[cid] = contact
        return contact

    def _contact_refusal(self, body: Any) -> Response | None:
        """Bling's answer to a contact body it does not save (create and update alike), else None."""
        if not isinstance(body, dict) or not body:
            return _error(
                400, "EMPTY_REQUEST_BODY", "Corpo da requisição vazio", "Informe os dados do contato."
            )
        errors = self._contact_errors(body)
        return _invalid("Não foi possível salvar o contato", errors) if errors else None

    def _contact_create(self, req: Request) -> Response:
        body = req.json()
        refusal = self._contact_refusal(body)
        if refusal:
            return refusal
        contact = self._contact_store(self._next("contato"), body)
        return _data({"id": contact["id"]}, 201)

    def _contacts_list(self, req: Request) -> Response:
        criterio = req.arg("criterio", "3") or "3"
        contacts = sorted(self.contacts.values(), key=lambda c: c["id"])
        if criterio == "1":
            rows = [c for c in contacts if c["situacao"] != "E"]
        elif criterio == "2":
            rows = [c for c in contacts if c["situacao"] == "E"]
        elif criterio == "3":  # the default: only the last contacts included
            rows = [c for c in contacts if c["situacao"] != "E"][-LAST_INCLUDED:]
        elif criterio == "4":
            with_orders = {o["contato"]["id"] for o in self.orders.values()}
            rows = [c for c in contacts if c["situacao"] != "E" and c["id"] not in with_orders]
        else:
            raise _Invalid(_invalid("Critério inválido", [_field("criterio", "Critério inválido.", 2)]))
        doc = _document(req.arg("numeroDocumento"))
        if doc:
            rows = [c for c in rows if _document(c["numeroDocumento"]) == doc]
        if req.arg("pesquisa"):
            term = req.arg("pesquisa").lower()
            rows = [
                c
                for c in rows
                if term
                in " ".join(
                    (
                        c["nome"],
                        c["numeroDocumento"],
                        _digits(c["numeroDocumento"]),
                        c["fantasia"],
                        c["email"],
                        c["codigo"],
                    )
                ).lower()
            ]
        ids = {_id(v) for v in req.args("idsContatos")}
        if ids:
            rows = [c for c in rows if c["id"] in ids]
        if req.arg("tipoPessoa"):
            tipo = {"1": "F", "2": "J", "3": "E"}.get(req.arg("tipoPessoa"))
            rows = [c for c in rows if c["tipo"] == tipo]
        rows = sorted(rows, key=lambda c: c["id"], reverse=True)
        keys = ("id", "nome", "codigo", "situacao", "numeroDocumento", "telefone", "celular")
        return _data([{k: c[k] for k in keys} for c in _page(req, rows)])

    def _contact_get(self, req: Request, cid: int) -> Response:
        contact = self.contacts.get(cid)
        return _data(_copy(contact)) if contact else _not_found("Contato")

    def _contact_put(self, req: Request, cid: int) -> Response:
        if cid not in self.contacts:
            return _not_found("Contato")
        body = req.json()
        refusal = self._contact_refusal(body)
        if refusal:
            return refusal
        self._contact_store(cid, body)
        return _no_content()
