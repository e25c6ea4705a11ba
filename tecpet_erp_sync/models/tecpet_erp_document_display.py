# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""What a reader sees of a document: its error in the reader's language, its states in the order
of the flow (grouped lists, kanban, pivot and graph), not by the name of their keys."""

from odoo import api, fields, models
from odoo.tools import SQL

from .erp_texts import render_source, with_sources
from .tecpet_erp_document import DOCUMENT_STATES

STATE_ORDER = [key for key, _label in DOCUMENT_STATES]


class TecpetErpDocument(models.Model):
    _inherit = "tecpet.erp.document"

    # What error_message was rendered from (erp_texts.ErpText.source), written with it.
    error_source = fields.Json(readonly=True, copy=False)
    error_text = fields.Text(
        string="Error",
        compute="_compute_error_text",
        help="The last error, in your language. Errors stored before this version show as written.",
    )

    @api.depends("error_message", "error_source")
    @api.depends_context("lang")
    def _compute_error_text(self):
        for doc in self:
            doc.error_text = doc.error_message and render_source(doc.env, doc.error_source, doc.error_message)

    def write(self, vals):
        # Whoever writes the error writes its source (erp_texts.Texts).
        return super().write(with_sources(vals, {"error_message": "error_source"}))

    @api.model
    def _read_group_orderby(self, order, groupby_terms, query):
        # Grouped by state, the groups follow the flow (Processing → … → Error): pivot and graph
        # read their groups in this order.
        if "state" in groupby_terms:
            groupby_terms = dict(
                groupby_terms,
                state=SQL("array_position(%s::varchar[], %s)", STATE_ORDER, groupby_terms["state"]),
            )
        return super()._read_group_orderby(order, groupby_terms, query)
