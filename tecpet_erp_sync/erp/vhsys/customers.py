"""VHSYS's customer records: the wire of ``erp/customers.py`` (``/clientes``, vhsys.md §3.1)."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import re
from typing import Any

from ..common import customer_phone, customer_value
from ..contract import Customer, IeStatus
from ..errors import DataError, UnknownOutcome
from ..formatting import format_cep_vhsys, format_document
from ..messages import _
from .values import rows_of, to_int
from .wire import VhsysWire

_NOT_DOCUMENT = re.compile(r"[^0-9A-Z]")


def plain_document(value: Any) -> str:
    """A CPF/CNPJ as compared: its digits and, in a CNPJ issued since July 2026, its letters
    (``12.ABC.345/01DE-35`` → ``12ABC34501DE35``); VHSYS stores it masked."""
    return _NOT_DOCUMENT.sub("", str(value or "").upper())


class VhsysCustomers:
    """``CustomerWire`` for VHSYS. PUT /clientes/{id} takes partial bodies (vhsys.md §3.1)."""

    full_record_update = False

    def __init__(self, wire: VhsysWire):
        self.wire = wire

    def customer_payload(self, customer: Customer) -> dict[str, Any]:
        document = plain_document(customer.document)
        if not document:
            raise DataError(_("The customer has no CPF/CNPJ."), field="cnpj_cliente")
        addr = customer.address
        payload: dict[str, Any] = {
            "tipo_pessoa": "PJ" if customer.is_company else "PF",
            "razao_cliente": customer.name.strip(),
            "cnpj_cliente": _masked_document(document),
            # The address goes whole, empty parts too: an update then clears a removed complement.
            "endereco_cliente": addr.street.strip(),
            "numero_cliente": addr.number.strip(),
            "bairro_cliente": addr.district.strip(),
            "complemento_cliente": addr.complement.strip(),
            "cep_cliente": customer_value(
                format_cep_vhsys, addr.zip_code, field="cep_cliente", label="CEP", provider="VHSYS"
            ),
            "cidade_cliente": addr.city.strip(),
            "uf_cliente": addr.state_code.strip().upper(),
            "situacao_cliente": "Ativo",
        }
        optional = {
            "email_cliente": customer.email.strip(),
            "fantasia_cliente": customer.trade_name.strip(),
            "insc_municipal_cliente": customer.municipal_registration.strip(),
            "insc_suframa_cliente": customer.suframa.strip(),
        }
        payload.update({k: v for k, v in optional.items() if v})
        if customer.ie_status is not None:
            # Odoo has an opinion on ICMS: its IE, "ISENTO", or none for a non-contributor. Without
            # one (None), the field is not sent at all: VHSYS's own value stays (issue 19).
            exempt = customer.ie_status is IeStatus.EXEMPT
            payload["insc_estadual_cliente"] = "ISENTO" if exempt else customer.state_registration.strip()
        if customer.phone:
            phone, mobile = customer_phone(customer.phone)
            payload["celular_cliente" if mobile else "fone_cliente"] = phone[:20]
        return payload

    def find_customer(self, customer: Customer) -> tuple[str, dict[str, Any] | None] | None:
        document = plain_document(customer.document)
        masked = _masked_document(document)
        found = self._search({"cnpj_cliente": masked}, document)
        if found == [] and masked != document:  # typed without the mask by someone in VHSYS?
            found = self._search({"cnpj_cliente": document}, document)
        if found is None:  # the document filter seems ignored: fall back to the name
            found = self._search({"razao_cliente": customer.name.strip()[:100]}, document)
        if not found:
            return None
        row = min(found, key=lambda r: to_int(r.get("id_cliente")))  # list rows are whole records
        return str(to_int(row["id_cliente"])), row

    def _search(self, params: dict, document: str) -> list[dict] | None:
        """Live customers with this document; [] when the search was empty, None when it returned
        rows that do not match (the filter looks ignored)."""
        rows = self.wire.list(
            "/clientes", {**params, "lixeira": "Nao"}, pk=("id_cliente",), max_pages=1, what="customer search"
        )
        hits = [
            r
            for r in rows
            if plain_document(r.get("cnpj_cliente")) == document and r.get("lixeira", "Nao") != "Sim"
        ]
        if hits or not rows:
            return hits
        return None

    def read_customer(self, external_id: str) -> dict[str, Any] | None:
        row = self.wire.get(f"/clientes/{external_id}", what="customer")
        return None if row is None or row.get("lixeira") == "Sim" else row

    def write_customer(self, external_id: str, body: dict[str, Any]) -> bool:
        envelope = self.wire.call(
            "PUT", f"/clientes/{external_id}", body=body, what="customer", missing_ok=True
        )
        if envelope is None:  # "Cliente não encontrado"
            return False
        rows = rows_of(envelope.get("data"))
        return not (rows and rows[0].get("lixeira") == "Sim")  # updated, but in the trash: as gone

    def create_customer(self, payload: dict[str, Any]) -> str:
        body = {"tipo_cadastro": "Cliente", **{k: v for k, v in payload.items() if v not in ("", None)}}
        customer_id = to_int(self.wire.post_new("/clientes", body, what="customer").get("id_cliente"))
        if not customer_id:
            raise UnknownOutcome(_("VHSYS created the customer without returning its id."))
        return str(customer_id)


def _masked_document(document: str) -> str:
    return customer_value(format_document, document, field="cnpj_cliente", label="CPF/CNPJ", provider="VHSYS")
