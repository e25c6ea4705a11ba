"""Authenticity checks for ERP webhooks, in constant time.

A webhook only wakes the refresh job; the states are then read back from the ERP, never taken
from the payload (deliveries can be duplicated, out of order, or forged).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac


def bling_signature_valid(client_secret: str, raw_body: bytes, header: str) -> bool:
    """Bling signs the raw body with HMAC-SHA256 keyed by the app's client secret:
    ``X-Bling-Signature-256: sha256=<hex>``."""
    if not client_secret or not header:
        return False
    expected = "sha256=" + hmac.new(client_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def basic_auth_valid(user: str, password: str, header: str) -> bool:
    """VHSYS calls the registered URL with the user and password given at registration (Basic)."""
    if not user or not password or not header.startswith("Basic "):
        return False
    try:
        given = base64.b64decode(header[6:].strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, f"{user}:{password}".encode())
