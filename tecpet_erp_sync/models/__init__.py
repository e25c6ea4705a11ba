from . import (
    account_move,
    res_partner,
    tecpet_erp_document,
    tecpet_erp_document_jobs,
    tecpet_erp_integration,
    tecpet_erp_partner_binding,
    tecpet_erp_webhook_event,
)
