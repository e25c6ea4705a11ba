# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""Check account: a read-only tour of the ERP account (``ErpProvider.check_account``, at most about
30 safe calls, nothing created), for any provider whose client has it. Each fact the client
relies on is stored with what the account answered and what the addon does about it, rendered
in the language of the administrator who ran it, and with what each text was made of, so that the
report is shown on the integration form, or downloaded as JSON, in its reader's language; the
facts' values go back to the client (``_client_settings``), which adapts to them
(docs/erp-facts.md)."""

import base64
import json

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..erp.errors import ErpError
from .erp_texts import erp_error_text, render_source

FACT_TEXTS = ("fact", "answer", "consequence")  # an AccountFact's texts


class TecpetErpIntegration(models.Model):
    _inherit = "tecpet.erp.integration"

    account_facts = fields.Text(
        readonly=True,
        copy=False,
        help="What Check account found, as JSON: one entry per fact with the fact, the account's "
        "answer and what the addon does about it (in the language of the administrator who ran it), "
        "its key, its value and whether it is fine (ok).",
    )
    # What each fact's texts were made of ({key: {text: erp_texts source}}): read in any language.
    account_facts_source = fields.Json(readonly=True, copy=False)
    account_facts_checked_at = fields.Datetime(string="Account Checked On", readonly=True, copy=False)
    account_facts_html = fields.Html(
        string="Account Check Report", compute="_compute_account_facts_html", sanitize=False
    )
    account_facts_file = fields.Binary(
        string="Account Check (JSON)",
        compute="_compute_account_facts_file",
        attachment=False,
        groups="base.group_system",
    )

    def _account_fact_entries(self):
        """The stored facts (a list of dicts), [] when none or unreadable."""
        self.ensure_one()
        try:
            entries = json.loads(self.account_facts or "[]")
        except ValueError:
            return []
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []

    def _account_fact_report(self):
        """The stored facts, their texts in the reader's language (as stored when they cannot be)."""
        self.ensure_one()
        sources = self.account_facts_source or {}
        report = []
        for entry in self._account_fact_entries():
            source = sources.get(entry.get("key")) or {}
            texts = {part: render_source(self.env, source.get(part), entry.get(part)) for part in FACT_TEXTS}
            report.append({**entry, **texts})
        return report

    @api.depends("account_facts", "account_facts_source")
    @api.depends_context("lang")
    def _compute_account_facts_html(self):
        for integration in self:
            entries = integration._account_fact_report()
            integration.account_facts_html = (
                self.env["ir.qweb"]._render("tecpet_erp_sync.account_facts_report", {"entries": entries})
                if entries
                else False
            )

    @api.depends("account_facts", "account_facts_source", "account_facts_checked_at")
    @api.depends_context("lang")
    def _compute_account_facts_file(self):
        for integration in self:
            report = {
                "integration": integration.name,
                "provider": integration.provider,
                "api_url": integration.api_url,
                "checked_at": fields.Datetime.to_string(integration.account_facts_checked_at),
                "facts": integration._account_fact_report(),
            }
            text = json.dumps(report, ensure_ascii=False, indent=2)
            integration.account_facts_file = base64.b64encode(text.encode())

    def _account_fact_values(self):
        """{fact key: value} for the client (``settings["account_facts"]``)."""
        return {e["key"]: e.get("value") for e in self._account_fact_entries() if e.get("key")}

    def action_check_account(self):
        """Run the ERP client's Check account tour and keep its report (administrators only)."""
        self.ensure_one()
        self._check_system_user()
        try:
            facts = self._erp_client().check_account()
        except ErpError as exc:
            raise UserError(erp_error_text(self.env, exc)) from exc
        entries = [
            {
                "key": fact.key,
                **{part: self._render_text(getattr(fact, part)) for part in FACT_TEXTS},
                "value": fact.value,
                "ok": fact.ok,
            }
            for fact in facts
        ]
        sources = {
            fact.key: {
                part: [{"t": getattr(fact, part)[0], "p": getattr(fact, part)[1]}] for part in FACT_TEXTS
            }
            for fact in facts
        }
        self.write(
            {
                "account_facts": json.dumps(entries, ensure_ascii=False, indent=1),
                "account_facts_source": sources,
                "account_facts_checked_at": fields.Datetime.now(),
            }
        )
        attention = sum(1 for e in entries if e["ok"] is False)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Account checked"),
                "message": self.env._(
                    "%(count)s facts checked, %(attention)s need attention: see the Account check tab.",
                    count=len(entries),
                    attention=attention,
                ),
                "type": "warning" if attention else "success",
                "sticky": bool(attention),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _render_text(self, text):
        """A plain-Python ``Text`` (an English template and its parameters) in the user's language."""
        template, params = text
        return self.env._(template, **params)  # pylint: disable=translation-not-lazy

    def action_download_account_facts(self):
        """The Check account report as a JSON file, for a support engineer."""
        self.ensure_one()
        self._check_system_user()
        name = f"account-check-{self.provider}-{self.id}.json"
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/account_facts_file/{name}?download=true",
            "target": "self",
        }
