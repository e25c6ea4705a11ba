# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""Run statistics of an integration, one row per integration and run kind (send, read-back).

Every push callback and every read-back run ends by noting its outcome, the requests it made
and, for the read-back, the sweep's calls. Written on the integration row, these statistics made
the runs conflict with each other ("could not serialize access": the read-back dropped with its
cursor whenever sending was busy, N4). They live here instead, and each note is written and
committed at once on a cursor of its own, under a PostgreSQL advisory lock per integration (as the
shared rate-limit window): the transaction starts after the lock, so it sees the previous note and
never fails on it, and the job's own transaction never writes these rows. The integration shows
them through computed fields (below); the alerts they raise are in ``_health.py``.
"""

import contextlib
import datetime as dt
import zlib

from odoo import api, fields, models

from ..erp.common import BRT

CLIENT_CACHE_KEY = "tecpet_erp_sync.client"
COUNTED_CACHE_KEY = "tecpet_erp_sync.counted_calls"
RUN_KINDS = [("push", "Send"), ("refresh", "Read-back")]
ROW_FIELDS = (
    "kind",
    "last_at",
    "message",
    "down_since",
    "requests_day",
    "requests_today",
    "sweep_day",
    "sweep_calls",
)
_UPSERT = """
INSERT INTO tecpet_erp_integration_run AS run
       (integration_id, company_id, kind, last_at, message, down_since,
        requests_day, requests_today, sweep_day, sweep_calls)
SELECT i.id, i.company_id, %(kind)s, %(now)s, %(message)s,
       CASE WHEN %(message)s IS NOT NULL THEN %(now)s::timestamp END,
       %(today)s, %(calls)s, %(today)s, %(sweep)s
  FROM tecpet_erp_integration i
 WHERE i.id = %(integration)s
    ON CONFLICT (integration_id, kind) DO UPDATE SET
       last_at = EXCLUDED.last_at,
       message = CASE WHEN %(tells)s THEN EXCLUDED.message ELSE run.message END,
       down_since = COALESCE(run.down_since, EXCLUDED.down_since),
       requests_today = EXCLUDED.requests_today
           + CASE WHEN run.requests_day = EXCLUDED.requests_day THEN run.requests_today ELSE 0 END,
       requests_day = EXCLUDED.requests_day,
       sweep_calls = EXCLUDED.sweep_calls
           + CASE WHEN run.sweep_day = EXCLUDED.sweep_day THEN run.sweep_calls ELSE 0 END,
       sweep_day = EXCLUDED.sweep_day
