from . import (
    test_bling,
    test_concurrency,
    test_erp_ux_tours,
    test_faults,
    test_flow,
    test_invoice_list_tour,
    test_note_and_health,
    test_policy_and_actions,
    test_security,
    test_service_order_state,
    test_translations,
    test_webhooks,
)
