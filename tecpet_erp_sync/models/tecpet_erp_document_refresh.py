# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""The refresh job: read the ERP documents' states back (incrementally from a cursor, a first
read in committed chunks, a sweep of documents not read for a while) and apply them."""

import logging
import time
from datetime import timedelta

import psycopg2

from odoo import api, fields, models

from ..erp import lifecycle
from ..erp.contract import DocRef, DocType
from ..erp.errors import AuthError, ErpError
from .erp_texts import erp_error_text

_logger = logging.getLogger(__name__)

# Read-back tuning (system parameters): issued documents are re-read for this many days (a note
# can be cancelled in the ERP meanwhile); the sweep re-reads documents not read for this many
# hours, at most this many a run.
NOTE_FINAL_DAYS_PARAM = "tecpet_erp_sync.note_final_days"
SWEEP_AGE_PARAM = "tecpet_erp_sync.sweep_age_hours"
SWEEP_LIMIT_PARAM = "tecpet_erp_sync.sweep_limit"
FIRST_READ_CHUNK = 50  # documents read (and committed) together when an integration has no cursor yet


class TecpetErpDocument(models.Model):
    _inherit = "tecpet.erp.document"

    @api.model
    def _cron_refresh_status(self):
        with_commit = self.env["account.move"]._can_commit()
        integrations = self.env["tecpet.erp.integration"].search(
            [("active", "=", True), ("auth_failed", "=", False)]
        )
        deadline = time.monotonic() + self._erp_cron_time_budget()
        for index, integration in enumerate(integrations):
            if index and time.monotonic() > deadline:  # the others in a run of their own
                self.env.ref("tecpet_erp_sync.ir_cron_refresh_status")._trigger()
                break
            try:
                jobs = self._erp_with_company_lang(integration.company_id)
                if with_commit:
                    jobs._refresh_integration(integration, deadline=deadline, with_commit=True)
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                else:
                    with self.env.cr.savepoint():
                        jobs._refresh_integration(integration, deadline=deadline)
            except psycopg2.extensions.TransactionRollbackError:  # serialization failure, deadlock
                if not with_commit:
                    raise
                # A job changed the same invoices meanwhile: the run is dropped with its cursor,
                # so the next run reads these changes again.
                self.env.cr.rollback()
                _logger.info(
                    "ERP sync: refresh of integration %s postponed: concurrent update", integration.id
                )
            except Exception:
                # One integration's failure (a bug, an answer we cannot parse) never stops the others.
                if with_commit:
                    self.env.cr.rollback()
                _logger.exception("ERP sync: refresh of integration %s failed", integration.id)

    def _read_back_domain(self, integration):
        """Documents that are not final yet: live ones, issued ones whose note may still be
        cancelled, and error documents that exist in the ERP without anything left to send."""
        final_days = int(self.env["ir.config_parameter"].sudo().get_param(NOTE_FINAL_DAYS_PARAM, 30))
        return [
            ("integration_id", "=", integration.id),
            ("external_id", "!=", False),
            ("pending_action", "=", False),
            ("state", "in", [state.value for state in lifecycle.READ_BACK_STATES]),
            "|",
            ("state", "!=", "issued"),
            ("issued_at", ">=", fields.Datetime.now() - timedelta(days=final_days)),
        ]

    @api.model
    def _refresh_integration(self, integration, deadline=None, with_commit=False):
        """Read back what changed since the last run (list calls, PRODUCT 2.6), then a bounded
        sweep of documents not read for a while or flagged for a recheck: what no list shows
        (an order deleted in Bling, a note cancelled in the ERP) is found there. Without a cursor
        yet, every document is read once instead, across runs if the time budget demands."""
        docs = self.search(self._read_back_domain(integration), order="id")
        if not docs:
            integration._erp_record_run("refresh", None)  # no call made: it tells nothing of the ERP
            return 0
        client = integration._erp_client()
        try:
            if not integration.refresh_cursor:
                return self._erp_first_read(integration, docs, deadline, with_commit)
            changes = client.fetch_changes(docs._erp_refs(), integration.refresh_cursor)
            changed = docs._erp_apply_read_back(changes)
            sweep, more = (docs - changed)._erp_sweep_candidates()
            if sweep:
                docs._erp_apply_read_back(client.fetch_changes(sweep._erp_refs(), None), swept=sweep)
        except AuthError as exc:
            message = erp_error_text(self.env, exc)
            integration.sudo().write(
                {"auth_failed": True, "last_check_ok": False, "last_check_message": message}
            )
            integration._erp_record_run("refresh", message)
            return 0
        except ErpError as exc:
            _logger.info("ERP sync: refresh of integration %s postponed: %s", integration.id, exc.message)
            integration._erp_record_run("refresh", erp_error_text(self.env, exc))
            return 0
        integration.sudo().refresh_cursor = changes.cursor
        integration._erp_record_run("refresh", "")
        if more:  # more asked for (Refresh ERP status on a large selection) than a run reads
            self.env.ref("tecpet_erp_sync.ir_cron_refresh_status")._trigger()
        return len(changed)

    @api.model
    def _erp_first_read(self, integration, docs, deadline, with_commit):
        """Read every document once, ``FIRST_READ_CHUNK`` at a time, committing the progress after
        each chunk so that a large account's first read completes across runs (a cron run is
        killed after its time limit). The cursor taken before the first chunk becomes the
        integration's once all are read: what changed meanwhile is listed by the next run."""
        integration = integration.sudo()
        todo = docs.filtered(lambda doc: doc.id > integration.first_read_done_id)
        changed = 0
        for start in range(0, len(todo), FIRST_READ_CHUNK):
            chunk = todo[start : start + FIRST_READ_CHUNK]
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
            if deadline is not None and time.monotonic() > deadline and start + FIRST_READ_CHUNK < len(todo):
                integration._erp_record_run("refresh", "")
                self.env.ref("tecpet_erp_sync.ir_cron_refresh_status")._trigger()
                return changed
        integration.write(
            {
                "refresh_cursor": integration.first_read_cursor,
                "first_read_cursor": False,
                "first_read_done_id": 0,
            }
        )
        integration._erp_record_run("refresh", "")
        return changed

    def _erp_refs(self):
        return [DocRef(DocType(d.doc_type), d.external_id, d.marker) for d in self]

    def _erp_sweep_candidates(self):
        """The documents the sweep reads this run (flagged ones first, then the least recently
        read), and whether flagged ones are left for the next run."""
        params = self.env["ir.config_parameter"].sudo()
        age = timedelta(hours=float(params.get_param(SWEEP_AGE_PARAM, 6)))
        limit = int(params.get_param(SWEEP_LIMIT_PARAM, 100))
        stale = fields.Datetime.now() - age
        due = self.filtered(lambda d: d.recheck or not d.last_sync_at or d.last_sync_at <= stale)
        due = due.sorted(lambda d: (not d.recheck, d.last_sync_at or fields.Datetime.now()))
        return due[:limit], any(d.recheck for d in due[limit:])

    def _erp_apply_read_back(self, changes, swept=None):
        """Apply a read-back to these documents; return the ones it changed."""
        by_key = {(d.doc_type, d.external_id): d for d in self}
        now = fields.Datetime.now()
        changed = self.browse()
        for status in changes.statuses:
            doc = by_key.get((status.doc_type.value, status.external_id))
            if not doc:
                continue
            integration = doc.integration_id
            change = lifecycle.on_observation(
                doc._erp_view(),
                status,
                issue_notes=integration.issue_fiscal_notes,
                note_requested=doc.note_requested,
            )
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
            doc.write(vals)
            if change != lifecycle.KEEP:
                doc._erp_apply(change)
                changed |= doc
        for unreadable in changes.unreadable:
            doc = by_key.get((unreadable.ref.doc_type.value, unreadable.ref.external_id))
            if doc:
                _logger.info(
                    "ERP sync: document %s could not be read back: %s", doc.id, unreadable.error.message
                )
                reason = erp_error_text(self.env, unreadable.error)[:500]
                doc.write({"read_error": reason, "last_sync_at": now, "recheck": False})
        if swept:  # read and unchanged: not due again before the sweep age
            unchanged = (swept - changed).filtered(lambda d: not d.read_error)
            unchanged.write({"last_sync_at": now, "recheck": False})
        return changed

    def _erp_recheck_now(self):
        """Flag these documents for the next refresh and wake it, on a cursor of its own: the
        caller is about to refuse (UserError), which rolls its own transaction back. Plain SQL:
        the flag and a cron trigger are all it takes, and no ORM state is shared across cursors."""
        cron = self.env.ref("tecpet_erp_sync.ir_cron_refresh_status")
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
