"""What Odoo writes into a Bling order's ``observacoesInternas`` for its NFS-e, and finding the
note again by it.

An NFS-e keeps no link to its order in Bling (the order's ``notaFiscal`` is read-only in the
OpenAPI, and Bling sets it only for notes it makes from the order itself) and holds no text of
ours that Bling reads back. So the RPS number about to be used, with its series and the day, is
written ahead on the order: ``[NFS-e RPS 5/1 2026-12-06]``. A retry after a lost answer and the
read-back find the note by it, and a note is this order's only when its RPS and series are
tagged on the order, its customer is the order's and its amount the order's total (defect N5):
the RPS number alone may be another order's when Bling refused ours. A tag whose create Bling
refused is marked ``recusado`` and never matches.

The items' NFS-e service codes, known when the order is created, ride along in the same field:
``[NFS-e códigos 0501|0508]`` (one per item, empty for the integration's default).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .values import MAX_RANGE, dec, to_int
from .wire import BlingWire

NFSE_CANCELED = 3
_TAG_RE = re.compile(r"\[NFS-e RPS (\w+)/(\w+)(?: (\d{4}-\d{2}-\d{2}))?\]")
_CODES_RE = re.compile(r"\[NFS-e códigos ([^\]]*)\]")


@dataclass(frozen=True)
class RpsTag:
    rps: str
    serie: str
    day: dt.date | None = None  # when the create was tried (tags written before 2026-12 have none)

    @property
    def text(self) -> str:
        return f"[NFS-e RPS {self.rps}/{self.serie}{f' {self.day.isoformat()}' if self.day else ''}]"


def rps_tags(detail: dict[str, Any]) -> list[RpsTag]:
    """The live RPS tags of an order (those Bling refused are marked and left out)."""
    return [
        RpsTag(rps, serie, dt.date.fromisoformat(day) if day else None)
        for rps, serie, day in _TAG_RE.findall(str(detail.get("observacoesInternas") or ""))
    ]


def with_tag(notes: str, tag: RpsTag) -> str:
    return f"{notes} {tag.text}".strip()


def with_refused(notes: str, tag: RpsTag) -> str:
    """``notes`` with ``tag`` marked as refused by Bling: it never matches a note again."""
    return notes.replace(tag.text, f"{tag.text[:-1]} recusado]")


def codes_tag(codes: list[str]) -> str:
    """The items' service codes, or "" when every item takes the integration's default."""
    return f"[NFS-e códigos {'|'.join(codes)}]" if any(codes) else ""


def service_codes(detail: dict[str, Any]) -> list[str]:
    found = _CODES_RE.search(str(detail.get("observacoesInternas") or ""))
    return found.group(1).split("|") if found else []


def belongs(note: dict[str, Any], detail: dict[str, Any], tags: list[RpsTag]) -> bool:
    """Whether ``note`` is provably this order's: tagged RPS, the order's customer and total."""
    contact = to_int((detail.get("contato") or {}).get("id"))
    return (
        (str(note.get("numeroRPS")), str(note.get("serie"))) in {(t.rps, t.serie) for t in tags}
        and to_int((note.get("contato") or {}).get("id")) == contact
        and dec(note.get("valor")) == dec(detail.get("total"))
        and to_int(note.get("situacao")) != NFSE_CANCELED
    )


def find_tagged_note(
    wire: BlingWire, today: dt.date, detail: dict[str, Any], seen: dict[dt.date, list[dict[str, Any]]]
) -> dict[str, Any] | None:
    """The NFS-e (a list row) an earlier attempt created for this order, or None. ``seen``: the
    NFS-e listed by this run, by the first day of their window, so one run lists them once."""
    tags = rps_tags(detail)
    if not tags:
        return None
    try:
        ordered = dt.date.fromisoformat(str(detail.get("data") or "")[:10])
    except ValueError:
        ordered = today
    start = max(min(t.day or ordered for t in tags) - dt.timedelta(days=1), today - MAX_RANGE)
    if start not in seen:
        window = {
            "dataEmissaoInicial": start.isoformat(),
            "dataEmissaoFinal": (today + dt.timedelta(days=1)).isoformat(),
        }
        seen[start] = list(wire.pages("/nfse", window, what="service notes"))
    mine = [row for row in seen[start] if belongs(row, detail, tags)]
    return min(mine, key=lambda row: to_int(row.get("id"))) if mine else None
