"""How VHSYS writes values: amounts with a comma or a dot, flags as "Sim"/"1", Brasília timestamps,
records nested oddly in ``data``, and the tags this addon writes into a document's notes."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ..common import BRT
from ..errors import ErpError
from ..messages import _


def dec(value: Any) -> Decimal:
    """A VHSYS amount ("10.50", "10,50", 10.5); 0 when unreadable or not finite ("NaN")."""
    try:
        number = Decimal(str(value).strip().replace(",", ".") or "0")
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return number if number.is_finite() else Decimal(0)


def to_int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


def truthy(value: Any) -> bool:
    return str(value).strip().lower() not in ("", "0", "0.00", "none", "null", "false", "nao", "não", "n")


def text_of(data: Any) -> str:
    """The human text of an answer's ``data`` (a message, a list of messages, a record)."""
    if isinstance(data, str):
        return data
    if isinstance(data, list):
        return "; ".join(text_of(d) for d in data if d not in (None, ""))
    if isinstance(data, dict):
        for key in ("mensagem", "message", "erro", "error", "erros", "data"):
            if key in data:
                return text_of(data[key])
        return json.dumps(data, ensure_ascii=False)
    return "" if data is None else str(data)


def rows_of(data: Any) -> list[dict]:
    """List ``data`` as a flat list of records (one documented example nests them oddly)."""
    if isinstance(data, dict):
        return [data]
    rows: list[dict] = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict):
            continue
        nested = [
            v for v in item.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)
        ]
        if len(item) == 1 and nested:
            rows.extend(nested[0])
        else:
            rows.append(item)
    return rows


def first_row(data: Any) -> dict:
    """The record a create answered."""
    rows = rows_of(data)
    if not rows:
        raise ErpError(
            _("VHSYS answered a create without the created record."), erp_message=text_of(data)[:300]
        )
    return rows[0]


def parse_stamp(value: Any) -> dt.datetime | None:
    """A VHSYS timestamp ("YYYY-MM-DD HH:MM:SS", Brasília time) or None."""
    text = str(value or "").strip()
    if not text or text.startswith("0000"):
        return None
    try:
        stamp = dt.datetime.fromisoformat(text.replace(" ", "T")[:19])
    except ValueError:
        return None
    return stamp.replace(tzinfo=BRT) if stamp.tzinfo is None else stamp


def last_tag(pattern: re.Pattern, text: str) -> str:
    """The last value a tag took in the OS notes (a note cancelled and issued again adds tags)."""
    found = pattern.findall(text)
    return found[-1] if found else ""


def has_marker(text: Any, marker: str) -> bool:
    return bool(marker) and re.search(rf"(?<![\w:]){re.escape(marker)}(?![\w:])", str(text or "")) is not None
