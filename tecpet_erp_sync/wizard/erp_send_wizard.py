# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

from ..models.account_move_ux import BACKFILL

# Invoices checked and listed before sending: the checks read each invoice and its customer.
PREVIEW_LIMIT = 100


class TecpetErpSendWizard(models.TransientModel):
    """Bring older posted invoices into the ERP flow: a date range, a count, then the queue.

    The push job works through them at the provider's pace and reports its progress.
    """

    _name = "tecpet.erp.send.wizard"
    _description = "Send older invoices to the ERP"

    integration_id = fields.Many2one(
        "tecpet.erp.integration",
        required=True,
        domain="[('company_id', 'in', allowed_company_ids)]",
        default=lambda self: self.env["tecpet.erp.integration"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
    )
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    invoice_count = fields.Integer(string="Invoices to send", compute="_compute_invoice_count")
    skipped_count = fields.Integer(
        string="Left out by the policy",
        compute="_compute_invoice_count",
        help="Invoices of the range that stay outside: excluded, opted-out customer, journal not sent.",
    )
    problem_count = fields.Integer(
        string="With problems",
        compute="_compute_invoice_count",
        help="Invoices of the preview that the checks before sending refuse: sent, they go to Error at "
        "once. Fix what the preview says first, or send them and Reprocess them once fixed.",
    )
    preview = fields.Html(
        compute="_compute_invoice_count",
        help="The invoices to send and what the checks before sending say of each (no call to the ERP).",
    )

    @api.depends("integration_id", "date_from", "date_to")
    def _compute_invoice_count(self):
        for wizard in self:
            candidates = wizard._candidates()
            sendable = wizard._sendable(candidates)
            wizard.invoice_count = len(sendable)
            wizard.skipped_count = len(candidates) - wizard.invoice_count
            checked = {move: wizard._precheck(move) for move in sendable[:PREVIEW_LIMIT]}
            wizard.problem_count = len([problems for problems in checked.values() if problems])
            wizard.preview = wizard._preview_html(checked, len(sendable)) if sendable else False

    def _precheck(self, move):
        """What the push job's checks would say of ``move`` ('' when it can go): no call is made."""
        Document = self.env["tecpet.erp.document"]
        messages = {}
        for doc_type in move._erp_document_types():
            doc = Document.new(
                {"move_id": move.id, "integration_id": self.integration_id.id, "doc_type": doc_type}
            )
            messages[move._erp_check_before_send(doc)] = True
        return "\n".join(message for message in messages if message)

    def _preview_html(self, checked, total):
        env = self.env
        cell = Markup("<td>%s</td>")
        rows = []
        for move, problems in checked.items():
            verdict = (
                Markup('<span class="text-danger">%s</span>') % Markup("<br/>").join(problems.split("\n"))
                if problems
                else Markup('<span class="text-success">%s</span>') % env._("Ready")
            )
            rows.append(
                Markup("<tr>%s%s%s%s%s</tr>")
                % (
                    cell % move.name,
                    cell % move.partner_id.display_name,
                    cell % format_date(env, move.invoice_date),
                    Markup('<td class="text-end text-nowrap">%s</td>')
                    % format_amount(env, move.amount_total, move.currency_id),
                    cell % verdict,
                )
            )
        head = Markup("").join(
            Markup("<th>%s</th>") % title
            for title in (env._("Invoice"), env._("Customer"), env._("Date"), env._("Total"), env._("Checks"))
        )
        table = Markup(
            '<table class="table table-sm o_erp_send_preview"><thead><tr>%s</tr></thead>%s</table>'
        ) % (
            head,
            Markup("<tbody>%s</tbody>") % Markup("").join(rows),
        )
        if total > len(checked):
            more = env._("The first %(shown)s of %(total)s invoices.", shown=len(checked), total=total)
            table = Markup("<p>%s</p>%s") % (more, table)
        return table

    def _candidates(self):
        """Posted customer invoices of the range, company and integration, outside the flow."""
        self.ensure_one()
        if not (self.integration_id and self.date_from and self.date_to):
            return self.env["account.move"]
        return self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("company_id", "=", self.integration_id.company_id.id),
                ("invoice_date", ">=", self.date_from),
                ("invoice_date", "<=", self.date_to),
                ("service_order_state", "=", False),
            ]
        )

    def _sendable(self, moves):
        """Those the sending policy lets go, the start date aside: the same check as at posting."""
        moves = moves.with_context(**{BACKFILL: True})
        by_company = moves._erp_integrations_by_company()
        return moves.filtered(lambda m: m._erp_integration(by_company) == self.integration_id)

    def action_send(self):
        self.ensure_one()
        if not self.integration_id.active:
            raise UserError(
                self.env._("The integration %(name)s is archived.", name=self.integration_id.name)
            )
        if self.date_from > self.date_to:
            raise UserError(self.env._("The start of the range (From) is after its end (To)."))
        moves = self._sendable(self._candidates())
        problems = self.problem_count  # read before they enter the flow (and leave the preview)
        moves._erp_create_documents()
        message = self.env._(
            "%(count)s invoice(s) queued for the ERP; the send job works through them.",
            count=len(moves),
        )
        if problems:
            message += " " + self.env._(
                "%(count)s of them fail the checks and go to Error: fix them and Reprocess them.",
                count=problems,
            )
        # The view behind (an invoice list) shows the new Service Order states at once.
        return moves._erp_notify(self.env._("Send to ERP"), message, warning=not moves, reload=True)
