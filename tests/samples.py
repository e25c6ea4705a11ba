"""Sample values shared by the pure tests."""

from tecpet_erp_sync.erp.contract import Address, Customer

CUSTOMER = Customer(
    name="Ana Souza",
    document="52998224725",
    is_company=False,
    address=Address("Rua das Flores", "123", "Centro", "São Paulo", "SP", "01310100"),
    phone="11 98765-4321",
    email="ana@example.com",
)
