"""Reading a VHSYS document's fiscal notes: the OS's NFS-e (``/notas-servico``, one per service list
item, linked to its OS only by the tags this addon writes into the OS's internal notes) and the
sales order's NF-e (``/notas-fiscais``, linked by ``id_pedido_ref``).

The tags, in the OS's ``obs_interno_pedido``, for each group of services of one list item
(``label`` is "" for the integration's default item, else ``"<item>: "``):

- ``[NFS-e itens <item>=<amount>:<positions>; ...]`` written with the OS when its services carry
  list items of their own: which services (by position) make which note, for how much;
- ``[NFS-e <label>criando <time>]`` before a draft is created (the write-ahead of a lost answer);
- ``[NFS-e <label>rascunho <id>]`` once it exists (`` homologação`` after it: a test note);
- ``[NFS-e <label><number>]`` once issued.

A note issued in homologation is never a fiscal note: it never makes a document Issued.
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..contract import FiscalNote, Text
from ..messages import _
from .options import FILTER_NFE_ORDER, FILTER_NFSE_CUSTOMER, VhsysOptions
from .values import dec, parse_stamp, rows_of, to_int, truthy
from .wire import Scans, VhsysWire

CLOCK_SKEW = dt.timedelta(minutes=15)
TOLERANCE = Decimal("0.01")
DEFAULT_ITEM = "*"  # the group of services without a list item of their own
HOMOLOGATION_MARK = " homologação"
_LABEL = r"(?:(?P<item>[^\]:\s]+): )?"
NFSE_TAG_RE = re.compile(r"\[NFS-e " + _LABEL + r"(?P<value>\w+)\]")
NFSE_DRAFT_RE = re.compile(
    r"\[NFS-e " + _LABEL + r"rascunho (?P<value>\d+)(?P<homologation>" + HOMOLOGATION_MARK + r")?\]"
)
NFSE_CREATING_RE = re.compile(r"\[NFS-e " + _LABEL + r"criando (?P<value>[\d: -]+)\]")
NFSE_PLAN_RE = re.compile(r"\[NFS-e itens (?P<value>[^\]]+)\]")
ODOO_TOKEN = "[Odoo "  # how the drafts this addon creates begin their internal notes

NFSE_HOMOLOGATION = _(
    "NFS-e %(number)s of service order %(order)s was issued in VHSYS's homologation (test) environment: "
    "it is not a fiscal note. When the tests are done, set the integration's NFS-e environment to "
    "Production and Reprocess the invoice."
)
NFE_HOMOLOGATION = _(
    "NF-e %(number)s of this sales order was issued in VHSYS's homologation (test) environment: it is "
    "not a fiscal note. Issue the NF-e in production in VHSYS; Odoo reads the new state back."
)


@dataclass(frozen=True)
class Group:
    """The services of one OS that make one NFS-e: one service list item."""

    item: str  # the list item, or DEFAULT_ITEM
    amount: Decimal | None  # None: the whole OS (no split written)
    positions: tuple[int, ...] = ()  # 1-based positions in the OS's service list; () all

    @property
    def label(self) -> str:
        return "" if self.item == DEFAULT_ITEM else f"{self.item}: "


def tag(group: Group, what: str) -> str:
    return f"[NFS-e {group.label}{what}]"


def last_for(pattern: re.Pattern, text: str, group: Group) -> re.Match | None:
    """The last tag of ``group`` (a note cancelled and issued again adds tags)."""
    item = "" if group.item == DEFAULT_ITEM else group.item
    found = [m for m in pattern.finditer(text) if (m.group("item") or "") == item]
    return found[-1] if found else None


def plan_tag(groups: list[Group]) -> str:
    entries = "; ".join(f"{g.item}={g.amount:.2f}:{','.join(map(str, g.positions))}" for g in groups)
    return f"[NFS-e itens {entries}]"


def groups_of(obs: str) -> list[Group] | None:
    """The groups the OS was sent with; None when it holds one note for all its services."""
    match = NFSE_PLAN_RE.search(obs)
    if not match:
        return None
    groups = []
    for entry in match.group("value").split(";"):
        item, _, rest = entry.strip().partition("=")
        amount, _, positions = rest.partition(":")
        try:
            value = Decimal(amount)
        except InvalidOperation:
            return None  # edited by hand: one note, as for an OS without a split
        groups.append(Group(item.strip(), value, tuple(int(p) for p in positions.split(",") if p.isdigit())))
    return groups or None


def nfse_total(head: dict) -> Decimal:
    """What the customer owes for an OS's services: its total (header discount or expenses
    included, docs/money.md) less any parts; its NFS-e are worth that together."""
    return (dec(head.get("valor_total_os")) - dec(head.get("valor_total_pecas"))) or dec(
        head.get("valor_total_servicos")
    )


def nfse_number(data: Any) -> str:
    rows = rows_of(data)
    row = rows[0] if rows else {}
    for key in ("NumeroNFS", "numero_nfs", "numero_nota", "NumeroNota"):
        if str(row.get(key) or "").strip():
            return str(row[key]).strip()
    return ""


def homologation(note: dict) -> bool:
    """A note of VHSYS's test environment (``ambiente`` 2): never a fiscal note."""
    return to_int(note.get("ambiente")) == 2


def nfe_issued(note: dict) -> bool:
    return (
        truthy(note.get("nota_emitida"))
        and not homologation(note)
        and not truthy(note.get("nota_denegada"))
        and parse_stamp(note.get("nota_data_cancelamento")) is None
        and note.get("status_pedido") != "Cancelado"
        and note.get("lixeira", "Nao") != "Sim"
    )


