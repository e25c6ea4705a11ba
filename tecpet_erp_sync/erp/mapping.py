"""Invoice → ERP order mapping and the invoice-level checks made before sending.

Plain Python: the Odoo side extracts the invoice lines and receivable installments as plain
values; everything that decides what the ERP receives is here and tested without Odoo
(docs/money.md says it in words).

An invoice becomes at most two documents: an OS for its services (and lines without a product),
a PV for its goods. Besides products, Odoo invoices hold lines that are no item of their own:

- negative lines (a down-payment deduction, the Sales discount, a loyalty reward, a returned
  product): a discount spread over the positive lines they apply to, so each item says what it
  is worth after it;
- delivery lines: the PV's freight, never an item and never on an OS;
- what ``amount_total`` holds beyond the lines (cash rounding, taxes rounded on the total): the
  ``adjustment`` of a document that exists.
"""

# pylint: disable=prefer-env-translation
# (messages are marked with messages._ and translated by the Odoo side)

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .contract import CENT, Customer, DocType, Installment, Line, LineKind, OrderRequest
from .formatting import clean_lines, control_character, digits, quoted
from .messages import Problem, _

UNIT_STEP = Decimal("0.0001")
HUNDRED = Decimal("100")
# The invoice's fiscal document type (core l10n_br's ``l10n_latam_document_type_id.code``) that
# says where every line goes: an NFS-e invoice is one service order, an NFC-e one sales order.
# NF-e (55) is not here: it is the default of every Brazilian sales journal, so it tells nothing.
DOCUMENT_TYPE_OVERRIDES = {"SE": DocType.SERVICE_ORDER, "65": DocType.SALES_ORDER}

# A receivable: its due date, amount and, optionally, its ERP payment method.
Receivable = tuple[dt.date, Decimal] | tuple[dt.date, Decimal, str]


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: Decimal
    price_total: Decimal  # tax included, in the invoice currency
    product_type: str  # "service", "consu", "combo"... or "" when the line has no product
    product_code: str = ""
    uom: str = "UN"  # fiscal unit code (UN, KG, H...) of Odoo's unit of measure; "" when it has none
    discount: Decimal = Decimal("0")  # percent, as on the invoice line (already in price_total)
    ncm: str = ""  # goods: the product's NCM ("" when Odoo has none)
    service_code: str = ""  # services: the product's NFS-e service code ("" uses the default)
    freight: bool = False  # a delivery charge (Sales' is_delivery, a carrier's product)
    # A deduction of the whole invoice (down payment, the Sales discount, a loyalty reward): when
    # negative, spread over every line, whatever its kind. Lines without a product count as such.
    whole_invoice: bool = False


def line_kind(line: InvoiceLine) -> LineKind:
    """Lines without a product go with the services (PRODUCT.md 2.1)."""
    return LineKind.GOODS if line.product_type and line.product_type != "service" else LineKind.SERVICE


def doc_type_of(kind: LineKind) -> DocType:
    return DocType.SALES_ORDER if kind is LineKind.GOODS else DocType.SERVICE_ORDER


def _override(document_type_code: str) -> DocType | None:
    return DOCUMENT_TYPE_OVERRIDES.get((document_type_code or "").strip().upper())


def _is_freight(line: InvoiceLine, document_type_code: str) -> bool:
    """A delivery charge is the PV's freight, except on an NFS-e invoice (one OS: an item there)."""
    return line.freight and _override(document_type_code) is not DocType.SERVICE_ORDER


def _doc_type(line: InvoiceLine, document_type_code: str) -> DocType:
    return _override(document_type_code) or doc_type_of(line_kind(line))


def _deduction_scope(line: InvoiceLine) -> LineKind | None:
    """What a negative line is taken off: lines of its kind, or (None) every line of the invoice."""
    return None if line.whole_invoice or not line.product_type else line_kind(line)


@dataclass(frozen=True)
class _Placed:
    """The invoice's lines once deductions are spread and freight is set apart."""

    items: tuple[tuple[InvoiceLine, Decimal], ...]  # lines sent as items, with their total to send
    freight: Decimal
    freight_lines: tuple[InvoiceLine, ...]
    unplaced: tuple[tuple[InvoiceLine, LineKind | None, Decimal], ...]  # deduction, scope, its base


def spread(amounts: Sequence[Decimal], share: Decimal) -> list[Decimal]:
    """``share`` spread over ``amounts`` in proportion, one amount each (zeros kept).

    Rounding the running total (not each amount) keeps every part between zero and its amount
    and the sum exact to the cent.
    """
    base = sum(amounts, Decimal("0"))
    if base <= 0 or share <= 0:
        return [Decimal("0")] * len(amounts)
    parts = []
    running = allotted = Decimal("0")
    for amount in amounts:
        running += amount
        cumulative = (running * share / base).quantize(CENT, ROUND_HALF_UP)
        parts.append(cumulative - allotted)
        allotted = cumulative
    return parts


