"""VHSYS API v2: ``VhsysClient`` (the ``ErpProvider``) and its ``VhsysOptions``."""

from .client import DEFAULT_BASE_URL, VhsysClient, VhsysOptions

__all__ = ["DEFAULT_BASE_URL", "VhsysClient", "VhsysOptions"]
