from . import (
    account_move,
    account_move_ux,
    bling_token_store,
    res_partner,
    tecpet_erp_document,
    tecpet_erp_document_jobs,
    tecpet_erp_document_ux,
    tecpet_erp_integration,
    tecpet_erp_integration_health,
    tecpet_erp_partner_binding,
    tecpet_erp_rate_limit,
    tecpet_erp_webhook_event,
)