def _place(lines: Sequence[InvoiceLine], document_type_code: str = "") -> _Placed:
    """Deductions taken off the lines they apply to (kind first, then the whole invoice)."""
    freight_lines = tuple(line for line in lines if _is_freight(line, document_type_code))
    items = [
        line
        for line in lines
        if not _is_freight(line, document_type_code)
        and line.price_total >= 0
        and line.product_type != "combo"
    ]
    totals = [line.price_total.quantize(CENT, ROUND_HALF_UP) for line in items]
    deductions = [
        line for line in lines if not _is_freight(line, document_type_code) and line.price_total < 0
    ]
    unplaced = []
    for scope in (LineKind.GOODS, LineKind.SERVICE, None):
        taken = -sum((d.price_total for d in deductions if _deduction_scope(d) is scope), Decimal("0"))
        taken = taken.quantize(CENT, ROUND_HALF_UP)
        if not taken:
            continue
        targets = [i for i, line in enumerate(items) if scope is None or line_kind(line) is scope]
        base = sum((totals[i] for i in targets), Decimal("0"))
        if base < taken:
            unplaced += [(d, scope, base) for d in deductions if _deduction_scope(d) is scope]
            continue
        for i, part in zip(targets, spread([totals[i] for i in targets], taken), strict=True):
            totals[i] -= part
    freight = sum((line.price_total for line in freight_lines), Decimal("0")).quantize(CENT, ROUND_HALF_UP)
    return _Placed(tuple(zip(items, totals, strict=True)), freight, freight_lines, tuple(unplaced))


def document_types(lines: Sequence[InvoiceLine], document_type_code: str = "") -> list[DocType]:
    """The ERP documents the invoice makes: a kind whose lines are worth nothing once deductions are
    taken (all free, or all discounted away) makes no document of its own (N19: what the invoice
    holds beyond its lines then goes to a document that exists). At least the OS, to report on."""
    placed = _place(lines, document_type_code)
    worth: dict[DocType, Decimal] = {}
    for line, total in placed.items:
        doc_type = _doc_type(line, document_type_code)
        worth[doc_type] = worth.get(doc_type, Decimal("0")) + total
    if DocType.SALES_ORDER in worth:
        worth[DocType.SALES_ORDER] += placed.freight
    return sorted(d for d, total in worth.items() if total > 0) or [DocType.SERVICE_ORDER]


def check_invoice(
    currency: str, lines: Sequence[InvoiceLine], amount_total: Decimal, document_type_code: str = ""
) -> list[Problem]:
    """What the ERP cannot take whatever the customer: every problem at once."""
    problems = []
    if currency != "BRL":
        message = _("The invoice is in %(currency)s: the ERP only takes invoices in BRL. Create it in BRL.")
        problems.append(Problem("currency_id", message, {"currency": currency}))
    if amount_total <= 0:
        message = _("The invoice total is %(total)s: only invoices with a positive total go to the ERP.")
        problems.append(Problem("amount_total", message, {"total": f"{amount_total:.2f}"}))
    for line in lines:
        problems += _check_line(line)
    placed = _place(lines, document_type_code)
    problems += [_unplaced_problem(line, scope, base) for line, scope, base in placed.unplaced]
    if placed.freight_lines and DocType.SALES_ORDER not in document_types(lines, document_type_code):
        message = _(
            'Line "%(line)s" is a delivery charge, but the invoice has no goods: the ERP charges freight '
            "only on a sales order. Remove the delivery line, or bill the delivery with a service product."
        )
        problems += [
            Problem("invoice_line_ids", message, {"line": _shown(line)}) for line in placed.freight_lines
        ]
    return problems


def _shown(line: InvoiceLine) -> str:
    return quoted(clean_lines(line.description).replace("\n", " "))  # one line in the message


def _check_line(line: InvoiceLine) -> list[Problem]:
    label, name = clean_lines(line.description), _shown(line)
    problems = []
    if not label:
        problems.append(
            Problem("invoice_line_ids", _("A line has no description: describe every invoice line."))
        )
    bad = control_character(label.replace("\n", ""))  # its line breaks are kept
    if bad:
        message = _(
            'Line "%(line)s" contains an invisible control character (%(char)s): retype the line\'s label.'
        )
        problems.append(Problem("invoice_line_ids", message, {"line": name, "char": f"U+{ord(bad):04X}"}))
    # A deduction may say -1 × 50 or 1 × -50; an item needs a positive quantity.
    if line.quantity == 0 or (line.quantity < 0 and line.price_total >= 0):
        message = _('Line "%(line)s" has quantity %(qty)s: the ERP needs a positive quantity.')
        problems.append(Problem("invoice_line_ids", message, {"line": name, "qty": f"{line.quantity}"}))
    if not line.uom and line.price_total >= 0 and not line.freight and line.product_type != "combo":
        message = _(
            'Line "%(line)s" is in a unit of measure without a fiscal unit code (UN, KG, H...): fill in the '
            '"ERP Unit Code" of its unit of measure, e.g. CX for boxes.'
        )
        problems.append(Problem("invoice_line_ids", message, {"line": name}))
    if line.product_type == "combo" and line.price_total:
        message = _(
            'Line "%(line)s" is a combo product: the ERP needs the products it is made of. Invoice it from '
            "its sales order (which lists the chosen items), or invoice the items themselves."
        )
        problems.append(Problem("invoice_line_ids", message, {"line": name}))
    return problems


