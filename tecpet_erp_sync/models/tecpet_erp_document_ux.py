# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""The fiscal note of a document, and reading chosen documents back on request."""

import logging

from odoo import api, fields, models

from ..erp.contract import DocRef, DocType
from ..erp.errors import AuthError, ErpError

_logger = logging.getLogger(__name__)


# A file of its own, beside the jobs, so that their rewrite and this merge without conflicts.
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
    refresh_requested = fields.Boolean(
        readonly=True,
        copy=False,
        index=True,
        help="Someone asked to read this document back now (Action → Refresh ERP status).",
    )
    age_hours = fields.Integer(
        string="Age (hours)",
        compute="_compute_age_hours",
        help="Hours since the document entered the flow.",
    )

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

    # ------------------------------------------------------------------------------------------
    # Refresh on request (the refresh cron calls this first)
    # ------------------------------------------------------------------------------------------
    @api.model
    def _refresh_requested_documents(self, with_commit=False):
        """Read back the documents someone asked for, whatever changed since the cursor.

        One ``fetch_changes(refs, since=None)`` per integration, for just those documents; the
        incremental cursor of the regular read-back is left alone. Returns the number changed.
        """
        requested = self.search([("refresh_requested", "=", True)])
        changed = 0
        for integration, docs in requested.grouped("integration_id").items():
            if not integration.active or integration.auth_failed:
                docs.write({"refresh_requested": False})
                continue
            changed += docs._refresh_now(integration)
            if with_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return changed

    def _refresh_now(self, integration):
        by_key = {(d.doc_type, d.external_id): d for d in self}
        refs = [DocRef(DocType(d.doc_type), d.external_id, d.marker) for d in self]
        try:
            changes = integration._erp_client().fetch_changes(refs, None)
        except AuthError as exc:
            integration.sudo().write(
                {"auth_failed": True, "last_check_ok": False, "last_check_message": exc.message}
            )
            integration._erp_record_run("refresh", exc.message)
            self.write({"refresh_requested": False})
            return 0
        except ErpError as exc:
            # Asked again at the next run: the request stays.
            _logger.info(
                "ERP sync: requested refresh of integration %s postponed: %s", integration.id, exc.message
            )
            integration._erp_record_run("refresh", exc.message)
            return 0
        now = fields.Datetime.now()
        changed = 0
        for status in changes.statuses:
            doc = by_key.get((status.doc_type.value, status.external_id))
            if doc is None:
                continue
            vals = doc._erp_status_vals(status, integration)
            if vals:
                doc.write({**vals, "last_sync_at": now})
                changed += 1
        self.write({"refresh_requested": False})
        integration._erp_record_run("refresh", "")
        return changed

    def _erp_status_vals(self, status, integration):
        """What a read-back status changes on this document (empty when nothing)."""
        self.ensure_one()
        vals = {}
        if status.state.value != self.state:
            vals["state"] = status.state.value
            if status.state.value == "fulfilled" and integration.issue_fiscal_notes:
                vals["pending_action"] = "issue"
            if status.note_rejection:
                vals.update({"error_message": status.note_rejection, "error_kind": "data"})
        if status.external_number and status.external_number != self.external_number:
            vals["external_number"] = status.external_number
        if status.note_number and status.note_number != self.note_number:
            vals["note_number"] = status.note_number
        note_vals = self._erp_note_vals(status.note)
        vals.update({k: v for k, v in note_vals.items() if self[k] != v})
        return vals
