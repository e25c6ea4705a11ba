"""The emulator kit: what the server expects from a provider emulator (VHSYS, Bling), and the
pieces both emulators share (routing compiled once, id sequences, the clock, control actions
dispatched through a table). What is particular to an ERP stays in its emulator."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .clock import now_brt, stamp
from .wire import Request, Response

# Control actions a person (web page) or a test can run on one document.
DOCUMENT_ACTIONS = ("pay", "ready", "issue", "cancel")


def cep_exists(cep: str) -> bool:
    """Whether a well-formed CEP (8 digits) can be in the Correios base: the first is 01000-000.

    Both emulators refuse a customer whose CEP is not there, as the ERPs do when they check it
    (vhsys.md §7): Odoo cannot check it offline, so it is the ERP's refusal Odoo lets through.
    """
    return cep >= "01000000"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    handler: str  # name of the emulator's method, called with the request and the path's ids
    scope: str = ""  # the OAuth scope the route needs (Bling)
    args: tuple = ()  # fixed arguments after the ids


class Router:
    """Declarative routes, compiled once per emulator class. ``{id}`` in a path stands for a numeric
    id, passed to the handler as an int. The first route whose method and path match wins."""

    def __init__(self, routes: Iterable[tuple]):
        self.routes = tuple(
            Route(method, re.compile(path.replace("{id}", r"(\d+)")), handler, *extra)
            for method, path, handler, *extra in routes
        )

    def find(self, method: str, path: str) -> tuple[Route, list[int]] | None:
        for route in self.routes:
            if route.method == method and (match := route.pattern.fullmatch(path)):
                return route, [int(g) for g in match.groups()]
        return None

    def knows(self, path: str) -> bool:
        """Whether some route serves ``path`` (with another method: a 405 where the ERP says so)."""
        return any(route.pattern.fullmatch(path) for route in self.routes)

    @staticmethod
    def call(emulator: Emulator, route: Route, req: Request, ids: list[int]) -> Response:
        return getattr(emulator, route.handler)(req, *ids, *route.args)


class Sequences:
    """An emulator's id sequences: ``next(kind)`` is the kind's start plus the ids drawn so far."""

    def __init__(self, starts: dict[str, int]):
        self._last = dict(starts)

    def next(self, kind: str) -> int:
        self._last[kind] += 1
        return self._last[kind]


class Emulator:
    """Base class. Subclasses keep their state in plain dicts guarded by ``self.lock``, created by
    ``reset`` (which calls this one first).

    ``SEQUENCES``: the start of each id sequence. ``CONTROLS``: control action -> name of the
    method running it with the params. ``DOCUMENT_CONTROLS``: action on one document -> name of
    the method running it, called by the emulator's ``_document_control``. ``SWITCHES``: each
    behaviour the sources leave open -> its plausible positions, the first one the default; the
    ``switch`` control action (``name``, ``position``) picks one until the next reset, and the
    pure tier runs the clients against each position.
    """

    name = ""
    prefix = ""  # URL prefix, e.g. "/vhsys/v2"
    SEQUENCES: dict[str, int] = {}
    CONTROLS: dict[str, str] = {}
    DOCUMENT_CONTROLS: dict[str, str] = {}
    SWITCHES: dict[str, tuple[str, ...]] = {}

    def __init__(self):
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        self.clock_offset = 0.0  # seconds added to the emulator's clock
        self._seq = Sequences(self.SEQUENCES)
        self.switches = {name: positions[0] for name, positions in self.SWITCHES.items()}

    def _next(self, kind: str) -> int:
        return self._seq.next(kind)

    def _now(self) -> dt.datetime:
        return now_brt(self.clock_offset)

    def _stamp(self) -> str:
        return stamp(self._now())

    def _today(self) -> str:
        return self._now().date().isoformat()

    def handle(self, req: Request) -> Response:
        raise NotImplementedError

    def fault_response(self, fault: str) -> Response:
        """The provider's own answer for an injected fault (rate_limit, server_error, html_error, outage)."""
        raise NotImplementedError

    def revoke_credentials(self) -> None:
        raise NotImplementedError

    def control(self, action: str, params: dict[str, Any]) -> Any:
        """Run a control action: one of ``CONTROLS``, or one of ``DOCUMENT_CONTROLS`` (``pay``,
        ``ready``, ``issue``, ``cancel``...) on the document the params name."""
        with self.lock:
            if action == "switch":
                return self.set_switch(str(params.get("name") or ""), str(params.get("position") or ""))
            if action in self.CONTROLS:
                return getattr(self, self.CONTROLS[action])(params)
            if action in self.DOCUMENT_CONTROLS:
                return self._document_control(getattr(self, self.DOCUMENT_CONTROLS[action]), params)
        raise ValueError(f"unknown {self.name} action {action!r}")

    def set_switch(self, name: str, position: str) -> dict[str, str]:
        """Put one open behaviour in one of its positions (until the next reset)."""
        if name not in self.SWITCHES:
            raise ValueError(f"unknown {self.name} switch {name!r}; known: {', '.join(self.SWITCHES)}")
        if position not in self.SWITCHES[name]:
            positions = ", ".join(self.SWITCHES[name])
            raise ValueError(f"{self.name} switch {name!r} has no position {position!r}; known: {positions}")
        self.switches[name] = position
        return dict(self.switches)

    def _document_control(self, run: Callable[..., Any], params: dict[str, Any]) -> Any:
        """Find the document ``params`` name and ``run`` the action on it."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        """State for the control API and the web page.

        Must contain ``documents``: a list of dicts with at least
        ``doc_type`` (service_order|sales_order), ``id``, ``number``, ``marker``, ``status``,
        ``customer``, ``total``, ``paid`` (bool), ``note`` (number or "").
        """
        raise NotImplementedError