def _unplaced_problem(line: InvoiceLine, scope: LineKind | None, base: Decimal) -> Problem:
    params = {"line": _shown(line), "amount": f"{-line.price_total:.2f}", "base": f"{base:.2f}"}
    if scope is LineKind.GOODS:
        message = _(
            'Line "%(line)s" takes %(amount)s off goods, but the invoice\'s goods are worth %(base)s: a '
            "discount on goods lowers goods only. Give the discount on the goods lines themselves, or use a "
            "service product for it."
        )
    elif scope is LineKind.SERVICE:
        message = _(
            'Line "%(line)s" takes %(amount)s off services, but the invoice\'s services are worth %(base)s: '
            "a discount on services lowers services only. Give the discount on the service lines themselves, "
            "or use a goods product for it."
        )
    else:
        message = _(
            'Line "%(line)s" takes %(amount)s off, but the invoice\'s other lines are worth %(base)s: '
            "lower the deduction to at most what the invoice bills."
        )
    return Problem("invoice_line_ids", message, params)


def order_lines(
    lines: Sequence[InvoiceLine],
    doc_type: DocType,
    document_type_code: str = "",
    default_service_code: str = "",
) -> tuple[Line, ...]:
    """The contract lines of one document.

    Each keeps the invoice line's own total less its share of the deductions (``Line.total``):
    that is what the ERP must receive. ``unit_price`` is the unit price before any discount, tax
    included, to 4 decimals, and ``discount_percent`` what the line's discount and its share of
    the deductions take off it; each client sends what its ERP field holds and absorbs the
    remainder explicitly (docs/money.md).
    """
    result = []
    for line, total in _place(lines, document_type_code).items:
        if _doc_type(line, document_type_code) is not doc_type:
            continue
        kind = line_kind(line)
        own = line.discount if 0 < line.discount < 100 else Decimal("0")
        unit = (line.price_total / line.quantity * 100 / (100 - own)).quantize(UNIT_STEP, ROUND_HALF_UP)
        result.append(
            Line(
                kind=kind,
                description=clean_lines(line.description)[:255].rstrip(),
                quantity=line.quantity,
                unit_price=unit,
                product_code=line.product_code,
                unit=line.uom or "UN",
                discount_percent=_discount(own, line.price_total, total),
                total=total,
                ncm=digits(line.ncm) if kind is LineKind.GOODS else "",
                service_code=(line.service_code or default_service_code).strip()
                if kind is LineKind.SERVICE
                else "",
            )
        )
    return tuple(result)


def _discount(own: Decimal, line_total: Decimal, total: Decimal) -> Decimal:
    """The line's own discount, or, once deductions lowered it, the whole discount it now carries."""
    if total == line_total or line_total <= 0:
        return own
    kept = (100 - own) * total / line_total  # percent of the undiscounted price still billed
    return min(HUNDRED, (100 - kept).quantize(CENT, ROUND_HALF_UP))


def order_total(lines: tuple[Line, ...]) -> Decimal:
    return sum((ln.amount for ln in lines), Decimal("0"))


def document_totals(
    lines: Sequence[InvoiceLine], amount_total: Decimal | None, document_type_code: str = ""
) -> dict[DocType, Decimal]:
    """What each ERP document of the invoice is worth (lines, freight and adjustment); together
    exactly ``amount_total``.

    What the invoice total holds beyond its lines (a cash-rounding line, taxes rounded on the
    total) goes with the OS, as lines without a product do (PRODUCT.md 2.1), or with the PV when
    there is no OS: only ever to a document that exists (N19)...
    """
    placed = _place(lines, document_type_code)
    totals = {doc_type: Decimal("0") for doc_type in document_types(lines, document_type_code)}
    for line, total in placed.items:
        doc_type = _doc_type(line, document_type_code)
        if doc_type in totals:
            totals[doc_type] += total
    if DocType.SALES_ORDER in totals:
        totals[DocType.SALES_ORDER] += placed.freight
    if amount_total is not None:
        extra = amount_total - sum(totals.values())
        # ... unless taking it off would leave the OS worth nothing (a few cents of services).
        holder = next(d for d in DocType if d in totals and (totals[d] + extra > 0 or len(totals) == 1))
        totals[holder] += extra
    return totals


