"""Invoice → ERP order mapping and the invoice-level checks made before sending.

Plain Python: the Odoo side extracts the invoice lines and receivable installments as plain
values; everything that decides what the ERP receives is here and tested without Odoo.
"""

# pylint: disable=prefer-env-translation
# (messages are marked with messages._ and translated by the Odoo side)

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .contract import CENT, Customer, DocType, Installment, Line, LineKind, OrderRequest
from .formatting import clean_lines, control_character, quoted
from .messages import Problem, _

UNIT_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: Decimal
    price_total: Decimal  # tax included, in the invoice currency
    product_type: str  # "service", "consu", "combo"... or "" when the line has no product
    product_code: str = ""
    uom: str = "UN"
    discount: Decimal = Decimal("0")  # percent, as on the invoice line (already in price_total)


def line_kind(line: InvoiceLine) -> LineKind:
    """Lines without a product go with the services (PRODUCT.md 2.1)."""
    return LineKind.GOODS if line.product_type and line.product_type != "service" else LineKind.SERVICE


def doc_type_of(kind: LineKind) -> DocType:
    return DocType.SALES_ORDER if kind is LineKind.GOODS else DocType.SERVICE_ORDER


def check_invoice(currency: str, lines: list[InvoiceLine], amount_total: Decimal) -> list[Problem]:
    """What the ERP cannot take whatever the customer: every problem at once."""
    problems = []
    if currency != "BRL":
        message = _("The invoice is in %(currency)s: the ERP only takes invoices in BRL. Create it in BRL.")
        problems.append(Problem("currency_id", message, {"currency": currency}))
    if amount_total <= 0:
        message = _("The invoice total is %(total)s: only invoices with a positive total go to the ERP.")
        problems.append(Problem("amount_total", message, {"total": f"{amount_total:.2f}"}))
    for line in lines:
        label = clean_lines(line.description)
        name = quoted(label.replace("\n", " "))  # one line in the message
        if not label:
            message = _("A line has no description: describe every invoice line.")
            problems.append(Problem("invoice_line_ids", message))
        bad = control_character(label.replace("\n", ""))  # its line breaks are kept
        if bad:
            message = _(
                'Line "%(line)s" contains an invisible control character (%(char)s): '
                "retype the line's label."
            )
            problems.append(Problem("invoice_line_ids", message, {"line": name, "char": f"U+{ord(bad):04X}"}))
        if line.quantity <= 0:
            message = _('Line "%(line)s" has quantity %(qty)s: the ERP needs a positive quantity.')
            problems.append(Problem("invoice_line_ids", message, {"line": name, "qty": f"{line.quantity}"}))
        if line.price_total < 0:
            message = _('Line "%(line)s" has a negative amount: use a discount instead.')
            problems.append(Problem("invoice_line_ids", message, {"line": name}))
    return problems


def order_lines(lines: list[InvoiceLine], doc_type: DocType) -> tuple[Line, ...]:
    """The contract lines of one document.

    Each keeps the invoice line's own total (``Line.total``): that is what the ERP must receive.
    ``unit_price`` is the unit price before the line's discount, tax included, to 4 decimals: the
    best a unit price can say; each client sends what its ERP field holds and absorbs the
    remainder explicitly (docs/money.md).
    """
    result = []
    for line in lines:
        kind = line_kind(line)
        if doc_type_of(kind) is not doc_type:
            continue
        discount = line.discount if 0 < line.discount < 100 else Decimal("0")
        unit = line.price_total / line.quantity * 100 / (100 - discount)
        result.append(
            Line(
                kind=kind,
                description=clean_lines(line.description)[:255].rstrip(),
                quantity=line.quantity,
                unit_price=unit.quantize(UNIT_STEP, ROUND_HALF_UP),
                product_code=line.product_code,
                unit=line.uom or "UN",
                discount_percent=discount,
                total=line.price_total.quantize(CENT, ROUND_HALF_UP),
            )
        )
    return tuple(result)


def order_total(lines: tuple[Line, ...]) -> Decimal:
    return sum((ln.amount for ln in lines), Decimal("0"))


def document_totals(lines: list[InvoiceLine], amount_total: Decimal | None) -> dict[DocType, Decimal]:
    """What each ERP document of the invoice is worth; together exactly ``amount_total``.

    What the invoice total holds beyond its lines (a cash-rounding line, taxes rounded on the
    total) goes with the OS, as lines without a product do (PRODUCT.md 2.1), or with the PV when
    there are only goods...
    """
    totals = {
        doc_type: order_total(order_lines(lines, doc_type))
        for doc_type in DocType
        if any(doc_type_of(line_kind(line)) is doc_type for line in lines)
    }
    if not totals:
        totals[DocType.SERVICE_ORDER] = Decimal("0")
    if amount_total is not None:
        extra = amount_total - sum(totals.values())
        # ... unless taking it off would leave the OS worth nothing (a few cents of services).
        holder = next(d for d in DocType if d in totals and (totals[d] + extra > 0 or len(totals) == 1))
        totals[holder] += extra
    return totals


def _scaled(receivables: list[tuple[dt.date, Decimal]], share: Decimal) -> list[Decimal]:
    """``share`` spread over the receivables in proportion, one amount per receivable (zeros kept).

    Rounding the running total (not each amount) keeps every amount between zero and its
    receivable and the sum exact to the cent.
    """
    base = sum((amount for _, amount in receivables), Decimal("0"))
    if base <= 0 or share <= 0:
        return [Decimal("0")] * len(receivables)
    amounts = []
    running = allotted = Decimal("0")
    for _due, amount in receivables:
        running += amount
        cumulative = (running * share / base).quantize(CENT, ROUND_HALF_UP)
        amounts.append(cumulative - allotted)
        allotted = cumulative
    return amounts


def split_installments(
    receivables: list[tuple[dt.date, Decimal]], share: Decimal, payment_method: str
) -> tuple[Installment, ...]:
    """The invoice's due dates, scaled so that they add up to one document's total (``share``)."""
    ordered = sorted(receivables)
    amounts = _scaled(ordered, share)
    return tuple(
        Installment(due, amount, payment_method)
        for (due, _), amount in zip(ordered, amounts, strict=True)
        if amount > 0
    )


def document_installments(
    receivables: list[tuple[dt.date, Decimal]],
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
    ordered = sorted(receivables)
    service = _scaled(ordered, totals[DocType.SERVICE_ORDER])
    return tuple(
        Installment(due, amount - os_amount, payment_method)
        for (due, amount), os_amount in zip(ordered, service, strict=True)
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


def build_order(
    *,
    doc_type: DocType,
    marker: str,
    reference: str,
    customer: Customer,
    lines: list[InvoiceLine],
    receivables: list[tuple[dt.date, Decimal]],
    issue_date: dt.date,
    payment_method: str = "",
    notes: str = "",
    amount_total: Decimal | None = None,
) -> OrderRequest:
    """One ERP document of the invoice. With ``amount_total`` (the invoice's), the documents of
    the invoice together are worth exactly that; their installments are the invoice's own."""
    doc_lines = order_lines(lines, doc_type)
    totals = document_totals(lines, amount_total)
    return OrderRequest(
        doc_type=doc_type,
        marker=marker,
        reference=reference,
        customer=customer,
        lines=doc_lines,
        installments=document_installments(receivables, totals, doc_type, payment_method),
        issue_date=issue_date,
        notes=notes,
        adjustment=totals.get(doc_type, Decimal("0")) - order_total(doc_lines),
    )
