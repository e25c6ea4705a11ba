"""The customer upsert, written once for every ERP: each client supplies only its wire details.

The Odoo side remembers, per partner and integration, the ERP's customer id and a fingerprint of
the payload last sent (a ``CustomerBinding``). With it:

- known id, same fingerprint: no call at all (the ERP already holds what we would send);
- known id, other fingerprint: one update (Bling's full-record PUT needs the record first);
- unknown id (or one the ERP no longer knows): find by CPF/CNPJ, update it if it differs from the
  payload, else create.

The fingerprint is taken over the payload, not over the Odoo record: an Odoo change that does not
change what the ERP receives costs nothing. A refusal of the update is the client's usual
``DataError`` naming the field, as for a create.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from .contract import Customer, CustomerBinding, OrderRequest, PushResult
from .errors import DataError


class CustomerWire(Protocol):
    """What a client tells the upsert about its ERP's customer records."""

    # True when the ERP's update replaces the whole record (Bling): the update then sends the
    # ERP's record with the payload merged in, so that fields we do not manage survive.
    full_record_update: bool

    def customer_payload(self, customer: Customer) -> dict[str, Any]:
        """The body of a create: what we would send. Raises DataError on a value it cannot format."""
        ...

    def find_customer(self, customer: Customer) -> tuple[str, dict[str, Any] | None] | None:
        """The live ERP customer with the customer's CPF/CNPJ: (id, its record when the search
        returned it whole, else None), or None when there is none."""
        ...

    def read_customer(self, external_id: str) -> dict[str, Any] | None:
        """The ERP's whole record, or None when the ERP no longer knows it (or deleted it)."""
        ...

    def write_customer(self, external_id: str, body: dict[str, Any]) -> bool:
        """Update the record; False when the ERP no longer knows it (or holds it as deleted)."""
        ...

    def create_customer(self, payload: dict[str, Any]) -> str:
        """Create the record; its id."""
        ...


def fingerprint(payload: dict[str, Any]) -> str:
    """A stable hash of a payload: equal payloads, equal fingerprints, whatever the key order."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def upsert_customer(
    wire: CustomerWire, customer: Customer, binding: CustomerBinding | None
) -> CustomerBinding:
    """The ERP customer for ``customer``, created or brought up to date; the binding to remember."""
    payload = wire.customer_payload(customer)
    new = fingerprint(payload)
    if binding is not None and binding.external_id:
        if binding.fingerprint == new:
            return binding
        if _update(wire, binding.external_id, payload, None):
            return CustomerBinding(binding.external_id, new)
        # The ERP no longer knows the remembered id (deleted there): find or create as if new.
    found = wire.find_customer(customer)
    if found is not None and _update(wire, found[0], payload, found[1]):
        return CustomerBinding(found[0], new)
    return CustomerBinding(wire.create_customer(payload), new)


def push_checking_stale_customer(
    push: Callable[[OrderRequest], PushResult], order: OrderRequest, customer_field: str
) -> PushResult:
    """``push(order)``; when the ERP refuses the document's customer reference (``customer_field``)
    after an unchanged binding was trusted without a call, the ERP has lost that customer (deleted
    it, or the account was reset): check the binding (update, else find or create) and push again.
    The refused create left nothing behind, so the second push creates the document once."""
    try:
        return push(order)
    except DataError as exc:
        binding = order.customer_binding
        if exc.field != customer_field or binding is None or not binding.fingerprint:
            raise
    return push(replace(order, customer_binding=replace(binding, fingerprint="")))


def _update(wire: CustomerWire, external_id: str, payload: dict[str, Any], current: dict | None) -> bool:
    """Bring the ERP's record to ``payload``, without a write when it already says the same."""
    if current is None and wire.full_record_update:
        current = wire.read_customer(external_id)
        if current is None:
            return False
    if current is not None and not differs(current, payload):
        return True
    body = merged(current or {}, payload) if wire.full_record_update else payload
    return wire.write_customer(external_id, body)


def differs(current: dict[str, Any], payload: dict[str, Any]) -> bool:
    """Whether any value of ``payload`` (nested dicts included) is not what ``current`` holds."""
    for key, value in payload.items():
        held = current.get(key)
        if isinstance(value, dict):
            if differs(held if isinstance(held, dict) else {}, value):
                return True
        elif _plain(held) != _plain(value):
            return True
    return False


def merged(current: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """``current`` with ``payload``'s values written over it, nested dicts merged key by key."""
    result = dict(current)
    for key, value in payload.items():
        held = result.get(key)
        result[key] = merged(held, value) if isinstance(value, dict) and isinstance(held, dict) else value
    return result


def _plain(value: Any) -> str:
    """A value as compared: the ERPs answer numbers as text (or the other way round) and None for ""."""
    return "" if value is None else str(value).strip()
