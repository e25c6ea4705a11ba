"""VHSYS API v2: ``VhsysClient`` (the ``ErpProvider``) and its ``VhsysOptions``."""

from .client import DEFAULT_BASE_URL, VhsysClient
from .options import NfseSettings, VhsysOptions, from_settings

__all__ = ["DEFAULT_BASE_URL", "NfseSettings", "VhsysClient", "VhsysOptions", "from_settings"]
