# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""The fiscal note of a document (read back by the refresh job, shown on the invoice)."""

from odoo import api, fields, models

# SEFAZ's national NF-e portal, where anyone checks a note by its access key (the page asks for it).
NFE_PORTAL_CHECK = "https://www.nfe.fazenda.gov.br/portal/consultaRecaptcha.aspx?tipoConsulta=resumo&tipoConteudo=7PhJ+gAVw2g="


class TecpetErpDocument(models.Model):
    _inherit = "tecpet.erp.document"

    note_series = fields.Char(readonly=True, copy=False)
    note_key = fields.Char(
        string="Access Key",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="NF-e access key (chave, 44 digits) or NFS-e verification code.",
    )
    note_issued_on = fields.Date(readonly=True, copy=False)
    note_pdf_url = fields.Char(string="Note PDF", readonly=True, copy=False)
    note_xml_url = fields.Char(string="Note XML", readonly=True, copy=False)
    note_check_url = fields.Char(
        string="Check the Note",
        compute="_compute_note_check_url",
        help="Where the customer checks an NF-e the ERP gives no PDF of: SEFAZ's national portal, "
        "asked by the access key.",
    )
    age_hours = fields.Integer(
        string="Age (hours)",
        compute="_compute_age_hours",
        help="Hours since the document entered the flow.",
    )

    @api.depends("doc_type", "note_key", "note_pdf_url")
    def _compute_note_check_url(self):
        for doc in self:
            nfe_key = (
                doc.doc_type == "sales_order" and len(doc.note_key or "") == 44 and doc.note_key.isdigit()
            )
            doc.note_check_url = NFE_PORTAL_CHECK if nfe_key and not doc.note_pdf_url else False

    @api.depends("create_date")
    def _compute_age_hours(self):
        now = fields.Datetime.now()
        for doc in self:
            doc.age_hours = int((now - doc.create_date).total_seconds() // 3600) if doc.create_date else 0

    @api.model
    def _erp_note_vals(self, note):
        """The values to write on a document for the fiscal note the ERP reports (a FiscalNote).

        Only what the ERP tells is written: a read-back that lacks the PDF link keeps the one
        known. Nothing for ``None``.
        """
        if note is None:
            return {}
        vals = {
            "note_number": note.number,
            "note_series": note.series,
            "note_key": note.access_key,
            "note_issued_on": note.issued_on,
            "note_pdf_url": note.pdf_url,
            "note_xml_url": note.xml_url,
        }
        return {key: value for key, value in vals.items() if value}
