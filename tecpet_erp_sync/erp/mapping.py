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

from .contract import Customer, DocType, Installment, Line, LineKind, OrderRequest
from .formatting import clean_lines, control_character, quoted
from .messages import Problem, _

CENT = Decimal("0.01")


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: Decimal
    price_total: Decimal  # tax included, in the invoice currency
    product_type: str  # "service", "consu", "combo"... or "" when the line has no product
    product_code: str = ""
    uom: str = "UN"


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
    """The contract lines of one document: unit price tax included, rounded to the cent."""
    result = []
    for line in lines:
        kind = line_kind(line)
        if doc_type_of(kind) is not doc_type:
            continue
        unit = (line.price_total / line.quantity).quantize(CENT, ROUND_HALF_UP)
        result.append(
            Line(
                kind=kind,
                description=clean_lines(line.description)[:255].rstrip(),
                quantity=line.quantity,
                unit_price=unit,
                product_code=line.product_code,
                unit=line.uom or "UN",
            )
        )
    return tuple(result)


def order_total(lines: tuple[Line, ...]) -> Decimal:
    return sum(((ln.quantity * ln.unit_price).quantize(CENT, ROUND_HALF_UP) for ln in lines), Decimal("0"))


def split_installments(
    receivables: list[tuple[dt.date, Decimal]], share: Decimal, payment_method: str
) -> tuple[Installment, ...]:
    """The invoice's due dates, scaled so that they add up to one document's total (``share``).

    An invoice with services and goods becomes two documents; each gets the same due dates with
    amounts in proportion. Rounding the running total (not each amount) keeps every installment
    non-negative and the sum exact to the cent.
    """
    base = sum((amount for _, amount in receivables), Decimal("0"))
    if base <= 0 or share <= 0:
        return ()
    installments = []
    running = allotted = Decimal("0")
    for due, amount in sorted(receivables):
        running += amount
        cumulative = (running * share / base).quantize(CENT, ROUND_HALF_UP)
        installments.append(Installment(due, cumulative - allotted, payment_method))
        allotted = cumulative
    return tuple(i for i in installments if i.amount > 0)


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
) -> OrderRequest:
    doc_lines = order_lines(lines, doc_type)
    installments = split_installments(receivables, order_total(doc_lines), payment_method)
    return OrderRequest(
        doc_type=doc_type,
        marker=marker,
        reference=reference,
        customer=customer,
        lines=doc_lines,
        installments=installments,
        issue_date=issue_date,
        notes=notes,
    )
