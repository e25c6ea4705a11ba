# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""The fiscal note reaches the customer (issue 22 point 2): the invoice e-mail (Send & Print)
carries the issued note's number, key and PDF/XML links, and the customer portal's invoice page
shows them, both in the customer's language. The note stays where the ERP keeps it: a link, never
a download in the user's transaction."""

from markupsafe import Markup

from odoo import api, fields, models

NOTE_BLOCK_TEMPLATE = "tecpet_erp_sync.erp_note_customer_block"


class AccountMove(models.Model):
    _inherit = "account.move"

    erp_issued_note_ids = fields.One2many(
        "tecpet.erp.document",
        compute="_compute_erp_issued_note_ids",
        compute_sudo=True,
        string="Issued Fiscal Notes",
        help="The invoice's ERP documents whose fiscal note is issued: what the customer is shown.",
    )

    @api.depends("erp_document_ids.state", "erp_document_ids.note_number")
    def _compute_erp_issued_note_ids(self):
        for move in self:
            move.erp_issued_note_ids = move.erp_document_ids.filtered(
                lambda d: d.state == "issued" and d.note_number
            )

    def _erp_note_block_for_customer(self, lang):
        """The issued notes as an HTML block in ``lang``, empty when there is none."""
        self.ensure_one()
        if not self.erp_issued_note_ids:
            return Markup()
        return (
            self.env["ir.qweb"]
            .with_context(lang=lang)
            ._render(NOTE_BLOCK_TEMPLATE, {"notes": self.erp_issued_note_ids})
        )


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_default_mail_body(self, move, mail_template, mail_lang):
        body = super()._get_default_mail_body(move, mail_template, mail_lang)
        block = move._erp_note_block_for_customer(mail_lang)
        return (body or Markup()) + block if block else body
