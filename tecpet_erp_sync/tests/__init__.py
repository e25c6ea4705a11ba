from . import test_flow, test_service_order_state
