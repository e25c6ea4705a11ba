"""Plain request/response objects exchanged between the HTTP server and the provider emulators."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    method: str
    path: str  # relative to the provider's prefix, e.g. "/ordens-servico/12/servicos"
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    def arg(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        """All values of a repeated parameter; accepts both ``name`` and ``name[]``."""
        return self.query.get(name, []) + self.query.get(f"{name}[]", [])

    def json(self) -> Any:
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    status: int = 200
    body: Any = None  # JSON-serialisable, or str for text/html
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, (str, bytes)):
            return self.body.encode("utf-8") if isinstance(self.body, str) else self.body
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def html(text: str, status: int = 200) -> Response:
    return Response(status=status, body=text, content_type="text/html; charset=utf-8")
