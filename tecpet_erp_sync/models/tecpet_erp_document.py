# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..erp import lifecycle
from ..erp.claim import When
from ..erp.contract import DocState
from ..erp.links import document_url
from .erp_texts import Texts

DOCUMENT_STATES = [
    ("processing", "Processing"),
    ("open", "Open"),
    ("fulfilled", "Fulfilled"),
    ("awaiting_issue", "Awaiting Issue"),
    ("issued", "Issued"),
    ("canceled", "Canceled"),
    ("error", "Error"),
]
ERROR_KINDS = [("data", "Data"), ("connection", "Connection"), ("internal", "Internal")]
# What the push job still has to do for a document; empty when it only waits for read-back.
PENDING_ACTIONS = [("push", "Send"), ("cancel", "Cancel"), ("issue", "Issue note")]
TOUCHED_MOVES = "tecpet_erp_sync.touched_moves"  # key of the invoices to rewrite at commit


class TecpetErpDocument(models.Model):
    """One ERP document of an invoice: a Service Order (services) or a Sales Order (goods).

    Modelled on ``account.edi.document``: a per-document state, the last error and its kind,
    and what the push job still has to do. Documents in ``error`` wait for Reprocess.
    """

    _name = "tecpet.erp.document"
    _description = "ERP Document"
    _order = "id desc"
    _rec_names_search = ["move_id", "marker", "external_number"]

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, ondelete="cascade", index=True, readonly=True
    )
    integration_id = fields.Many2one(
        "tecpet.erp.integration", required=True, ondelete="restrict", index=True, readonly=True
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="move_id.partner_id", string="Customer")
    provider = fields.Selection(related="integration_id.provider")
    doc_type = fields.Selection(
        [("service_order", "Service Order"), ("sales_order", "Sales Order")],
        string="Type",
        required=True,
        readonly=True,
    )
    state = fields.Selection(DOCUMENT_STATES, required=True, default="processing", index=True, readonly=True)
    pending_action = fields.Selection(PENDING_ACTIONS, default="push", readonly=True, index=True)
    external_id = fields.Char(string="ERP ID", readonly=True, copy=False, index="btree_not_null")
    external_number = fields.Char(string="ERP Number", readonly=True, copy=False)
    note_number = fields.Char(string="Fiscal Note", readonly=True, copy=False)
    # Read as sudo: every internal user reads the invoice's documents, not the integration.
    external_url = fields.Char(string="Open in ERP", compute="_compute_external_url", compute_sudo=True)
    marker = fields.Char(
        readonly=True,
        copy=False,
        index=True,
        help="Written into the ERP document so that a retried send finds it "
        "instead of creating a second one.",
    )
    maybe_sent = fields.Boolean(
        readonly=True,
        copy=False,
        help="A send may have reached the ERP without an answer: search for the marker before sending again.",
    )
    error_message = fields.Text(readonly=True, copy=False)
    error_kind = fields.Selection(ERROR_KINDS, readonly=True, copy=False)
    attempts = fields.Integer(readonly=True, copy=False)
    next_attempt_at = fields.Datetime(readonly=True, copy=False, index=True)
    last_sync_at = fields.Datetime(string="Last Sync", readonly=True, copy=False)
    active = fields.Boolean(default=True, help="Archived when a later posting of the invoice replaced it.")
    note_requested = fields.Boolean(
        readonly=True,
        copy=False,
        help="The addon asked the ERP to issue this document's fiscal note (once per document).",
    )
    recheck = fields.Boolean(
        readonly=True, copy=False, help="Read back at the next refresh, whatever changed in the ERP."
    )
    issued_at = fields.Datetime(string="Issued On", readonly=True, copy=False)
    read_error = fields.Char(
        string="Read-back Problem",
        readonly=True,
        copy=False,
        help="Why the last read-back of this document failed; cleared by the next good one.",
    )

    _sql_constraints = [
        ("marker_unique", "unique(marker)", "An ERP marker identifies exactly one document."),
    ]

    def init(self):
        # One live document per invoice and type, kept by the database (account_edi has
        # UNIQUE(edi_format_id, move_id)). Not live: archived, canceled, or being cancelled, since
        # a re-posting queues the new document beside the one whose cancellation is still pending
        # (lifecycle.on_post). A partial index is raw SQL, as account.move's own unique indexes.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS tecpet_erp_document_live_type_uniq
                ON tecpet_erp_document (move_id, doc_type)
             WHERE active AND state != 'canceled' AND pending_action IS DISTINCT FROM 'cancel'
            """
        )

    @api.depends("move_id.name", "doc_type")
    @api.depends_context("lang")
    def _compute_display_name(self):
        types = dict(self._fields["doc_type"]._description_selection(self.env))
        for doc in self:
            doc.display_name = f"{doc.move_id.name or ''} · {types.get(doc.doc_type, '')}"

    @api.depends("external_id", "integration_id.provider", "integration_id.api_url", "doc_type")
    def _compute_external_url(self):
        for doc in self:
            doc.external_url = doc._erp_url()

    def _erp_url(self):
        integration = self.integration_id
        return (
            document_url(integration.provider, integration.api_url, self.doc_type, self.external_id) or False
        )

    @api.model_create_multi
    def create(self, vals_list):
        # The live-document index judges the rows as written: a re-posting has just marked the
        # old document as being cancelled (lifecycle.on_post), still in the ORM's cache.
        self.flush_model(["active", "state", "pending_action"])
        docs = super().create(vals_list)
        db_key = (self.env["ir.config_parameter"].sudo().get_param("database.uuid") or "odoo")[:8]
        for doc in docs.filtered(lambda d: not d.marker):
            doc.marker = f"ODOO-{db_key}-{doc.id}"
        return docs

    def write(self, vals):
        if "state" in vals or "active" in vals:
            self._touch_invoices_at_commit()
        if vals.get("state") == "issued":
            # Issued documents are re-read for a while: the note can still be cancelled in the ERP.
            self.filtered(lambda d: d.state != "issued").issued_at = fields.Datetime.now()
        return super().write(vals)

    def _touch_invoices_at_commit(self):
        """Rewrite the invoices' rows at commit, even when their aggregate state does not change.

        ``account.move.service_order_state`` aggregates the invoice's documents as this
        transaction sees them. Two workers finishing the OS and the PV of one invoice at once each
        see the other document still processing: both keep the invoice processing, neither writes
        its row, and it stays processing for good (a write skew, found by bench/soak.py). Writing
        the row makes PostgreSQL refuse the later transaction (serialization failure): the jobs
        redo the document, Odoo retries HTTP requests.
        """
        data = self.env.cr.precommit.data
        if TOUCHED_MOVES not in data:
            data[TOUCHED_MOVES] = set()
            self.env.cr.precommit.add(self._touch_invoices)
        data[TOUCHED_MOVES].update(self.move_id.ids)

    def _touch_invoices(self):
        move_ids = self.env.cr.precommit.data.get(TOUCHED_MOVES)
        if move_ids:
            # A new row version that changes nothing the invoice says. A refusal is expected and
            # handled by the caller: not worth an error line in the log.
            self.env.cr.execute(
                "UPDATE account_move SET write_date = write_date WHERE id IN %s",
                [tuple(sorted(move_ids))],
                log_exceptions=False,
            )

    # ------------------------------------------------------------------------------------------
    # Life cycle (erp/lifecycle.py decides, these apply)
    # ------------------------------------------------------------------------------------------
    def _erp_view(self, live_claims=()):
        """This document as ``erp/lifecycle.py`` sees it; ``live_claims``: the tokens of the live
        claims (``_erp_live_claims``), where the answer depends on a worker holding it now."""
        self.ensure_one()
        return lifecycle.DocView(
            state=DocState(self.state),
            pending=lifecycle.Pending(self.pending_action) if self.pending_action else None,
            may_exist=bool(self.external_id or self.maybe_sent),
            known=bool(self.external_id),
            in_flight=bool(self.claim_token) and self.claim_token in live_claims,
        )

    def _erp_apply(self, change):
        """Write a ``lifecycle.Change`` on this document (translating its messages).

        A push worker may hold the document (its claim): the change is what the user wants next,
        and the claim stays (``erp/claim.py``): the worker's commit then sees it and leaves it to
        the next claim, with what the worker learned from the ERP.
        """
        self.ensure_one()
        vals = {}
        if change.state is not None:
            vals["state"] = change.state.value
            if change.state is not DocState.ERROR:
                vals.update(error_message=False, error_kind=False)
        if change.clear_pending:
            vals["pending_action"] = False
        if change.pending is not None:
            vals.update(pending_action=change.pending.value, attempts=0)
            if change.pending is lifecycle.Pending.ISSUE:
                vals["note_requested"] = True
        if change.archive:
            vals["active"] = False
        if change.recheck:
            vals["recheck"] = True
        if vals:
            self.write(vals)
        if change.pending is not None:
            self._erp_schedule(When.NOW)
        if change.error is not None:
            message, params = change.error
            self._erp_set_error(Texts(self.env)._(message, **params), "data")
        if change.chatter is not None:
            message, params = change.chatter
            number = self.external_number or self.external_id or ""
            self.move_id.sudo().message_post(
                body=self.env._(message, number=number, **params)  # pylint: disable=translation-not-lazy
            )
        if change.pending is not None:
            self.env.ref("tecpet_erp_sync.ir_cron_push_documents")._trigger()
        if change.recheck:
            self.env.ref("tecpet_erp_sync.ir_cron_refresh_status")._trigger()

    def _requeue_connection_errors(self):
        """After the connection works again, resend what failed only because of it."""
        failed = self.filtered(lambda d: d.state == "error" and d.error_kind == "connection")
        failed._requeue()

    def _requeue(self):
        """Reprocess: each document does again what it had to do (``lifecycle.on_reprocess``)."""
        for doc in self:
            issue_notes = doc.integration_id.issue_fiscal_notes
            doc._erp_apply(lifecycle.on_reprocess(doc._erp_view(), issue_notes=issue_notes))
