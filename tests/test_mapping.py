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
    assert any("takes 5.00 off services" in t and "worth 0.00" in t for t in texts)


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


# -- negative lines: what they are in the ERP ----------------------------------------------------
DOWN_PAYMENT = mapping.InvoiceLine("Adiantamento", Decimal("-1"), Decimal("-100.00"), "", whole_invoice=True)
SALES_DISCOUNT = mapping.InvoiceLine(
    "Desconto", Decimal("1"), Decimal("-8.00"), "service", "DISC", whole_invoice=True
)
GOODS_DISCOUNT = mapping.InvoiceLine("Desconto ração", Decimal("1"), Decimal("-69.70"), "consu", "DESC")


def totals_of(lines, amount_total=None, code=""):
    return {
        d: sum((ln.amount for ln in mapping.order_lines(lines, d, code)), Decimal(0))
        for d in mapping.document_types(lines, code)
    }


def test_a_down_payment_deduction_is_spread_over_every_line_in_proportion():
    lines = [SERVICE, GOODS, DOWN_PAYMENT]  # 80.00 + 569.70 - 100.00 = 549.70
    assert mapping.check_invoice("BRL", lines, Decimal("549.70")) == []
    os_lines = mapping.order_lines(lines, DocType.SERVICE_ORDER)
    pv_lines = mapping.order_lines(lines, DocType.SALES_ORDER)
    assert [ln.total for ln in os_lines] == [Decimal("67.69")]  # 80 - 100 × 80 / 649.70
    assert [ln.total for ln in pv_lines] == [Decimal("482.01")]
    # the item keeps its price; what the deduction takes off is its discount
    assert pv_lines[0].unit_price == Decimal("189.90") and pv_lines[0].discount_percent == Decimal("15.39")
    assert os_lines[0].total + pv_lines[0].total == Decimal("549.70")


def test_a_goods_discount_lowers_goods_only():
    lines = [SERVICE, GOODS, GOODS_DISCOUNT]
    assert totals_of(lines) == {
        DocType.SERVICE_ORDER: Decimal("80.00"),
        DocType.SALES_ORDER: Decimal("500.00"),
    }


def test_the_sales_discount_of_a_goods_only_invoice_goes_on_the_goods():
    """The Sales discount uses a service product: it is still a discount of the whole order."""
    lines = [GOODS, SALES_DISCOUNT]
    assert mapping.check_invoice("BRL", lines, Decimal("561.70")) == []
    assert totals_of(lines) == {DocType.SALES_ORDER: Decimal("561.70")}


def test_a_goods_discount_without_goods_names_a_fix():
    lines = [SERVICE, GOODS_DISCOUNT]
    [problem] = mapping.check_invoice("BRL", lines, Decimal("10.30"))
    assert problem.render() == (
        'Line "Desconto ração" takes 69.70 off goods, but the invoice\'s goods are worth 0.00: a discount on '
        "goods lowers goods only. Give the discount on the goods lines themselves, or use a service product "
        "for it."
    )


def test_a_kind_discounted_to_nothing_makes_no_document_and_its_rounding_goes_elsewhere():
    """N19: goods 49.99, a free service, cash rounding to 50.00: the PV alone is worth 50.00."""
    free = mapping.InvoiceLine("Banho grátis", Decimal("1"), Decimal("0.00"), "service")
    goods = mapping.InvoiceLine("Ração", Decimal("1"), Decimal("49.99"), "consu")
    assert mapping.document_types([free, goods]) == [DocType.SALES_ORDER]
    assert mapping.document_totals([free, goods], Decimal("50.00")) == {DocType.SALES_ORDER: Decimal("50.00")}
    order = build(DocType.SALES_ORDER, [free, goods], [(dt.date(2026, 12, 1), Decimal("50.00"))])
    assert order.total == Decimal("49.99")  # without amount_total: the lines alone
    assert mapping.check_documents([free, goods], Decimal("50.00"), {DocType.SALES_ORDER}) == []
    [problem] = mapping.check_documents(
        [free, goods], Decimal("50.00"), {DocType.SALES_ORDER, DocType.SERVICE_ORDER}
    )
    assert "would be worth 50.00, the invoice 50.00" in problem.render()


