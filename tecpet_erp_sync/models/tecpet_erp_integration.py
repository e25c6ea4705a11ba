# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import json

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..erp.bling import RATE_LIMIT_CALLS, RATE_LIMIT_PERIOD
from ..erp.factory import make_client
from ..erp.links import api_url_for
from ..erp.ratelimit import SharedRateLimiter
from .bling_token_store import IntegrationTokenStore
from .erp_params import number_param
from .tecpet_erp_rate_limit import PgWindowStore

BINDING_MODELS = ("tecpet.erp.partner.binding",)
CONSISTENCY_WAIT_PARAM = "tecpet_erp_sync.consistency_wait"
# Seconds; more is a typo (milliseconds typed?) that would hold a push worker for minutes per order.
MAX_CONSISTENCY_WAIT = 5.0
CREDENTIAL_FIELDS = (
    "vhsys_access_token",
    "vhsys_secret_token",
    "bling_client_id",
    "bling_client_secret",
    "bling_access_token",
    "bling_refresh_token",
)


class TecpetErpIntegration(models.Model):
    """One company's connection to its ERP (VHSYS or Bling).

    Credentials are restricted to ``base.group_system`` at field level: invoicing users can see
    that an integration exists and whether it works, never its secrets.
    """

    _name = "tecpet.erp.integration"
    _description = "ERP Integration"
    _inherit = ["mail.thread"]
    _order = "company_id, name"

    name = fields.Char(required=True, tracking=True)
    provider = fields.Selection(
        [("vhsys", "VHSYS"), ("bling", "Bling")], required=True, default="vhsys", tracking=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True, tracking=True
    )
    active = fields.Boolean(default=True, tracking=True)
    api_url = fields.Char(
        string="API URL",
        required=True,
        compute="_compute_api_url",
        store=True,
        readonly=False,
        help="Base URL of the ERP API. It cannot change once documents were sent: the documents "
        "belong to the ERP it points at (archive the integration and create another one instead).",
    )

    # Credentials: system administrators only, never logged, never in messages.
    vhsys_access_token = fields.Char(string="VHSYS Access Token", groups="base.group_system", copy=False)
    vhsys_secret_token = fields.Char(string="VHSYS Secret Token", groups="base.group_system", copy=False)
    bling_client_id = fields.Char(string="Bling Client ID", groups="base.group_system", copy=False)
    bling_client_secret = fields.Char(groups="base.group_system", copy=False)
    # The tokens live in tecpet.erp.bling.token (a row of their own, see bling_token_store.py).
    bling_token_ids = fields.One2many("tecpet.erp.bling.token", "integration_id", groups="base.group_system")
    # One compute method each: a write of one of them must not read the others as empty (Odoo
    # protects every field of a compute method from recomputation while one of them is written).
    bling_access_token = fields.Char(
        compute="_compute_bling_access_token", inverse="_inverse_bling_tokens", groups="base.group_system"
    )
    bling_refresh_token = fields.Char(
        compute="_compute_bling_refresh_token", inverse="_inverse_bling_tokens", groups="base.group_system"
    )
    bling_token_expires_at = fields.Datetime(
        compute="_compute_bling_token_expires_at",
        inverse="_inverse_bling_tokens",
        groups="base.group_system",
    )
    bling_oauth_state = fields.Char(groups="base.group_system", copy=False)
    bling_connected = fields.Boolean(compute="_compute_bling_connected")
    vhsys_webhook_user = fields.Char(
        string="VHSYS Webhook User",
        groups="base.group_system",
        copy=False,
        help="User and password given to VHSYS when registering the webhook (at least 8 characters each).",
    )
    vhsys_webhook_password = fields.Char(
        string="VHSYS Webhook Password", groups="base.group_system", copy=False
    )
    webhook_url = fields.Char(
        string="Webhook URL", compute="_compute_webhook_url", help="Register this URL in the ERP (optional)."
    )

    # Options
    issue_fiscal_notes = fields.Boolean(
        help="Ask the ERP to issue the fiscal note as soon as a document is paid. "
        "When off, the addon only reads back what the ERP users do."
    )
    journal_ids = fields.Many2many(
        "account.journal",
        string="Journals",
        domain="[('type', '=', 'sale'), ('company_id', '=', company_id)]",
        help="Sales journals whose invoices go to the ERP. Empty: all sales journals.",
    )
    default_payment_method = fields.Char(
        help="ERP payment method for installments: a VHSYS 'forma_pagamento' name (e.g. PIX, Boleto) "
        "or a Bling payment method id."
    )
    default_service_code = fields.Char(
        string="Default NFS-e Service Code",
        help="NFS-e service code (LC 116 list item, e.g. 05.08, or the city's own code) of the "
        "services whose product and product category have none (NFS-e Service Code on the product's "
        "Accounting tab). VHSYS issues one NFS-e per service code of an order.",
    )

    # Health
    last_check_at = fields.Datetime(string="Last Connection Check", readonly=True, copy=False)
    last_check_ok = fields.Boolean(string="Last Check Succeeded", readonly=True, copy=False)
    last_check_message = fields.Char(string="Last Check Result", readonly=True, copy=False)
    auth_failed = fields.Boolean(
        readonly=True,
        copy=False,
        help="The ERP rejected the credentials. Jobs stop calling it until the connection is tested again.",
    )
    neutralized = fields.Boolean(
        readonly=True,
        copy=False,
        help="Set on a neutralized copy of the database (odoo-bin neutralize, or a duplicate for tests): "
        "the integration was deactivated and its credentials erased so the copy never talks to the "
        "production ERP account.",
    )
    refresh_cursor = fields.Char(readonly=True, copy=False, help="Where the next status read-back resumes.")
    # A first read (no cursor yet) in progress: the last document read, and the cursor it will leave.
    first_read_done_id = fields.Integer(readonly=True, copy=False)
    first_read_cursor = fields.Char(readonly=True, copy=False)
    document_ids = fields.One2many("tecpet.erp.document", "integration_id", string="Documents")
    error_document_count = fields.Integer(compute="_compute_document_counts")
    pending_document_count = fields.Integer(compute="_compute_document_counts")

    @api.depends("provider")
    def _compute_api_url(self):
        for integration in self:
            integration.api_url = api_url_for(integration.provider, integration.api_url)

    def _compute_webhook_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for integration in self:
            integration.webhook_url = (
                f"{base}/tecpet_erp_sync/webhook/{integration.provider}/{integration.id}"
                if integration.id
                else False
            )

    def _compute_bling_connected(self):
        for integration in self:
            integration.bling_connected = bool(integration.sudo().bling_token_ids.refresh_token)

    @api.depends("bling_token_ids.access_token")
    def _compute_bling_access_token(self):
        for integration in self:
            integration.bling_access_token = integration.bling_token_ids[:1].access_token

    @api.depends("bling_token_ids.refresh_token")
    def _compute_bling_refresh_token(self):
        for integration in self:
            integration.bling_refresh_token = integration.bling_token_ids[:1].refresh_token

    @api.depends("bling_token_ids.expires_at")
    def _compute_bling_token_expires_at(self):
        for integration in self:
            integration.bling_token_expires_at = integration.bling_token_ids[:1].expires_at

    def _inverse_bling_tokens(self):
        """Tokens typed in (or set by a script) go to the integration's token row. A field not
        written reads what the row holds (its own compute), so it is written back unchanged."""
        for integration in self:
            values = {
                "access_token": integration.bling_access_token,
                "refresh_token": integration.bling_refresh_token,
                "expires_at": integration.bling_token_expires_at,
            }
            if integration.bling_token_ids:
                integration.bling_token_ids[:1].write(values)
            else:
                self.env["tecpet.erp.bling.token"].create({"integration_id": integration.id, **values})

    def _compute_document_counts(self):
        # Archived documents (replaced by a re-posting) are not counted, as on the overview.
        groups = (
            self.env["tecpet.erp.document"]
            .with_context(active_test=True)
            ._read_group(
                [("integration_id", "in", self.ids), ("state", "in", ("error", "processing"))],
                ["integration_id", "state"],
                ["__count"],
            )
        )
        counts = {(integration.id, state): count for integration, state, count in groups}
        for integration in self:
            integration.error_document_count = counts.get((integration.id, "error"), 0)
            integration.pending_document_count = counts.get((integration.id, "processing"), 0)

    @api.constrains("active", "company_id")
    def _check_one_active_per_company(self):
        for integration in self.filtered("active"):
            others = self.search_count(
                [
                    ("company_id", "=", integration.company_id.id),
                    ("active", "=", True),
                    ("id", "!=", integration.id),
                ]
            )
            if others:
                raise ValidationError(
                    self.env._(
                        "The company %(company)s already has an active ERP integration. "
                        "Archive it before activating %(name)s.",
                        company=integration.company_id.name,
                        name=integration.name,
                    )
                )

    @api.constrains("api_url")
    def _check_api_url(self):
        for integration in self:
            if not (integration.api_url or "").startswith(
                ("https://", "http://127.0.0.1", "http://localhost")
            ):
                raise ValidationError(
                    self.env._(
                        "The API URL must start with https:// (or http://localhost for the ERP sandbox)."
                    )
                )

    def write(self, vals):
        # New credentials deserve a fresh start: stop treating the integration as rejected.
        if any(key in vals for key in CREDENTIAL_FIELDS + ("api_url",)):
            vals.setdefault("auth_failed", False)
        # Another ERP account: the customer and product ids remembered for this one mean nothing there.
        account = ("provider", "api_url", "vhsys_access_token", "bling_client_id")
        moved = self.sudo().filtered(
            lambda i: any(k in vals and (i[k] or False) != (vals[k] or False) for k in account)
        )
        if vals.get("active"):  # reactivated on purpose: the neutralization banner has done its job
            vals.setdefault("neutralized", False)
        result = super().write(vals)
        for model in BINDING_MODELS if moved else ():
            self.env[model].sudo().search([("integration_id", "in", moved.ids)]).unlink()
        # Issue fiscal notes switched on: the documents already paid, see tecpet_erp_integration_nfse.py.
        return result

    # ------------------------------------------------------------------------------------------
    # Client
    # ------------------------------------------------------------------------------------------
    def _erp_client(self):
        """This integration's ERP client, kept for the whole transaction (a job run), so that
        its HTTP session and connections are reused from one document to the next."""
        self.ensure_one()
        settings = self.sudo()._client_settings()
        # settings hold lists and dicts (mapped methods, account facts): keyed by their JSON
        key = ("tecpet_erp_sync.client", self.id, json.dumps(settings, sort_keys=True, default=str))
        cache = self.env.cr.cache
        if key not in cache:
            token_store = rate_limiter = None
            if self.provider == "bling":
                token_store = IntegrationTokenStore(self)
                # 3 requests/s for the account, whichever worker or server sends them
                rate_limiter = SharedRateLimiter(
                    PgWindowStore(self.env.registry, f"bling:{self.id}"), RATE_LIMIT_CALLS, RATE_LIMIT_PERIOD
                )
            cache[key] = make_client(settings, token_store=token_store, rate_limiter=rate_limiter)
        return cache[key]

    def _client_settings(self):
        self.ensure_one()
        return {
            "consistency_wait": number_param(
                self.env, CONSISTENCY_WAIT_PARAM, "", kind=float, minimum=0.0, maximum=MAX_CONSISTENCY_WAIT
            ),
            "provider": self.provider,
            "api_url": self.api_url,
            "account_key": f"{self.env.cr.dbname}:{self.id}",
            "vhsys_access_token": self.vhsys_access_token or "",
            "vhsys_secret_token": self.vhsys_secret_token or "",
            "bling_client_id": self.bling_client_id or "",
            "bling_client_secret": self.bling_client_secret or "",
            "default_payment_method": self.default_payment_method or "",
            "default_service_code": self.default_service_code or "",
            "account_facts": self._account_fact_values(),  # what Check account found
        }
