"""The VHSYS request and answer shapes recorded in ``erp-apis/vhsys.md``, kept as JSON fixtures
(``tests/fixtures/vhsys``), and the checks both the client tests and the sandbox tests apply, so
that neither can drift from the notes alone (VHSYS publishes no machine-readable spec).

A fixture names an operation (``method``, ``path`` with ``{id}``), the request (``body``:
object, array of objects or none; ``required`` and ``optional`` fields with their type), a
recorded ``example`` request and the ``response`` (HTTP status, body ``code``, ``data`` kind and
the fields every answer carries). Types: ``id`` (integer or digits), ``id-or-empty``, ``text``
or ``text:N`` (at most N characters), ``decimal`` (a string with a dot, no comma), ``date``
(YYYY-MM-DD), ``time`` (HH:MM:SS), or a list of the allowed values.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "vhsys"
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}")


@cache
def fixtures() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(FIXTURES.glob("*.json"))}


def capture(name: str) -> dict[str, Any]:
    """A recorded real answer (``capture_<name>.json``): the facts both sides are held to."""
    return fixtures()[f"capture_{name}"]


def fixture_for(method: str, path: str) -> dict[str, Any] | None:
    for fixture in fixtures().values():
        if fixture.get("method") != method:
            continue
        pattern = "^" + re.escape(fixture["path"]).replace(r"\{id\}", r"\d+") + "$"
        if re.match(pattern, path):
            return fixture
    return None


def fields_of(fixture: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(required, optional) request fields; a partial body takes its create's fields, all optional."""
    request = fixture["request"]
    if "partial_of" in request:
        base = fixtures()[request["partial_of"]]["request"]
        return {}, {**base["required"], **base["optional"]}
    return request.get("required", {}), request.get("optional", {})


def type_problem(kind: Any, value: Any) -> str:
    """Why ``value`` is not of ``kind`` ("" when it is)."""
    if isinstance(kind, list):
        return "" if value in kind else f"{value!r} is not one of {kind}"
    if kind in ("id", "id-or-empty"):
        if kind == "id-or-empty" and value in ("", None):
            return ""
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and value.isdigit()
        )
        return "" if ok else f"{value!r} is not an id"
    if kind.startswith("text"):
        if not isinstance(value, str):
            return f"{value!r} is not a text"
        limit = int(kind.partition(":")[2] or 0)
        return f"{value!r} is longer than {limit}" if limit and len(value) > limit else ""
    patterns = {"decimal": _DECIMAL, "date": _DATE, "time": _TIME}
    ok = isinstance(value, str) and patterns[kind].fullmatch(value) is not None
    return "" if ok else f"{value!r} is not a {kind} string"


def request_problems(method: str, path: str, body: Any) -> list[str]:
    """How a request the sandbox received differs from the recorded shape of its operation."""
    fixture = fixture_for(method, path)
    where = f"{method} {path}"
    if fixture is None:
        return [f"{where}: no recorded shape (tests/fixtures/vhsys)"] if method != "GET" else []
    kind = fixture["request"]["body"]
    if kind == "none":
        return [f"{where}: takes no body"] if body not in (None, b"", "") else []
    rows = body if kind == "array" else [body]
    if kind == "array" and not isinstance(body, list):
        return [f"{where}: the body must be a JSON array (even for one item)"]
    if kind == "object" and not isinstance(body, dict):
        return [f"{where}: the body must be a JSON object"]
    required, optional = fields_of(fixture)
    problems = []
    for n, row in enumerate(rows):
        label = f"{where}[{n}]" if kind == "array" else where
        if not isinstance(row, dict):
            problems.append(f"{label}: not an object")
            continue
        problems += [f"{label}: {name} is required" for name in required if name not in row]
        for name, value in row.items():
            field_kind = required.get(name, optional.get(name))
            if field_kind is None:
                problems.append(f"{label}: {name} is not a recorded field")
            elif problem := type_problem(field_kind, value):
                problems.append(f"{label}: {name}: {problem}")
    return problems


def response_problems(method: str, path: str, status: int, envelope: Any) -> list[str]:
    """How an answer differs from the recorded envelope and the operation's recorded answer."""
    where = f"{method} {path} → {status}"
    recorded = fixtures()["envelope"]
    if not isinstance(envelope, dict):
        return [f"{where}: the answer is not a JSON object"]
    if envelope.get("code") == 403 and status == 403:
        empty = recorded["empty_list"]
        if envelope.get("status") == empty["status"] and re.match(empty["data"], str(envelope.get("data"))):
            return []  # "Nenhum ... encontrado": an empty list, as VHSYS answers it
    fixture = fixture_for(method, path)
    if fixture is None or envelope.get("code") not in (200, 201):
        return []
    problems = []
    if envelope.get("status") not in recorded["success"]["status"]:
        problems.append(f"{where}: status {envelope.get('status')!r}")
    answer = fixture["response"]
    data = envelope.get("data")
    if answer["data"] == "array" and not isinstance(data, list):
        return [*problems, f"{where}: data must be an array"]
    if answer["data"] == "object" and not isinstance(data, dict):
        return [*problems, f"{where}: data must be an object"]
    for row in data if isinstance(data, list) else [data] if answer["data"] == "object" else []:
        for name, kind in answer["fields"].items():
            if name not in row:
                problems.append(f"{where}: data.{name} is missing")
            elif problem := type_problem(kind, row[name]):
                problems.append(f"{where}: data.{name}: {problem}")
    if isinstance(envelope.get("paging"), dict):
        for name, kind in recorded["paging"].items():
            if problem := type_problem(kind, envelope["paging"].get(name)):
                problems.append(f"{where}: paging.{name}: {problem}")
    return problems
