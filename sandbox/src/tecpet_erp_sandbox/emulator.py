"""What the server expects from a provider emulator (VHSYS, Bling)."""

from __future__ import annotations

import threading
from typing import Any

from .wire import Request, Response

# Control actions a person (web page) or a test can run on one document.
DOCUMENT_ACTIONS = ("pay", "ready", "issue", "cancel")


def cep_exists(cep: str) -> bool:
    """Whether a well-formed CEP (8 digits) can be in the Correios base: the first is 01000-000.

    Both emulators refuse a customer whose CEP is not there, as the ERPs do when they check it
    (vhsys.md §7): Odoo cannot check it offline, so it is the ERP's refusal Odoo lets through.
    """
    return cep >= "01000000"


class Emulator:
    """Base class. Subclasses keep their state in plain dicts guarded by ``self.lock``."""

    name = ""
    prefix = ""  # URL prefix, e.g. "/vhsys/v2"

    def __init__(self):
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        raise NotImplementedError

    def handle(self, req: Request) -> Response:
        raise NotImplementedError

    def fault_response(self, fault: str) -> Response:
        """The provider's own answer for an injected fault (rate_limit, server_error, html_error, outage)."""
        raise NotImplementedError

    def revoke_credentials(self) -> None:
        raise NotImplementedError

    def control(self, action: str, params: dict[str, Any]) -> Any:
        """Run a control action (``pay``, ``ready``, ``issue``, ``cancel``...) on ``doc_type`` + ``id``."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        """State for the control API and the web page.

        Must contain ``documents``: a list of dicts with at least
        ``doc_type`` (service_order|sales_order), ``id``, ``number``, ``marker``, ``status``,
        ``customer``, ``total``, ``paid`` (bool), ``note`` (number or "").
        """
        raise NotImplementedError
