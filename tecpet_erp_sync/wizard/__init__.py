from . import erp_exclude_wizard, erp_send_wizard
