"""The provider contract: the plain data the Odoo side sends and the results it gets back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Protocol

from .errors import ErpError

CENT = Decimal("0.01")


class DocState(str, Enum):
    """Keys of ``account.move.service_order_state`` (PRODUCT.md 2.2), also used per document."""

    PROCESSING = "processing"
    OPEN = "open"
    FULFILLED = "fulfilled"
    AWAITING_ISSUE = "awaiting_issue"
    ISSUED = "issued"
    CANCELED = "canceled"
    ERROR = "error"


class DocType(str, Enum):
    SERVICE_ORDER = "service_order"  # OS: service lines (and lines without product)
    SALES_ORDER = "sales_order"  # PV: goods lines, with a stock exit in the ERP


class LineKind(str, Enum):
    SERVICE = "service"
    GOODS = "goods"


class IeStatus(str, Enum):
    """The customer's position towards ICMS: Bling ``indicadorIe``, the NF-e's ``indIEDest``."""

    CONTRIBUTOR = "1"  # holds a state registration (IE)
    EXEMPT = "2"  # contributor exempt from registration ("ISENTO")
    NON_CONTRIBUTOR = "9"


@dataclass(frozen=True)
class Address:
    street: str
    number: str
    district: str  # bairro
    city: str
    state_code: str  # UF, two letters
    zip_code: str  # CEP, digits only
    complement: str = ""
    ibge_code: str = ""  # IBGE municipality code (7 digits) of the city, "" when unknown


@dataclass(frozen=True)
class Customer:
    name: str  # legal name (razão social) for a company: OCA's ``legal_name``, else the partner's name
    # CPF (11 digits) or CNPJ (14 characters), unmasked and upper case. A CNPJ issued since July
    # 2026 may hold letters in its first 12 characters (12ABC34501DE35): never reduce it to digits.
    document: str
    is_company: bool
    address: Address
    phone: str = ""  # as typed by the user (optional); formatted per provider by the client
    email: str = ""
    state_registration: str = ""  # IE: its digits, or "ISENTO"
    # None: the Odoo record says nothing of ICMS, so the ERP's own value is kept (never overwritten).
    ie_status: IeStatus | None = None
    municipal_registration: str = ""  # IM
    suframa: str = ""  # SUFRAMA registration
    trade_name: str = ""  # nome fantasia, when the partner's name differs from the legal name


@dataclass(frozen=True)
class CustomerBinding:
    """What the Odoo side remembers of a customer sent to one ERP account (``erp/customers.py``)."""

    external_id: str  # the ERP's customer/contact id
    fingerprint: str  # hash of the customer payload last sent


@dataclass(frozen=True)
class Line:
    kind: LineKind
    description: str
    quantity: Decimal
    unit_price: Decimal
    product_code: str = ""  # Odoo internal reference (default_code), used to find/create the ERP product
    unit: str = "UN"
    discount_percent: Decimal = Decimal("0")
    # What the line is worth, to the cent (tax included, after its discount): the invoice line's
    # own total. None: quantity × unit price less the discount, rounded to the cent.
    total: Decimal | None = None
    ncm: str = ""  # goods: NCM, 8 digits ("" when the ERP's catalogue product holds it)
    # services: NFS-e service code, an LC 116 list item ("05.01") or the city's own code; "" uses
    # the integration's default
    service_code: str = ""

    @property
    def amount(self) -> Decimal:
        if self.total is not None:
            return self.total
        gross = self.quantity * self.unit_price * (100 - self.discount_percent) / 100
        return gross.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Installment:
    due_date: dt.date
    amount: Decimal
    payment_method: str = ""  # provider's name/id for the method (from the integration's mapping)


@dataclass(frozen=True)
class OrderRequest:
    """One ERP document to create: an OS (services) or a PV (goods)."""

    doc_type: DocType
    marker: str  # unique per Odoo database and document, e.g. "ODOO:<dbuuid8>:<document id>"
    reference: str  # the invoice number shown to people (e.g. INV/2026/00042)
    customer: Customer
    lines: tuple[Line, ...]
    installments: tuple[Installment, ...]
    issue_date: dt.date
    notes: str = ""
    customer_binding: CustomerBinding | None = None  # known ERP id + fingerprint: no call if unchanged
    # What the invoice adds (> 0) or takes off (< 0) beyond its lines, e.g. a cash-rounding line
    # or taxes rounded on the invoice total: part of this document's total (docs/money.md).
    adjustment: Decimal = Decimal("0")
    # Sales orders only: the delivery charged on the invoice (its delivery lines), sent as the
    # order's freight (VHSYS ``frete_pedido``, Bling ``transporte.frete``), never as an item.
    freight: Decimal = Decimal("0")
    # When the Odoo document was created (aware, or naive UTC as Odoo stores it): nothing can have
    # reached the ERP before, so a search for what an earlier attempt made starts there (less a
    # margin). None: the search starts at the invoice's date or today, whichever is earlier.
    created_at: dt.datetime | None = None

    @property
    def total(self) -> Decimal:
        """What the document must be worth in the ERP, to the cent: its installments add up to it."""
        return sum((line.amount for line in self.lines), Decimal("0")) + self.adjustment + self.freight


@dataclass(frozen=True)
class DocRef:
    """A document already known to exist in the ERP."""

    doc_type: DocType
    external_id: str
    marker: str = ""


@dataclass(frozen=True)
class PushResult:
    external_id: str
    external_number: str
    state: DocState  # normally OPEN right after creation
    adopted: bool = False  # True when an earlier attempt's document was found by marker and reused
    url: str = ""  # where a person can open it in the ERP, if the ERP has such a URL
    customer: CustomerBinding | None = None  # the ERP customer used and the fingerprint sent: remember it


@dataclass(frozen=True)
class FiscalNote:
    """The fiscal note (NF-e or NFS-e) of a document, as far as the ERP tells it."""

    number: str = ""
    series: str = ""
    access_key: str = ""  # NF-e chave (44 digits) or NFS-e verification code
    issued_on: dt.date | None = None
    pdf_url: str = ""  # DANFE / NFS-e PDF, where the ERP gives a link
    xml_url: str = ""


@dataclass(frozen=True)
class RemoteStatus:
    doc_type: DocType
    external_id: str
    state: DocState
    external_number: str = ""
    note_number: str = ""  # number of the fiscal note once issued
    # The document no longer exists in the ERP (Bling answers 404, VHSYS moved it to the trash):
    # ``state`` is then CANCELED and the invoice's chatter says it was deleted in the ERP.
    deleted: bool = False
    # The fiscal note was rejected or denied (SEFAZ, city hall): ``state`` is then ERROR and the
    # message is kept on the document. (``_()`` template, its parameters), shown translated.
    note_rejection: tuple[str, dict[str, str]] | None = None
    note: FiscalNote | None = None


@dataclass(frozen=True)
class ChangeSet:
    """Result of an incremental read-back: states of changed documents and where to resume."""

    statuses: tuple[RemoteStatus, ...]
    cursor: str  # opaque; pass it back as ``since`` next time
    calls: int = 0  # HTTP calls spent, for benchmarks
    # Documents whose state could not be read this time (garbage answer, unexpected error): the
    # read-back of the others went on; these are reported and tried again next run.
    unreadable: tuple[Unreadable, ...] = ()
    # Documents the lists showed changed but that were not read, over ``max_reads``: the addon
    # flags them for a re-check, read in committed chunks within the cron's time (a Bling push
    # backlog makes every new order "changed", and each costs reads at 3 requests a second).
    postponed: tuple[DocRef, ...] = ()


@dataclass(frozen=True)
class Unreadable:
    ref: DocRef
    error: ErpError  # why: the addon shows it translated (``read_error``)


@dataclass(frozen=True)
class ConnectionInfo:
    account_name: str
    detail: str = ""
    # The account's own company CPF/CNPJ where the API tells it: an integration whose documents
    # were sent to one account must never be pointed at another ("" when unknown).
    account_document: str = ""


# A user-visible text kept translatable outside Odoo: an English ``messages._`` template and its
# parameters; the addon renders it with ``env._(template, **params)`` in the reader's language.
Text = tuple[str, dict[str, str | int]]


@dataclass(frozen=True)
class AccountFact:
    """One fact about a real ERP account that the client relies on, as "Check account" found it.

    ``key`` names the fact for the clients (``docs/erp-facts.md``); ``value`` is what the client
    adapts to (an honoured filter, the paging field to stop on...), stored on the integration and
    handed back to the client's options; None when the account could not tell.
    """

    key: str
    fact: Text  # what was asked ("Does GET /contas-receber honour id_cliente?")
    answer: Text  # what the account answered
    consequence: Text  # what the addon does about it
    value: str | int | bool | None = None
    ok: bool | None = None  # False: the account needs attention before going live


class ErpProvider(Protocol):
    """What the Odoo side needs from an ERP. Implementations: VhsysClient, BlingClient."""

    def test_connection(self) -> ConnectionInfo: ...

    def check_account(self) -> tuple[AccountFact, ...]:
        """A read-only tour of the account (at most ~30 safe calls, nothing created): each fact the
        client relies on with less than high confidence (``docs/erp-facts.md``), as answered."""
        ...

    def push(self, order: OrderRequest, *, maybe_exists: bool = False) -> PushResult:
        """Create the document with all its parts (customer, items, installments, stock exit).

        With ``maybe_exists`` (an earlier attempt may have reached the ERP), search for
        ``order.marker`` first and adopt what is found, completing or rolling back a half-built
        document. Never creates a second document for one marker.
        """
        ...

    def find(self, doc_type: DocType, marker: str, issue_date: dt.date) -> DocRef | None:
        """The live document carrying ``marker``, if an earlier send created it (else None)."""
        ...

    def cancel(self, ref: DocRef) -> RemoteStatus:
        """Cancel in the ERP. Raises DataError if a fiscal note was already issued."""
        ...

    def fetch_changes(
        self, refs: list[DocRef], since: str | None, *, max_reads: int | None = None
    ) -> ChangeSet:
        """States of the given documents that changed since the cursor (None: read all given).

        ``max_reads``: read at most this many documents one by one; the other changed ones come
        back in ``ChangeSet.postponed`` (the payments first, then notes, then other changes).

        ``refs`` holds every document that is not final yet, issued ones included (a note cancelled
        in the ERP takes the document back). A document deleted in the ERP comes back CANCELED with
        ``deleted``; one that cannot be read goes to ``ChangeSet.unreadable``, never stops the run.
        """
        ...

    def issue_note(self, ref: DocRef) -> RemoteStatus:
        """Ask the ERP to issue the fiscal note of a fulfilled document."""
        ...


@dataclass
class Credentials:
    """Secrets handed to a client. ``repr`` never shows them, so they cannot leak into logs."""

    values: dict[str, str] = field(default_factory=dict, repr=False)

    def get(self, key: str) -> str:
        return self.values.get(key) or ""
