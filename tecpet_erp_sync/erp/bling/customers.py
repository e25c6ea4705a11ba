"""Bling contacts: the wire of ``erp/customers.py`` (``/contatos``, bling.md §3.1). PUT takes the
whole record: the upsert reads it, merges ours in and writes it."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import re
from typing import Any

from ..common import customer_phone, customer_value
from ..contract import Customer, IeStatus
from ..errors import ErpError
from ..formatting import format_cep_bling
from ..messages import _
from .values import data, to_int
from .wire import BlingWire

NON_CONTRIBUTOR = int(IeStatus.NON_CONTRIBUTOR.value)


class BlingCustomers:
    """``CustomerWire`` for Bling."""

    full_record_update = True

    def __init__(self, wire: BlingWire):
        self.wire = wire

    def customer_payload(self, customer: Customer) -> dict[str, Any]:
        return contact_body(customer)

    def find_customer(self, customer: Customer) -> tuple[str, dict[str, Any] | None] | None:
        document = unmasked(customer.document)
        if not document:
            return None
        # criterio=1 (Todos): the default criterio=3 only looks at the last contacts created
        rows = self.wire.search(
            "/contatos", {"numeroDocumento": document, "criterio": 1}, what="customer search"
        )
        matches = [r for r in rows if unmasked(r.get("numeroDocumento")) == document]
        if not matches:
            return None
        active = [r for r in matches if r.get("situacao") == "A"]
        chosen = min(active or matches, key=lambda r: to_int(r.get("id")))
        return str(to_int(chosen.get("id"))), None  # list rows are summaries: the update reads it

    def read_customer(self, external_id: str) -> dict[str, Any] | None:
        current = self.wire.get(f"/contatos/{external_id}", what="customer")
        return current if isinstance(current, dict) and current.get("situacao") != "E" else None

    def write_customer(self, external_id: str, body: dict[str, Any]) -> bool:
        body = {k: v for k, v in body.items() if k != "id"}  # the record's id is read-only
        return (
            self.wire.call("PUT", f"/contatos/{external_id}", json=body, what="customer", allow_404=True)
            is not None
        )

    def create_customer(self, payload: dict[str, Any]) -> str:
        # A new record with no word from Odoo on ICMS: "não contribuinte", the usual choice.
        payload = {"indicadorIe": NON_CONTRIBUTOR, **payload}
        created = data(self.wire.call("POST", "/contatos", json=payload, what="customer")) or {}
        contact_id = to_int(created.get("id"))
        if not contact_id:
            raise ErpError(_("Bling created the customer but did not return its id."))
        return str(contact_id)


def unmasked(document: Any) -> str:
    """A CPF/CNPJ as Bling's ``numeroDocumento`` filter takes it: digits, and the letters of an
    alphanumeric CNPJ (issued from July 2026), never reduced to its digits."""
    return re.sub(r"[^0-9A-Z]", "", str(document or "").upper())


def contact_body(customer: Customer) -> dict[str, Any]:
    """What Odoo says of the contact. ``indicadorIe`` (and ``ie``) only when the Odoo record has an
    opinion on ICMS (``ie_status``): else Bling keeps its own (an update never forces 9)."""
    document = unmasked(customer.document)
    company = customer.is_company or len(document) == 14
    body: dict[str, Any] = {
        "nome": customer.name.strip(),  # the legal name (razão social)
        "tipo": "J" if company else "F",
        "situacao": "A",
        "numeroDocumento": document,
    }
    if customer.ie_status is not None:
        body["indicadorIe"] = int(customer.ie_status.value)
        # Bling refuses "ISENTO" as an IE: an exempt contributor (2) goes without one
        exempt = customer.ie_status is IeStatus.EXEMPT
        body["ie"] = "" if exempt else customer.state_registration.strip()
    if customer.trade_name.strip():
        body["fantasia"] = customer.trade_name.strip()
    if customer.municipal_registration.strip():
        body["inscricaoMunicipal"] = customer.municipal_registration.strip()
    if customer.email:
        body["email"] = customer.email.strip()
    if customer.phone:
        phone, mobile = customer_phone(customer.phone)
        body["telefone"] = phone
        if mobile:
            body["celular"] = phone
    address = customer.address
    body["endereco"] = {
        "geral": {
            "endereco": address.street,
            "numero": address.number,
            "complemento": address.complement,
            "bairro": address.district,
            "cep": customer_value(
                format_cep_bling, address.zip_code, field="cep", label="CEP", provider="Bling"
            ),
            "municipio": address.city,
            "uf": address.state_code.upper(),
        }
    }
    return body
