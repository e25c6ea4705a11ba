# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""The refresh job: read the ERP documents' states back (incrementally from a cursor, a first
read in committed chunks, a sweep of what no list shows) and apply them.

A run works in chunks, each committed in the job's own transaction: the changes listed since the
cursor (and the cursor), then the sweep a chunk at a time. It stops on the time budget the push
job uses (``_erp_cron_time_budget``) and hands the rest over with ``_trigger()``. Its statistics
are noted apart (``tecpet.erp.integration.run``), never in these transactions.
"""

import logging
import time

import psycopg2

from odoo import api, fields, models

from ..erp import lifecycle
from ..erp.contract import DocRef, DocType
from ..erp.errors import AuthError, ErpError
from .erp_params import number_param
from .erp_texts import erp_error_text

_logger = logging.getLogger(__name__)

# Issued documents are re-read for this many days (a note can be cancelled in the ERP meanwhile).
NOTE_FINAL_DAYS_PARAM = "tecpet_erp_sync.note_final_days"
READ_CHUNK = 20  # documents read (and committed) together by the first read and the sweep
REFRESH_CRON = "tecpet_erp_sync.ir_cron_refresh_status"


class TecpetErpDocument(models.Model):
    _inherit = "tecpet.erp.document"

    paid_at = fields.Datetime(
        string="Paid On",
        readonly=True,
        copy=False,
        help="When the read-back first saw the document paid: how long it has waited for its note.",
    )

    @api.model
    def _cron_refresh_status(self):
        """One read-back run: the integrations least recently read first, within the time budget
        (at least one integration a run: the others in a run of their own)."""
        with_commit = self.env["account.move"]._can_commit()
        integrations = (
            self.env["tecpet.erp.integration"]
            .search([("active", "=", True), ("auth_failed", "=", False)])
            .sorted(lambda i: (bool(i.last_refresh_at), i.last_refresh_at or fields.Datetime.now()))
        )
        deadline = time.monotonic() + self._erp_cron_time_budget()
        for index, integration in enumerate(integrations):
            if index and time.monotonic() > deadline:
                self.env.ref(REFRESH_CRON)._trigger()
                break
            jobs = self._erp_with_company_lang(integration.company_id)
            if with_commit:
                self._erp_refresh_committing(jobs, integration, deadline)
                continue
            # Tests: one transaction. The savepoint undoes a failed integration's work alone.
            self.env.flush_all()
            try:
                with self.env.cr.savepoint():
                    jobs._refresh_integration(integration, deadline=deadline)
            except Exception:
                _logger.exception("ERP sync: refresh of integration %s failed", integration.id)

    @api.model
    def _erp_refresh_committing(self, jobs, integration, deadline):
        """Refresh one integration, committing as it goes; a failure loses the chunk in hand only."""
        try:
            jobs._refresh_integration(integration, deadline=deadline, with_commit=True)
            self.env.cr.commit()  # pylint: disable=invalid-commit
            return
        except psycopg2.extensions.TransactionRollbackError:  # serialization failure, deadlock
            # A user or a job changed the same invoices meanwhile: the chunk in hand is read again
            # by the next run (its cursor was not moved).
            self.env.cr.rollback()
            _logger.info("ERP sync: refresh of integration %s postponed: concurrent update", integration.id)
        except Exception:
            # One integration's failure (a bug, an answer we cannot parse) never stops the others.
            self.env.cr.rollback()
            _logger.exception("ERP sync: refresh of integration %s failed", integration.id)
        integration._erp_record_run("refresh", None)  # its turn is taken: the others come first next

    def _read_back_domain(self, integration):
        """Documents that are not final yet: live ones, issued ones whose note may still be
        cancelled (for ``note_final_days``, or at once when someone asked for a re-check), and
        error documents that exist in the ERP without anything left to send."""
        cutoff = fields.Datetime.subtract(fields.Datetime.now(), days=self._erp_note_final_days())
        return [
            ("integration_id", "=", integration.id),
            ("external_id", "!=", False),
            ("pending_action", "=", False),
            ("state", "in", [state.value for state in lifecycle.READ_BACK_STATES]),
            "|",
            "|",
            ("state", "!=", "issued"),
            ("issued_at", ">=", cutoff),
            ("recheck", "=", True),
        ]

    @api.model
    def _refresh_integration(self, integration, deadline=None, with_commit=False):
        """Read back what changed since the last run (list calls, PRODUCT 2.6), then the sweep
        (``_erp_sweep``): what no list shows. Without a cursor yet, every document is read once
        instead, across runs if the time budget demands. Returns the documents changed."""
        docs = self.search(self._read_back_domain(integration), order="id")
        if not docs:
            integration._erp_record_run("refresh", None)  # no call made: it tells nothing of the ERP
            return 0
        try:
            if not integration.refresh_cursor:
                changed, more = self._erp_first_read(integration, docs, deadline, with_commit)
            else:
                # At most a chunk read one by one here (a Bling push backlog makes every new order
                # "changed"); the others listed are re-checks, read by the sweep in chunks.
                changes = integration._erp_client().fetch_changes(
                    docs._erp_refs(), integration.refresh_cursor, max_reads=READ_CHUNK
                )
                changed = len(docs._erp_apply_read_back(changes))
                postponed = {(ref.doc_type.value, ref.external_id) for ref in changes.postponed}
                flagged = docs.filtered(lambda d: (d.doc_type, d.external_id) in postponed)
                flagged._erp_lock_quietly()  # as the read-back's other writes (a conflict postpones the run)
                flagged.write({"recheck": True})
                integration.sudo().refresh_cursor = changes.cursor
                if with_commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                swept, more = self._erp_sweep(integration, deadline, with_commit)
                changed += swept
        except AuthError as exc:
            message = erp_error_text(self.env, exc)
            integration.sudo().write(
                {
                    "auth_failed": True,
                    "last_check_at": fields.Datetime.now(),
                    "last_check_ok": False,
                    "last_check_message": message,
                }
            )
            integration._erp_record_run("refresh", message)
            return 0
        except ErpError as exc:
            _logger.info("ERP sync: refresh of integration %s postponed: %s", integration.id, exc.message)
            integration._erp_record_run("refresh", erp_error_text(self.env, exc))
            return 0
        integration._erp_record_run("refresh", "")
        if more:  # the time budget is spent, or more re-checks were asked for than a run reads
            self.env.ref(REFRESH_CRON)._trigger()
        return changed

    @api.model
    def _erp_first_read(self, integration, docs, deadline, with_commit):
        """Read every document once, ``READ_CHUNK`` at a time, committing the progress after
        each chunk so that a large account's first read completes across runs (a cron run is
        killed after its time limit). The cursor taken before the first chunk becomes the
        integration's once all are read: what changed meanwhile is listed by the next run.
        Returns (documents changed, whether some are left for the next run)."""
        integration = integration.sudo()
        todo = docs.filtered(lambda doc: doc.id > integration.first_read_done_id)
        changed = 0
        for start in range(0, len(todo), READ_CHUNK):
            chunk = todo[start : start + READ_CHUNK]
            changes = integration._erp_client().fetch_changes(chunk._erp_refs(), None)
            changed += len(chunk._erp_apply_read_back(changes))
            integration.write(
                {
                    "first_read_done_id": chunk[-1].id,
                    "first_read_cursor": integration.first_read_cursor or changes.cursor,
                }
            )
            if with_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            if deadline is not None and time.monotonic() > deadline and start + READ_CHUNK < len(todo):
                return changed, True
        integration.write(
            {
                "refresh_cursor": integration.first_read_cursor,
                "first_read_cursor": False,
                "first_read_done_id": 0,
            }
        )
        return changed, False

    def _erp_refs(self):
        return [DocRef(DocType(d.doc_type), d.external_id, d.marker) for d in self]

    def _erp_apply_read_back(self, changes, swept=None):
        """Apply a read-back to these documents; return the ones it changed."""
        by_key = {(d.doc_type, d.external_id): d for d in self}
        now = fields.Datetime.now()
        changed = self.browse()
        observed = [
            (doc, status, doc._erp_observed(status))
            for status in changes.statuses
            if (doc := by_key.get((status.doc_type.value, status.external_id)))
        ]
        unreadable = [
            (doc, item.error)
            for item in changes.unreadable
            if (doc := by_key.get((item.ref.doc_type.value, item.ref.external_id)))
        ]
        # Written below: locked first, quietly (what a user or a job committed on them since this
        # run began postpones it), with the invoices whose state changes.
        written = self.browse([doc.id for doc, *_rest in observed + unreadable]) | (swept or self.browse())
        moving = self.browse([doc.id for doc, _status, change in observed if change != lifecycle.KEEP])
        written._erp_lock_quietly(moving.move_id)
        for doc, status, change in observed:
            vals = {
                "last_sync_at": now,
                "recheck": False,
                "read_error": False,
                **doc._erp_note_vals(status.note),
            }
            if status.note_number:
                vals["note_number"] = status.note_number
            if status.external_number and status.external_number != doc.external_number:
                vals["external_number"] = status.external_number
            ready = lifecycle.NOTE_READY_STATES
            if change.state in ready and doc.state not in {state.value for state in ready}:
                vals["paid_at"] = now
            doc.write(vals)
            if change != lifecycle.KEEP:
                doc._erp_apply(change)
                changed |= doc
        for doc, error in unreadable:
            _logger.info("ERP sync: document %s could not be read back: %s", doc.id, error.message)
            reason = erp_error_text(self.env, error)[:500]
            # Read again at the next run; one that fails twice waits for the sweep's age.
            doc.write({"read_error": reason, "last_sync_at": now, "recheck": not doc.read_error})
        if swept:  # read and unchanged: not due again before the sweep age
            unchanged = (swept - changed).filtered(lambda d: not d.read_error)
            unchanged.write({"last_sync_at": now, "recheck": False})
        return changed

    def _erp_observed(self, status):
        """What the ERP's ``status`` of this document changes on it (``lifecycle.on_observation``)."""
        return lifecycle.on_observation(
            self._erp_view(),
            status,
            issue_notes=self.integration_id.issue_fiscal_notes,
            note_requested=self.note_requested,
        )

    def _erp_recheck_now(self):
        """Flag these documents for the next refresh and wake it, on a cursor of its own: the
        caller is about to refuse (UserError), which rolls its own transaction back. Plain SQL:
        the flag and a cron trigger are all it takes, and no ORM state is shared across cursors."""
        cron = self.env.ref(REFRESH_CRON)
        if not self.env["account.move"]._can_commit():  # tests: one transaction, nothing committed
            self.write({"recheck": True})
            cron._trigger()
            return
        try:
            with self.env.registry.cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = '2s'")
                cr.execute("UPDATE tecpet_erp_document SET recheck = TRUE WHERE id IN %s", [tuple(self.ids)])
                cr.execute(
                    "INSERT INTO ir_cron_trigger (cron_id, call_at) VALUES (%s, now() AT TIME ZONE 'UTC')",
                    [cron.id],
                )
        except psycopg2.errors.LockNotAvailable:
            _logger.info("ERP sync: documents %s will be re-read at the next refresh", self.ids)
        self.invalidate_recordset(["recheck"])

    @api.model
    def _erp_note_final_days(self):
        return number_param(self.env, NOTE_FINAL_DAYS_PARAM, 30, minimum=0, maximum=3650)