def nfe_details(note: dict) -> FiscalNote:
    """What a VHSYS NF-e row tells (no PDF link: VHSYS gives none through the API)."""
    stamp = parse_stamp(note.get("nota_data_autorizacao"))
    return FiscalNote(
        number=str(note.get("id_pedido") or ""),
        series=str(note.get("serie_nota") or note.get("nota_serie") or ""),
        access_key=str(note.get("nota_chave") or ""),
        issued_on=stamp.date() if stamp else None,
    )


def created(head: dict) -> dt.datetime | None:
    """When VHSYS created a document (its creation stamp, else its date), or None."""
    stamp = parse_stamp(head.get("data_cad_pedido"))
    if stamp is None:
        stamp = parse_stamp(f"{str(head.get('data_pedido') or '')[:10]} 00:00:00")
    return stamp


@dataclass(frozen=True)
class OsNote:
    """What VHSYS holds of an OS's NFS-e."""

    issued: bool
    number: str = ""  # the numbers, comma-separated (one NFS-e per service list item)
    rejection: Text | None = None  # a note issued in homologation


class VhsysNotes:
    """Whether a document's notes are issued, and their numbers."""

    def __init__(self, wire: VhsysWire, options: VhsysOptions):
        self.wire = wire
        self.options = options

    def nfse_live(self, note: dict) -> bool:
        """An NFS-e record neither trashed nor cancelled (read as the NF-e's fields are)."""
        return (
            note.get("lixeira", "Nao") != "Sim"
            and str(note.get("status_pedido") or "").strip().casefold()
            != self.options.status_canceled.casefold()
            and parse_stamp(note.get("nota_data_cancelamento")) is None
        )

    def draft(self, draft_id: str) -> dict | None:
        return self.wire.get(f"/notas-servico/{draft_id}", what="NFS-e")

    def os_note(self, head: dict) -> OsNote:
        """Whether the OS's NFS-e are all issued in production (and not cancelled since)."""
        obs = str(head.get("obs_interno_pedido") or "")
        numbers: list[str] = []
        ours = True
        for group in groups_of(obs) or [Group(DEFAULT_ITEM, None)]:
            draft = last_for(NFSE_DRAFT_RE, obs, group)
            number_tag = last_for(NFSE_TAG_RE, obs, group)
            if draft is None:  # an older tag without its draft's: trusted as issued
                ours = ours and number_tag is not None
                numbers.append(number_tag.group("value") if number_tag else "")
                continue
            note = self.draft(draft.group("value"))
            if note is None or not self.nfse_live(note):
                return OsNote(False)  # our note was cancelled (or deleted) in VHSYS
            if not truthy(note.get("nota_emitida")):
                ours = False
                continue
            number = nfse_number(note) or (number_tag.group("value") if number_tag else "")
            if draft.group("homologation") or homologation(note):
                order = str(head.get("id_pedido") or "")
                return OsNote(False, rejection=(NFSE_HOMOLOGATION, {"number": number, "order": order}))
            numbers.append(number)
        if ours:
            return OsNote(True, ", ".join(n for n in numbers if n))
        value = head.get("nota_servico_emitida")  # issued by a person from the OS's screen
        if truthy(value):
            text = str(value).strip()
            return OsNote(True, text if text.isdigit() and text != "1" else "")
        return OsNote(False)

    def service_notes(self, head: dict, since: dt.datetime | None, scans: Scans | None = None) -> list[dict]:
        """The live NFS-e records of the OS's customer created or changed since ``since``."""
        customer = to_int(head.get("id_cliente"))
        if self.options.honours(FILTER_NFSE_CUSTOMER):
            rows = self.wire.list(
                "/notas-servico", {"id_cliente": customer}, pk=("id_servico",), what="NFS-e list"
            )
        else:  # the filter is not documented: read by date, keep the customer's on our side
            rows = (scans or Scans(self.wire)).since(
                "/notas-servico", since, pk=("id_servico",), what="NFS-e list"
            )
        return [row for row in rows if to_int(row.get("id_cliente")) == customer and self.nfse_live(row)]

    def ui_nfse_number(self, head: dict, scans: Scans | None = None) -> str:
        """The number of the NFS-e a VHSYS user issued for this OS in VHSYS's own screens.

        The API links no NFS-e to its OS: the one live, issued production note of the OS's customer
        for the OS's amount, created since the OS, is it. None or several: the number stays unknown
        ('') rather than guessed; the document is Issued all the same.
        """
        start = created(head)
        since = start - CLOCK_SKEW if start else None
        total = nfse_total(head)
        numbers = {
            nfse_number(row)
            for row in self.service_notes(head, since, scans)
            if truthy(row.get("nota_emitida"))
            and not homologation(row)
            and abs(dec(row.get("valor_total_servicos")) - total) <= TOLERANCE
            and (since is None or (parse_stamp(row.get("data_cad_pedido")) or since) >= since)
        } - {""}
        return numbers.pop() if len(numbers) == 1 else ""

    def nfe_of(self, doc_id: str, head: dict, scans: Scans | None = None) -> list[dict]:
        """The NF-e of a sales order (``id_pedido_ref``), all of them."""
        if self.options.honours(FILTER_NFE_ORDER):
            rows = self.wire.list(
                "/notas-fiscais", {"id_pedido_ref": doc_id}, pk=("id_venda",), what="NF-e list"
            )
        else:  # the filter is not documented: every NF-e since the order, matched on our side
            since = self.since(head)
            rows = (scans or Scans(self.wire)).since(
                "/notas-fiscais", since, pk=("id_venda",), what="NF-e list"
            )
        return [r for r in rows if str(r.get("id_pedido_ref")) == str(doc_id)]

    def since(self, head: dict) -> dt.datetime | None:
        """Where lists of what was made from a document start: its creation, less the margin."""
        start = created(head)
        return start - dt.timedelta(seconds=self.options.search_margin) if start else None
