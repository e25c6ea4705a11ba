-- A neutralized copy (odoo-bin neutralize, a database duplicated for tests) must never talk to
-- the production ERP account: no pushes, no read-back, no Bling token rotation (which would log
-- production out). Every integration is deactivated and its credentials erased.
UPDATE tecpet_erp_integration
   SET active = false,
       neutralized = true,
       vhsys_access_token = NULL,
       vhsys_secret_token = NULL,
       bling_client_secret = NULL,
       bling_oauth_state = NULL,
       vhsys_webhook_password = NULL;
DELETE FROM tecpet_erp_bling_token;
