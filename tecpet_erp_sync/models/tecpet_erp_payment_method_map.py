# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class TecpetErpPaymentMethodMap(models.Model):
    """Which ERP payment method (VHSYS forma de pagamento, Bling forma de pagamento id or name) an
    installment gets: by the payment method it was paid with, else by the invoice's payment terms."""

    _name = "tecpet.erp.payment.method.map"
    _description = "ERP Payment Method Mapping"
    _order = "integration_id, sequence, id"

    integration_id = fields.Many2one(
        "tecpet.erp.integration", string="ERP Integration", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="integration_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Payment Terms",
        domain="[('company_id', 'in', (company_id, False))]",
        help="Installments of invoices with these payment terms (not yet paid).",
    )
    payment_method_line_id = fields.Many2one(
        "account.payment.method.line",
        string="Payment Method",
        domain="[('payment_type', '=', 'inbound'), ('journal_id.company_id', '=', company_id)]",
        help="Installments paid with this payment method (e.g. the PIX or card method of a bank journal).",
    )
    erp_payment_method = fields.Char(
        string="ERP Payment Method",
        required=True,
        help="As the ERP names it: a VHSYS 'forma_pagamento' name (e.g. PIX, Boleto) or a Bling payment "
        "method id or name. Check account (on the integration) tells whether the ERP has it.",
    )

    @api.constrains("payment_term_id", "payment_method_line_id", "erp_payment_method")
    def _check_something_mapped(self):
        for row in self:
            if not row.payment_term_id and not row.payment_method_line_id:
                raise ValidationError(
                    self.env._(
                        "The ERP payment method %(method)s is mapped from nothing: choose the payment terms "
                        "or the payment method it stands for.",
                        method=row.erp_payment_method,
                    )
                )
