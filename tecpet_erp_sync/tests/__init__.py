from . import (
    test_bling,
    test_concurrency,
    test_faults,
    test_flow,
    test_invoice_list_tour,
    test_production,
    test_security,
    test_service_order_state,
    test_translations,
    test_webhooks,
)
