"""Invoice → ERP order mapping and the invoice-level checks (pure Python, no Odoo)."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tecpet_erp_sync.erp import mapping
from tecpet_erp_sync.erp.contract import Address, Customer, DocType, LineKind

CUSTOMER = Customer(
    name="Maria",
    document="52998224725",
    is_company=False,
    address=Address("Rua A", "1", "Centro", "São Paulo", "SP", "01001000"),
)
SERVICE = mapping.InvoiceLine("Banho", Decimal("1"), Decimal("80.00"), "service", "SRV-1")
GOODS = mapping.InvoiceLine("Ração", Decimal("3"), Decimal("569.70"), "consu", "RAC-10")
NO_PRODUCT = mapping.InvoiceLine("Taxa de entrega", Decimal("1"), Decimal("10.00"), "")
DUE = [(dt.date(2026, 12, 1), Decimal("329.85")), (dt.date(2027, 1, 1), Decimal("329.85"))]


def build(doc_type, lines, receivables=DUE):
    return mapping.build_order(
        doc_type=doc_type,
        marker="ODOO-test-1",
        reference="INV/2026/00001",
        customer=CUSTOMER,
        lines=lines,
        receivables=receivables,
        issue_date=dt.date(2026, 11, 25),
        payment_method="PIX",
    )


def test_lines_without_product_go_with_the_services():
    assert mapping.line_kind(NO_PRODUCT) is LineKind.SERVICE
    order = build(DocType.SERVICE_ORDER, [SERVICE, GOODS, NO_PRODUCT])
    assert [ln.description for ln in order.lines] == ["Banho", "Taxa de entrega"]


def test_mixed_invoice_splits_lines_and_installments_between_os_and_pv():
    lines = [SERVICE, GOODS, NO_PRODUCT]
    os_order = build(DocType.SERVICE_ORDER, lines)
    pv_order = build(DocType.SALES_ORDER, lines)
    assert [ln.kind for ln in pv_order.lines] == [LineKind.GOODS]
    assert pv_order.lines[0].unit_price == Decimal("189.90")
    assert sum(i.amount for i in os_order.installments) == Decimal("90.00")
    assert sum(i.amount for i in pv_order.installments) == Decimal("569.70")
    assert [i.due_date for i in os_order.installments] == [d for d, _ in DUE]
    assert all(i.payment_method == "PIX" for i in os_order.installments)


@settings(max_examples=200)
@given(
    amounts=st.lists(st.decimals("0.01", "10000", places=2), min_size=1, max_size=12),
    share=st.decimals("0.01", "50000", places=2),
)
def test_installments_always_add_up_to_the_document_total(amounts, share):
    receivables = [(dt.date(2026, 1, 1) + dt.timedelta(days=30 * i), a) for i, a in enumerate(amounts)]
    installments = mapping.split_installments(receivables, share, "PIX")
    assert sum(i.amount for i in installments) == share
    assert all(i.amount.as_tuple().exponent >= -2 for i in installments)


def test_invoice_checks_name_every_problem_at_once():
    bad_line = mapping.InvoiceLine("Desconto", Decimal("0"), Decimal("-5"), "service")
    problems = mapping.check_invoice("USD", [bad_line], Decimal("0"))
    texts = [p.render() for p in problems]
    assert any("USD" in t and "BRL" in t for t in texts)
    assert any("positive total" in t for t in texts)
    assert any("quantity 0" in t for t in texts)
    assert any("negative amount" in t and "discount" in t for t in texts)


def test_a_normal_invoice_has_no_problem():
    assert mapping.check_invoice("BRL", [SERVICE, GOODS], Decimal("649.70")) == []


def test_the_invoice_rounding_goes_with_the_os_unless_it_would_leave_it_worth_nothing():
    tiny = mapping.InvoiceLine("Taxa", Decimal("1"), Decimal("0.02"), "service")
    lines = [tiny, GOODS]
    assert mapping.document_totals(lines, Decimal("569.75")) == {
        DocType.SERVICE_ORDER: Decimal("0.05"),
        DocType.SALES_ORDER: Decimal("569.70"),
    }
    assert mapping.document_totals(lines, Decimal("569.70")) == {
        DocType.SERVICE_ORDER: Decimal("0.02"),
        DocType.SALES_ORDER: Decimal("569.68"),
    }


def test_installments_that_do_not_add_up_to_the_invoice_are_a_problem():
    receivables = [(dt.date(2026, 12, 1), Decimal("300.00")), (dt.date(2027, 1, 1), Decimal("300.00"))]
    lines = [SERVICE, GOODS]  # 649.70, but the payment terms say 600.00
    order = mapping.build_order(
        doc_type=DocType.SALES_ORDER,
        marker="m",
        reference="INV",
        customer=CUSTOMER,
        lines=lines,
        receivables=receivables,
        issue_date=dt.date(2026, 11, 25),
        amount_total=Decimal("649.70"),
    )
    assert order.total == Decimal("569.70")  # the PV takes what the OS leaves of each installment
    [problem] = mapping.check_order(order)
    assert problem.field == "invoice_payment_term_id" and "520.00" in problem.render()
    assert mapping.check_order(build(DocType.SERVICE_ORDER, lines)) == []
