# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""The push job: its workers, the claim of due documents and the commit of each outcome. What a
claimed document does is in ``tecpet_erp_document_actions``; the refresh job in
``tecpet_erp_document_refresh``.

Every network call happens here, never in the user's transaction. How a document is claimed,
leased and committed is in ``tecpet_erp_document_claim`` (rules in ``erp/claim.py``).
"""

import re
import time

from odoo import api, models
from odoo.tools import SQL, config

from odoo.addons.base.models.ir_cron import MAX_BATCH_PER_CRON_JOB

from ..erp import lifecycle
from .erp_params import number_param
from .tecpet_erp_document_refresh import REFRESH_CRON

TIME_BUDGET = 240  # at most, seconds of one push callback before it hands over to a new run
MIN_TIME_BUDGET = 1  # seconds (a callback always sends at least one document)
# Push workers: worker 1 is the data file's cron, workers 2..N are copies of it running this code.
PUSH_WORKERS_PARAM = "tecpet_erp_sync.push_workers"
MAX_PUSH_WORKERS = 32
PUSH_WORKER_CODE = "model._cron_push_documents(worker=%s)"
PUSH_WORKER_RE = re.compile(r"model\._cron_push_documents\(worker=(\d+)\)")
CRON_LIMIT_SHARE = 0.4  # of the cron worker's time limit, shared by the callbacks of one run


class TecpetErpDocument(models.Model):
    _inherit = "tecpet.erp.document"

    # ------------------------------------------------------------------------------------------
    # Push job
    # ------------------------------------------------------------------------------------------
    @api.model
    def _erp_cron_time_budget(self):
        """Seconds one cron callback may work before it hands over (``_trigger()``).

        Odoo kills a cron worker after ``limit_time_real_cron`` seconds (``limit_time_real`` when
        that is unset or 0), and reruns a callback that reported progress up to
        ``MAX_BATCH_PER_CRON_JOB`` (10) times inside that one limit, so each callback gets a tenth of
        40 % of it: the margin covers the commits, the last call in flight and the rest of the run.
        """
        limit = config.get("limit_time_real_cron") or 0
        if limit <= 0:  # -1: the default, "same as limit_time_real"; 0: no limit
            limit = config.get("limit_time_real") or 0
        if limit <= 0:
            return TIME_BUDGET
        return max(MIN_TIME_BUDGET, min(TIME_BUDGET, limit * CRON_LIMIT_SHARE / MAX_BATCH_PER_CRON_JOB))

    def _erp_with_company_lang(self, company):
        """These records in the language of ``company``'s partner: the cron's env has no ``lang``,
        and what the jobs write (errors, chatter) must read in the users' language."""
        lang = company.partner_id.lang
        return self.with_context(lang=lang) if lang and lang != self.env.lang else self

    @api.model
    def _cron_push_documents(self, batch_size=None, time_budget=None, worker=1):
        """One run of push worker ``worker`` (1 is the cron of the data file; 2..N are its copies,
        see ``_erp_push_crons``). The workers claim disjoint documents (``_claim_next``)."""
        workers = self._erp_push_workers()
        if worker == 1:
            extras = self._erp_sync_push_crons(workers)
            due = self.search_count(self._push_domain(), limit=workers)
            # Wake as many of the other workers as there are documents for them (0 on a quiet run).
            for cron in extras[: max(0, due - 1)]:
                cron._trigger()
        elif worker > workers:
            return  # fewer workers configured since this cron was triggered: worker 1 retires it
        with_commit = self.env["account.move"]._can_commit()
        done, remaining = self._push_batch(
            batch_size=batch_size,
            time_budget=self._erp_cron_time_budget() if time_budget is None else time_budget,
            with_commit=with_commit,
        )
        # The read-back was woken (a webhook, its schedule) and waits for a cron worker: this run
        # ends with this callback, instead of Odoo running it up to 10 times in a row, and the
        # worker comes back right after. Else, behind a backlog, payments would wait minutes.
        handing_over = bool(remaining) and with_commit and self._erp_refresh_waiting()
        self.env["ir.cron"]._notify_progress(done=done, remaining=0 if handing_over else remaining)
        self.env["tecpet.erp.integration"]._erp_record_push_run()
        if remaining and (worker == 1 or handing_over):
            main = self.env.ref("tecpet_erp_sync.ir_cron_push_documents")
            (main if worker == 1 else self._erp_push_crons().get(worker, main))._trigger()

    @api.model
    def _erp_refresh_waiting(self):
        """Whether the read-back cron is due and no cron worker runs it. Asked on a cursor of its
        own: this job's snapshot is as old as its callback and would not see a trigger made since;
        a running read-back holds its cron row (``SKIP LOCKED`` passes over it)."""
        cron_id = self.env.ref(REFRESH_CRON).id
        with self.env.registry.cursor() as cr:
            cr.execute(
                """SELECT id FROM ir_cron c
                    WHERE c.id = %s AND c.active
                      AND (c.nextcall <= (now() AT TIME ZONE 'UTC')
                           OR EXISTS (SELECT 1 FROM ir_cron_trigger t
                                       WHERE t.cron_id = c.id AND t.call_at <= (now() AT TIME ZONE 'UTC')))
                      FOR SHARE SKIP LOCKED""",
                [cron_id],
            )
            return bool(cr.fetchone())

    @api.model
    def _erp_push_workers(self):
        """How many push workers claim documents at once (system parameter, 1 to 32)."""
        return number_param(self.env, PUSH_WORKERS_PARAM, 1, minimum=1, maximum=MAX_PUSH_WORKERS)

    @api.model
    def _erp_push_crons(self):
        """The crons of push workers 2..N (active or not), by worker number."""
        main = self.env.ref("tecpet_erp_sync.ir_cron_push_documents")
        crons = (
            self.env["ir.cron"]
            .sudo()
            .with_context(active_test=False)
            .search([("model_id", "=", main.model_id.id), ("code", "=like", PUSH_WORKER_CODE % "%")])
        )
        by_worker = {}
        for cron in crons:
            match = PUSH_WORKER_RE.fullmatch(cron.code.strip())
            if match:
                by_worker.setdefault(int(match.group(1)), cron)
        return by_worker

    @api.model
    def _erp_sync_push_crons(self, workers):
        """Make the crons of workers 2..``workers`` exist and be active (copies of worker 1's, so
        that Odoo's scheduler runs them in its own cron threads, on any server of the database),
        retire the ones above; return the active ones in worker order."""
        main = self.env.ref("tecpet_erp_sync.ir_cron_push_documents").sudo()
        existing = self._erp_push_crons()
        active = self.env["ir.cron"].sudo()
        for worker, cron in existing.items():
            if worker > workers and cron.active:
                cron.active = False
        for worker in range(2, workers + 1):
            cron = existing.get(worker)
            if cron is None:
                cron = main.copy(
                    {
                        "name": f"{main.name} ({worker})",
                        "code": PUSH_WORKER_CODE % worker,
                        "active": True,
                    }
                )
            elif not cron.active:
                cron.active = True
            active |= cron
        return active

    def _push_domain(self):
        """The documents the push job may claim now (``_erp_claim_domain``: no live claim holds
        them, their backoff is over)."""
        integrations = self.env["tecpet.erp.integration"].sudo()
        working = integrations._search([("auth_failed", "=", False)])
        archived = integrations.with_context(active_test=False)._search(
            [("auth_failed", "=", False), ("active", "=", False)]
        )
        # A replacement waits for the cancellation of its invoice's previous document of its type (N2).
        held = SQL(
            """(SELECT fresh.id FROM tecpet_erp_document fresh
                  JOIN tecpet_erp_document prior
                    ON prior.move_id = fresh.move_id AND prior.doc_type = fresh.doc_type
                   AND prior.id != fresh.id
                 WHERE fresh.pending_action = %s AND prior.active AND prior.pending_action = %s)""",
            lifecycle.HELD_PENDING.value,
            lifecycle.HOLDING_PENDING.value,
        )
        return [
            ("pending_action", "!=", False),
            ("state", "!=", "error"),
            # An archived integration's cancellations still run: its invoices were reset (N18).
            "|",
            ("integration_id", "in", working),
            "&",
            ("pending_action", "=", "cancel"),
            ("integration_id", "in", archived),
            ("id", "not in", held),
            *self._erp_claim_domain(),
        ]

    @api.model
    def _push_batch(self, batch_size=None, time_budget=TIME_BUDGET, with_commit=False):
        """Process up to ``batch_size`` due documents, one invoice's at a time; return (done, remaining)."""
        batch_size = batch_size or number_param(
            self.env, "tecpet_erp_sync.batch_size", 50, minimum=1, maximum=10_000
        )
        started = time.monotonic()
        done = tried = 0
        handled = []  # ids this run took: never twice in one run (tests' rollbacks, the quota)
        finished = []  # the last claim's token: its lease row goes with the next claim
        while tried < batch_size:
            if tried and time.monotonic() - started > time_budget:  # at least one per run
                break
            claimed = self._claim_next(with_commit, handled, finished=finished)
            finished = [claim.token for claim in claimed.values()][:1]
            if not claimed:
                return done, 0  # nothing left that another worker does not hold
            for candidate, claim in claimed.items():
                tried += 1
                handled.append(candidate.id)
                # Each commit empties the cache: without this, every document would fetch again the
                # invoices, lines and partners of the whole batch (its prefetch set).
                doc = candidate.with_prefetch()._erp_with_company_lang(candidate.company_id)
                with doc._erp_keep_lease(claim, with_commit), doc._erp_attempt_log():
                    progressed = doc._run_pending_action(maybe_sent=claim.maybe_sent)
                if not doc._erp_finish_claim(claim, with_commit):
                    handled.remove(candidate.id)  # due again (after a pause): the other commit is done
                    continue
                if progressed is False:  # the account's quota or limit: not done, tried again later
                    continue
                done += 1
        remaining = self.search_count(self._push_domain() + [("id", "not in", handled)], limit=1)
        return done, remaining

    def _run_pending_action(self, maybe_sent):
        self.ensure_one()
        action = self.pending_action
        try:
            if action == "push":
                # Read once: checked, then sent.
                move = self.move_id
                lines = move._erp_invoice_lines()
                customer = move.partner_id._erp_raw_customer() if move.partner_id else None
                problems = move._erp_check_before_send(self, lines, customer)
                if problems:
                    self.maybe_sent = maybe_sent  # nothing was sent this time
                    self._erp_set_error(problems, "data")
                    return
                self._do_push(maybe_sent, lines, customer)
            elif action == "cancel":
                self._do_cancel(maybe_sent)
            elif action == "issue":
                self._do_issue()
        except Exception as exc:
            return self._erp_apply_failure(exc, action)
