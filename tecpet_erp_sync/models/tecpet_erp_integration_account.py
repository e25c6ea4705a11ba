# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""Which ERP account an integration's documents belong to, and the settings that cannot move them.

A document keeps the ERP's id of its order. Pointed at another ERP (a new API URL, the other
provider) or at another account of the same ERP (other credentials, Bling connected to another
company), those ids name unrelated documents there: a reset would cancel one of them, the read-back
would copy their states. So once an integration has documents, its provider and API URL are fixed
(archive it and create a new one), and *Test connection* or *Connect to Bling* refuses an account
whose company document differs from the one the integration was first connected to.

What the last connection check found is kept with what it was made of: a job or another user
writes it, each administrator reads it in their language (``last_check_text``).
"""

import re

from odoo import api, fields, models
from odoo.exceptions import UserError

from .erp_texts import Texts, render_source, with_sources
from .tecpet_erp_integration import CREDENTIAL_FIELDS

# What an integration's documents are bound to, beside the credentials (checked on connection).
LOCKED_SETTINGS = ("provider", "api_url")


def _same_document(first, second):
    """CPF/CNPJ (alphanumeric CNPJ included) compared without their punctuation."""

    def bare(document):
        return re.sub(r"[^0-9A-Z]", "", (document or "").upper())

    return bare(first) == bare(second)


class TecpetErpIntegration(models.Model):
    _inherit = "tecpet.erp.integration"

    erp_account_document = fields.Char(
        string="ERP Account CNPJ",
        readonly=True,
        copy=False,
        tracking=True,
        help="The company document (CNPJ or CPF) of the ERP account, read by Test connection the first "
        "time the ERP tells it. Another account found later is refused while documents exist.",
    )
    has_erp_documents = fields.Boolean(
        string="Has ERP Documents",
        compute="_compute_has_erp_documents",
        help="Documents were created for this integration: its provider and API URL are fixed.",
    )

    def _compute_has_erp_documents(self):
        with_documents = self._erp_with_documents()
        for integration in self:
            integration.has_erp_documents = integration in with_documents

    def _erp_with_documents(self):
        """Those of these integrations that have documents, archived ones included (asked now)."""
        groups = (
            self.env["tecpet.erp.document"]
            .sudo()
            .with_context(active_test=False)
            ._read_group([("integration_id", "in", self.ids)], ["integration_id"])
        )
        return self.browse([integration.id for (integration,) in groups])

    # What last_check_message was rendered from (erp_texts), written with it.
    last_check_source = fields.Json(readonly=True, copy=False)
    last_check_text = fields.Char(
        string="Last Check Result", compute="_compute_last_check_text", help="In your language."
    )

    @api.depends("last_check_message", "last_check_source")
    @api.depends_context("lang")
    def _compute_last_check_text(self):
        for integration in self:
            integration.last_check_text = integration.last_check_message and render_source(
                integration.env, integration.last_check_source, integration.last_check_message
            )

    def write(self, vals):
        if any(key in vals for key in LOCKED_SETTINGS):
            self._check_settings_unlocked(vals)
        result = super().write(with_sources(vals, {"last_check_message": "last_check_source"}))
        if any(key in vals for key in CREDENTIAL_FIELDS):
            # Other credentials may open another account: the jobs wait until Test connection (or
            # Connect to Bling) has seen the account the documents were sent to.
            self.sudo()._erp_with_documents().write(
                {
                    "auth_failed": True,
                    "last_check_ok": False,
                    "last_check_message": Texts(self.env)._(
                        "New credentials: press Test connection. The jobs use them once it has seen "
                        "that they open the ERP account this integration's documents were sent to."
                    ),
                }
            )
        return result

    def _check_settings_unlocked(self, vals):
        """Refuse a new provider or API URL for an integration that has documents (over RPC too)."""
        for integration in self.sudo()._erp_with_documents():
            changed = [
                key
                for key in LOCKED_SETTINGS
                if key in vals and (vals[key] or "").rstrip("/") != (integration[key] or "").rstrip("/")
            ]
            if changed:
                raise UserError(
                    self.env._(
                        "The provider and API URL of %(name)s cannot change: its documents were sent to "
                        "the ERP it points at, and their ids would name unrelated documents elsewhere. "
                        "Archive this integration and create a new one for the other ERP or address.",
                        name=integration.name,
                    )
                )

    def _erp_account_refusal(self, info):
        """Why the account ``info`` (a ``ConnectionInfo``) is refused for this integration, or ''.

        The first account that tells its company document is recorded; another one is accepted
        (and recorded) only while the integration has no document.
        """
        self.ensure_one()
        found = info.account_document
        known = self.erp_account_document
        if not found or _same_document(known, found):
            return ""
        if not known or not self._erp_with_documents():
            self.erp_account_document = found
            return ""
        return Texts(self.env)._(
            "These credentials open another ERP account (CNPJ %(found)s) than the one this "
            "integration's documents were sent to (CNPJ %(known)s): the jobs stopped calling it. Put "
            "back the credentials of CNPJ %(known)s, or archive this integration and create a new "
            "one for the other account.",
            found=found,
            known=known,
        )