"""
# The ERP answered a run: no outage any more, whichever run noted it.
_ANSWERED = "UPDATE tecpet_erp_integration_run SET down_since = NULL WHERE integration_id = %s"
_SELECT = f"SELECT {', '.join(ROW_FIELDS)} FROM tecpet_erp_integration_run WHERE integration_id = %s"


def quota_day():
    """Today in Brasília: the day of the providers' daily quotas (Bling's resets at midnight there)."""
    return dt.datetime.now(BRT).date()


class TecpetErpIntegrationRun(models.Model):
    _name = "tecpet.erp.integration.run"
    _description = "ERP Integration Run Statistics"
    _log_access = False  # written by SQL on a cursor of its own; last_at says when
    _rec_name = "kind"

    integration_id = fields.Many2one("tecpet.erp.integration", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    kind = fields.Selection(RUN_KINDS, required=True)
    last_at = fields.Datetime(string="Last Run")
    message = fields.Char(string="Last Problem")
    down_since = fields.Datetime(string="ERP Unreachable Since")
    requests_day = fields.Date()
    requests_today = fields.Integer()
    sweep_day = fields.Date()
    sweep_calls = fields.Integer(help="Calls of the read-back's sweep on sweep_day (its daily budget).")

    _sql_constraints = [
        ("integration_kind_unique", "unique(integration_id, kind)", "One row per integration and run kind."),
    ]

    def _erp_record(self, integration, kind, *, problem=None, calls=0, sweep_calls=0, clear_down=True):
        """Note a run of ``integration`` and commit it at once; return the integration's rows
        (dicts, as committed). ``problem``: '' the ERP answered, a text it did not, None the run
        cannot tell (its message and the outage stay). ``clear_down``: a run the ERP answered ends
        the outage (not while the credentials are refused)."""
        params = {
            "integration": integration.id,
            "kind": kind,
            "now": fields.Datetime.now(),
            "tells": problem is not None,
            "message": problem or None,
            "today": quota_day(),
            "calls": calls,
            "sweep": sweep_calls,
        }
        with self._erp_own_cursor(integration) as cr:
            cr.execute(_UPSERT, params)
            if problem == "" and clear_down:
                cr.execute(_ANSWERED, [integration.id])
            return self._erp_rows(cr, integration)

    def _erp_clear_problems(self, integration):
        """The ERP accepted the credentials just now: the runs' problems and outage are history."""
        with self._erp_own_cursor(integration) as cr:
            cr.execute(
                "UPDATE tecpet_erp_integration_run SET message = NULL WHERE integration_id = %s",
                [integration.id],
            )
            cr.execute(_ANSWERED, [integration.id])
            return self._erp_rows(cr, integration)

    def _erp_rows(self, cr, integration):
        cr.execute(_SELECT, [integration.id])
        return [dict(zip(ROW_FIELDS, row, strict=True)) for row in cr.fetchall()]

    def _erp_as_rows(self):
        """These records as the dicts ``_erp_record`` returns."""
        return [{name: run[name] or None for name in ROW_FIELDS} for run in self]

    @contextlib.contextmanager
    def _erp_own_cursor(self, integration):
        """A cursor of its own, holding the integration's statistics lock; committed on success.
        The job's transaction and its ORM cache never see these writes before they are invalidated."""
        key = zlib.crc32(f"tecpet_erp_sync.runs.{integration.id}".encode())
        with self.env.registry.cursor() as cr:
            cr.execute("SELECT pg_advisory_lock(%s)", [key])
            cr.commit()  # pylint: disable=invalid-commit
            # the next statement starts a snapshot that sees the previous holder's note
            try:
                yield cr
                cr.commit()  # pylint: disable=invalid-commit
            finally:
                cr.rollback()
                cr.execute("SELECT pg_advisory_unlock(%s)", [key])
                cr.commit()  # pylint: disable=invalid-commit
        self.invalidate_model()
        integration.invalidate_recordset()