def _receivables(
    receivables: Sequence[Receivable], payment_method: str
) -> list[tuple[dt.date, Decimal, str]]:
    """Receivables sorted by due date, each with its payment method (``payment_method`` by default)."""
    return sorted((r[0], r[1], r[2] if len(r) > 2 and r[2] else payment_method) for r in receivables)


def split_installments(
    receivables: Sequence[Receivable], share: Decimal, payment_method: str
) -> tuple[Installment, ...]:
    """The invoice's due dates, scaled so that they add up to one document's total (``share``)."""
    ordered = _receivables(receivables, payment_method)
    amounts = spread([amount for _, amount, _ in ordered], share)
    return tuple(
        Installment(due, amount, method)
        for (due, _, method), amount in zip(ordered, amounts, strict=True)
        if amount > 0
    )


def document_installments(
    receivables: Sequence[Receivable],
    totals: dict[DocType, Decimal],
    doc_type: DocType,
    payment_method: str,
) -> tuple[Installment, ...]:
    """One document's share of the invoice's installments.

    With an OS and a PV, the PV takes what the OS leaves of each installment, so that on every
    due date the two documents together ask for exactly what the invoice asks.
    """
    if doc_type is DocType.SERVICE_ORDER or DocType.SERVICE_ORDER not in totals:
        return split_installments(receivables, totals.get(doc_type, Decimal("0")), payment_method)
    ordered = _receivables(receivables, payment_method)
    service = spread([amount for _, amount, _ in ordered], totals[DocType.SERVICE_ORDER])
    return tuple(
        Installment(due, amount - os_amount, method)
        for (due, amount, method), os_amount in zip(ordered, service, strict=True)
        if amount - os_amount > 0
    )


def check_order(order: OrderRequest) -> list[Problem]:
    """What makes a document unsendable although each line is fine: every problem at once."""
    problems = []
    total = f"{order.total:.2f}"
    if order.total <= 0:
        message = _(
            "An ERP document of the invoice would be worth %(total)s: the ERP needs a positive total."
        )
        problems.append(Problem("amount_total", message, {"total": total}))
    parcels = sum((i.amount for i in order.installments), Decimal("0"))
    if order.installments and parcels != order.total:
        message = _(
            "The installments of an ERP document add up to %(parcels)s, the document to %(total)s: "
            "the invoice's payment terms do not add up to its total."
        )
        problems.append(
            Problem("invoice_payment_term_id", message, {"parcels": f"{parcels:.2f}", "total": total})
        )
    return problems


def check_documents(
    lines: Sequence[InvoiceLine], amount_total: Decimal, live: set[DocType], document_type_code: str = ""
) -> list[Problem]:
    """Before any send: the documents the invoice has (``live``) are the ones its lines make, and
    together they are worth exactly ``amount_total`` (N19: nothing given to a document that will
    never exist)."""
    totals = document_totals(lines, amount_total, document_type_code)
    sent = sum((totals.get(d, Decimal("0")) for d in live), Decimal("0"))
    if set(totals) != live or sent != amount_total:
        message = _(
            "The ERP documents of the invoice would be worth %(sent)s, the invoice %(total)s: its lines "
            "changed since it was posted. Reset the invoice to draft and confirm it again."
        )
        return [Problem("amount_total", message, {"sent": f"{sent:.2f}", "total": f"{amount_total:.2f}"})]
    return []


def build_order(
    *,
    doc_type: DocType,
    marker: str,
    reference: str,
    customer: Customer,
    lines: Sequence[InvoiceLine],
    receivables: Sequence[Receivable],
    issue_date: dt.date,
    payment_method: str = "",
    notes: str = "",
    amount_total: Decimal | None = None,
    document_type_code: str = "",
    default_service_code: str = "",
) -> OrderRequest:
    """One ERP document of the invoice. With ``amount_total`` (the invoice's), the documents of
    the invoice together are worth exactly that; their installments are the invoice's own, each
    with its own payment method when the receivable names one, else ``payment_method``."""
    doc_lines = order_lines(lines, doc_type, document_type_code, default_service_code)
    totals = document_totals(lines, amount_total, document_type_code)
    freight = _place(lines, document_type_code).freight if doc_type is DocType.SALES_ORDER else Decimal("0")
    return OrderRequest(
        doc_type=doc_type,
        marker=marker,
        reference=reference,
        customer=customer,
        lines=doc_lines,
        installments=document_installments(receivables, totals, doc_type, payment_method),
        issue_date=issue_date,
        notes=notes,
        adjustment=totals.get(doc_type, Decimal("0")) - order_total(doc_lines) - freight,
        freight=freight,
    )
