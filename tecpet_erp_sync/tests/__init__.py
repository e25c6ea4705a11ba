from . import test_flow, test_invoice_list_tour, test_service_order_state, test_translations