class TecpetErpIntegration(models.Model):
    _inherit = "tecpet.erp.integration"

    # Runs, noted by the jobs in rows of their own (tecpet_erp_integration_run.py)
    run_ids = fields.One2many(
        "tecpet.erp.integration.run", "integration_id", string="Run Statistics", readonly=True
    )
    last_push_at = fields.Datetime(string="Last Send Run", compute="_compute_runs")
    last_push_message = fields.Char(string="Last Send Problem", compute="_compute_runs")
    last_refresh_at = fields.Datetime(string="Last Read-back Run", compute="_compute_runs")
    last_refresh_message = fields.Char(string="Last Read-back Problem", compute="_compute_runs")
    down_since = fields.Datetime(
        string="ERP Unreachable Since",
        compute="_compute_runs",
        search="_search_down_since",
        help="Empty while the ERP answers.",
    )
    requests_today = fields.Integer(compute="_compute_runs", help="Requests of the jobs today (Brasília).")
    sweep_calls_today = fields.Integer(
        compute="_compute_runs",
        help="Requests the read-back's sweep made today, out of its daily budget.",
    )
    sweep_daily_calls = fields.Integer(
        string="Sweep Daily Budget",
        compute="_compute_runs",
        help="Requests the sweep may make per day (system parameter tecpet_erp_sync.sweep_daily_calls).",
    )

    def _compute_runs(self):
        budget = self.env["tecpet.erp.document"]._erp_sweep_daily_calls()
        for integration in self:
            rows = integration.sudo().run_ids._erp_as_rows()
            integration.update({**runs_summary(rows), "sweep_daily_calls": budget})

    def _search_down_since(self, operator, value):
        return [("run_ids.down_since", operator, value)]

    # ------------------------------------------------------------------------------------------
    # What the jobs tell at the end of a run
    # ------------------------------------------------------------------------------------------
    @api.model
    def _erp_record_push_run(self):
        """End of a send run: its outcome per active integration, then the alerts. Noted in the
        integrations' run rows on a cursor of their own: the integration row is not written."""
        integrations = self.sudo().search([("active", "=", True)])
        retrying = dict(
            self.env["tecpet.erp.document"]
            .sudo()
            ._read_group(
                [
                    ("integration_id", "in", integrations.ids),
                    ("state", "=", "processing"),
                    ("error_kind", "=", "connection"),
                ],
                ["integration_id"],
                ["error_message:max"],
            )
        )
        for integration in integrations:
            problem = integration.last_check_message if integration.auth_failed else retrying.get(integration)
            integration._erp_record_run("push", problem or "")

    def _erp_record_run(self, kind, problem, sweep_calls=0):
        """Note a run (``kind``: push | refresh) and its problem ('' when it went well, None when
        the run does not tell), count the requests this transaction's clients made, and raise or
        close the alerts. Only a run that tells its outcome moves ``down_since``.

        Committed at once on a cursor of its own (``tecpet.erp.integration.run``): nothing of it
        is in the job's transaction, so it neither conflicts with another run nor is lost with it.
        """
        self.ensure_one()
        integration = self.sudo()
        rows = (
            self.env["tecpet.erp.integration.run"]
            .sudo()
            ._erp_record(
                integration,
                kind,
                problem=problem,
                calls=integration._erp_uncounted_calls(),
                sweep_calls=sweep_calls,
                clear_down=not integration.auth_failed,
            )
        )
        integration._erp_check_alerts(rows)

    def _erp_note_sweep(self, calls):
        """A chunk of the read-back's sweep made ``calls`` requests: counted against its daily
        budget at once (a run killed later does not give them back)."""
        self.ensure_one()
        self.env["tecpet.erp.integration.run"].sudo()._erp_record(
            self.sudo(), "refresh", calls=self.sudo()._erp_uncounted_calls(), sweep_calls=calls
        )

    def _erp_runs_answered(self):
        """A connection check just succeeded: the problems the runs noted before are stale."""
        for integration in self.sudo():
            rows = self.env["tecpet.erp.integration.run"].sudo()._erp_clear_problems(integration)
            integration._erp_check_alerts(rows)

    def _erp_uncounted_calls(self):
        """HTTP calls of this integration's clients in this transaction not counted yet."""
        cache = self.env.cr.cache
        counted = cache.setdefault(COUNTED_CACHE_KEY, {})  # cache key -> (client, calls counted)
        calls = 0
        for key, client in list(cache.items()):
            if isinstance(key, tuple) and key[:2] == (CLIENT_CACHE_KEY, self.id):
                known, before = counted.get(key, (None, 0))
                calls += client.calls - (before if known is client else 0)
                counted[key] = (client, client.calls)
        return calls


def runs_summary(rows, today=None):
    """What the integration shows of its run rows (dicts): per kind its last run and problem, the
    outage (since the first run that noted it), the requests and sweep calls of today."""
    today = today or quota_day()
    by_kind = {row["kind"]: row for row in rows}
    down = [row["down_since"] for row in rows if row["down_since"]]
    refresh = by_kind.get("refresh", {})
    return {
        **{f"last_{kind}_at": by_kind.get(kind, {}).get("last_at") or False for kind, _label in RUN_KINDS},
        **{
            f"last_{kind}_message": by_kind.get(kind, {}).get("message") or False
            for kind, _label in RUN_KINDS
        },
        "down_since": min(down, default=False),
        "requests_today": sum(row["requests_today"] or 0 for row in rows if row["requests_day"] == today),
        "sweep_calls_today": (refresh.get("sweep_calls") or 0) if refresh.get("sweep_day") == today else 0,
    }
