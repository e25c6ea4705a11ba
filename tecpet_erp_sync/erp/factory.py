"""Builds the right client for an integration from plain settings (what the Odoo side stores)."""

from __future__ import annotations

from typing import Any

from .bling import BlingClient, BlingOptions, account_rate_limiter
from .bling_oauth import BlingTokenManager, MemoryTokenStore, TokenStore
from .contract import ErpProvider
from .ratelimit import Limiter
from .vhsys import VhsysClient
from .vhsys import from_settings as vhsys_options

BLING_API_HOST = "https://api.bling.com.br/Api/v3"
# Bling serves the consent page on www., the API and the token endpoint on api.
BLING_AUTHORIZE_URL = "https://www.bling.com.br/Api/v3/oauth/authorize"
TIMEOUT = 30.0  # seconds, connect and read: ERP writes can be slow, the jobs are not in a hurry


def make_client(
    settings: dict[str, Any], *, token_store: TokenStore | None = None, rate_limiter: Limiter | None = None
) -> ErpProvider:
    """``rate_limiter``: the account's limiter shared by every process (Bling); by default one
    limiter per account in this process."""
    api_url = settings["api_url"].rstrip("/")
    if settings["provider"] == "vhsys":
        # payment method, NFS-e settings (vhsys_nfse_*), account_facts, allow_free_text_items...
        return VhsysClient(
            api_url,
            settings.get("vhsys_access_token", ""),
            settings.get("vhsys_secret_token", ""),
            options=vhsys_options(settings),
            timeout=TIMEOUT,
        )
    if settings["provider"] == "bling":
        tokens = BlingTokenManager(
            f"{api_url}/oauth/token",
            settings.get("bling_client_id", ""),
            settings.get("bling_client_secret", ""),
            token_store or MemoryTokenStore(),
            authorize_endpoint=BLING_AUTHORIZE_URL if api_url == BLING_API_HOST else "",
            timeout=(TIMEOUT, TIMEOUT),
        )
        return BlingClient(
            api_url,
            tokens,
            options=BlingOptions(
                payment_method_id=settings.get("default_payment_method") or "",
                service_code=settings.get("default_service_code") or "",
                timeout=(TIMEOUT, TIMEOUT),
                facts=dict(settings.get("account_facts") or {}),
                mapped_payment_methods=tuple(str(m) for m in settings.get("mapped_payment_methods") or ()),
                allow_free_text_items=bool(settings.get("allow_free_text_items", False)),
            ),
            rate_limiter=rate_limiter or account_rate_limiter(settings.get("account_key") or api_url),
        )
    raise ValueError(f"unknown ERP provider {settings['provider']!r}")
