# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The lease of a push worker's claim (``erp/claim.py``), a row apart from the documents.

The worker renews it on a cursor of its own while it calls the ERP. Were the lease a column of the
document, each renewal would change the row the worker writes at its commit, and PostgreSQL would
refuse that commit (a serialization failure) every time a push outlived one renewal period.
"""

from odoo import fields, models


class TecpetErpClaim(models.Model):
    _name = "tecpet.erp.claim"
    _description = "ERP Push Claim"
    _log_access = False

    token = fields.Char(required=True, index=True, readonly=True)
    lease_until = fields.Datetime(required=True, index=True, readonly=True)

    _sql_constraints = [("token_unique", "unique(token)", "A claim token is used once.")]