def test_a_combo_line_goes_as_its_components_or_names_a_fix():
    combo = mapping.InvoiceLine("Kit banho", Decimal("1"), Decimal("0"), "combo")
    assert mapping.check_invoice("BRL", [combo, SERVICE], Decimal("80.00")) == []
    assert [ln.description for ln in mapping.order_lines([combo, SERVICE], DocType.SERVICE_ORDER)] == [
        "Banho"
    ]
    priced = mapping.InvoiceLine("Kit banho", Decimal("1"), Decimal("90"), "combo")
    [problem] = mapping.check_invoice("BRL", [priced], Decimal("90.00"))
    assert "is a combo product" in problem.render() and "sales order" in problem.render()


# -- freight ------------------------------------------------------------------------------------
DELIVERY = mapping.InvoiceLine("Entrega", Decimal("1"), Decimal("15.00"), "service", "DELIV", freight=True)


def test_a_delivery_line_is_the_sales_orders_freight_never_a_service():
    lines = [SERVICE, GOODS, DELIVERY]
    os_order = build(DocType.SERVICE_ORDER, lines)
    pv_order = build(DocType.SALES_ORDER, lines)
    assert [ln.description for ln in os_order.lines] == ["Banho"] and os_order.freight == 0
    assert pv_order.freight == Decimal("15.00") and [ln.description for ln in pv_order.lines] == ["Ração"]
    assert mapping.document_totals(lines, Decimal("664.70")) == {
        DocType.SERVICE_ORDER: Decimal("80.00"),
        DocType.SALES_ORDER: Decimal("584.70"),
    }


def test_a_delivery_without_goods_names_a_fix():
    [problem] = mapping.check_invoice("BRL", [SERVICE, DELIVERY], Decimal("95.00"))
    assert problem.render() == (
        'Line "Entrega" is a delivery charge, but the invoice has no goods: the ERP charges freight only on '
        "a sales order. Remove the delivery line, or bill the delivery with a service product."
    )


# -- the invoice's fiscal document type (core l10n_br) -------------------------------------------
def test_an_nfse_invoice_is_one_service_order_with_everything_on_it():
    lines = [SERVICE, GOODS, DELIVERY]
    assert mapping.document_types(lines, "SE") == [DocType.SERVICE_ORDER]
    assert mapping.check_invoice("BRL", lines, Decimal("664.70"), "SE") == []
    order_lines = mapping.order_lines(lines, DocType.SERVICE_ORDER, "SE")
    assert [ln.description for ln in order_lines] == ["Banho", "Ração", "Entrega"]


def test_an_nfce_invoice_is_one_sales_order_and_nfe_is_no_override():
    assert mapping.document_types([SERVICE, GOODS], "65") == [DocType.SALES_ORDER]
    assert mapping.document_types([SERVICE, GOODS], "55") == [DocType.SALES_ORDER, DocType.SERVICE_ORDER]


# -- fiscal codes, units, payment methods ---------------------------------------------------------
def test_ncm_and_service_codes_reach_the_lines_of_their_kind():
    service = mapping.InvoiceLine("Consulta", Decimal("1"), Decimal("100"), "service", service_code="05.01")
    grooming = mapping.InvoiceLine("Tosa", Decimal("1"), Decimal("50"), "service")
    goods = mapping.InvoiceLine("Ração", Decimal("2"), Decimal("300"), "consu", ncm="2309.10.00", uom="KG")
    lines = [service, grooming, goods]
    os_lines = mapping.order_lines(lines, DocType.SERVICE_ORDER, default_service_code="05.08")
    assert [(ln.service_code, ln.ncm) for ln in os_lines] == [("05.01", ""), ("05.08", "")]
    [pv_line] = mapping.order_lines(lines, DocType.SALES_ORDER, default_service_code="05.08")
    assert (pv_line.ncm, pv_line.service_code, pv_line.unit) == ("23091000", "", "KG")


def test_each_installment_keeps_its_own_payment_method():
    receivables = [
        (dt.date(2027, 1, 1), Decimal("300.00"), "Boleto"),
        (dt.date(2026, 12, 1), Decimal("349.70"), ""),
    ]
    order = build(DocType.SALES_ORDER, [GOODS, SERVICE], receivables)
    assert [(i.due_date.month, i.payment_method) for i in order.installments] == [(12, "PIX"), (1, "Boleto")]


def test_a_unit_without_a_fiscal_code_names_the_fix():
    line = mapping.InvoiceLine("Ração", Decimal("1"), Decimal("10"), "consu", uom="")
    [problem] = mapping.check_invoice("BRL", [line], Decimal("10"))
    assert '"ERP Unit Code" of its unit of measure' in problem.render()
