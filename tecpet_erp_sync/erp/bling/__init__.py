"""Bling API v3: ``BlingClient`` (the ``ErpProvider``), its ``BlingOptions`` and the account's
shared rate limiter."""

from .client import DEFAULT_BASE_URL, BlingClient, BlingOptions
from .orders import PANEL_URL
from .wire import RATE_LIMIT_CALLS, RATE_LIMIT_PERIOD, account_rate_limiter

__all__ = [
    "DEFAULT_BASE_URL",
    "PANEL_URL",
    "RATE_LIMIT_CALLS",
    "RATE_LIMIT_PERIOD",
    "BlingClient",
    "BlingOptions",
    "account_rate_limiter",
]
