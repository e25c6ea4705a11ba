"""How Bling writes values: ``data`` envelopes, situações by ``valor``, Portuguese texts matched
without accents, amounts in cents, and the fiscal notes' fields."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..contract import CENT, DocRef, DocType, FiscalNote
from ..errors import ErpError
from ..http import HttpResponse
from ..messages import _
from ..states import BLING_NFE_ISSUED, BLING_NFSE_ISSUED, NoteKind

MAX_RANGE = dt.timedelta(days=364)  # Bling refuses date filters spanning more than one year


_ALREADY_SENT_RE = re.compile(r"\bja\s+(foi\s+|esta\s+)?(autorizad|emitid|enviad)")


def plain(text: str) -> str:
    """Lower case without accents, for matching Bling's Portuguese texts."""
    return (
        "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        .lower()
        .strip()
    )


def already_sent(exc: ErpError) -> bool:
    """Bling refused to transmit a note because it already was (authorised, issued, sent)."""
    return bool(_ALREADY_SENT_RE.search(plain(f"{exc.erp_message} {exc.message}")))


def to_int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        return Decimal("0")


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def data(resp: HttpResponse | None) -> Any:
    if resp is None:
        return None
    body = resp.body
    return body.get("data") if isinstance(body, dict) and "data" in body else body


def valor(detail: dict[str, Any]) -> int:
    return to_int((detail.get("situacao") or {}).get("valor"))


def doc_label(doc_type: DocType) -> str:
    """How an order is called in Bling's own fields (``observacoesInternas``)."""
    return "service order" if doc_type is DocType.SERVICE_ORDER else "sales order"


def ref_id(ref: DocRef) -> int:
    oid = to_int(ref.external_id)
    if oid <= 0:
        raise ErpError(_("%(id)r is not a Bling order id."), id=ref.external_id)
    return oid


def origin_order(row: dict[str, Any]) -> int:
    origin = row.get("origem") or {}
    return to_int(origin.get("id")) if "vend" in plain(str(origin.get("tipoOrigem") or "")) else 0


def note_issued(kind: NoteKind, note: dict[str, Any]) -> bool:
    return to_int(note.get("situacao")) in (BLING_NFE_ISSUED if kind == "nfe" else BLING_NFSE_ISSUED)


def created_note_id(body: Any) -> int:
    """``gerar-nfe`` answers ``{"idNotaFiscal": N}`` (OpenAPI) or may wrap it in ``data``."""
    if not isinstance(body, dict):
        return 0
    inner = body.get("data") if isinstance(body.get("data"), dict) else body
    return to_int(inner.get("idNotaFiscal") or inner.get("id"))


def fiscal_note(kind: NoteKind, note: dict[str, Any]) -> FiscalNote:
    """What Bling tells of an issued note (GET /nfe/{id}, GET /nfse/{id})."""
    try:
        issued_on = dt.date.fromisoformat(str(note.get("dataEmissao") or "")[:10])
    except ValueError:
        issued_on = None
    return FiscalNote(
        number=str(note.get("numero") or ""),
        series=str(note.get("serie") or ""),
        access_key=str(note.get("chaveAcesso" if kind == "nfe" else "codigoVerificacao") or ""),
        issued_on=issued_on,
        pdf_url=str(note.get("linkDanfe" if kind == "nfe" else "link") or note.get("linkPDF") or ""),
        xml_url=str(note.get("xml") or "") if kind == "nfe" else "",
    )
