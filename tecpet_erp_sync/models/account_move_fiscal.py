# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""What an invoice tells the ERP mapping besides its lines: core l10n_br's fiscal document type,
and the payment method of each installment."""

from decimal import Decimal

from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _erp_document_type_code(self):
        """The fiscal document type chosen on the invoice (core l10n_br: 55 NF-e, 65 NFC-e, SE NFS-e)."""
        if "l10n_latam_document_type_id" not in self._fields or not self.l10n_latam_use_documents:
            return ""
        return self.l10n_latam_document_type_id.code or ""

    def _erp_receivables(self, integration):
        """(due date, amount, ERP payment method) of each installment: the method it was paid with,
        else the invoice's payment terms, mapped on the integration (else its default)."""
        receivables = []
        for line in self.line_ids.filtered(lambda ln: ln.display_type == "payment_term"):
            paid_with = line.matched_credit_ids.credit_move_id.payment_id.payment_method_line_id[:1]
            method = integration._erp_payment_method(self.invoice_payment_term_id, paid_with)
            receivables.append(
                (line.date_maturity or self.invoice_date, Decimal(str(abs(line.amount_currency))), method)
            )
        return receivables
