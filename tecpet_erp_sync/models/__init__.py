from . import (
    account_move,
    bling_token_store,
    res_partner,
    tecpet_erp_document,
    tecpet_erp_document_jobs,
    tecpet_erp_integration,
    tecpet_erp_rate_limit,
    tecpet_erp_webhook_event,
)
