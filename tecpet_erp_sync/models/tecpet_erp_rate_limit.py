# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One request window per ERP account, in PostgreSQL: every worker process and every server of
the database shares it, so together they stay within the account's limit (Bling: 3 requests/s).

A window update takes a session advisory lock on a cursor of its own, then reads and writes the
row in a *new* transaction: the snapshot is taken after the lock, so it always sees the previous
holder's commit (no serialization failure, no stale read), and nothing of it runs in the
document's transaction. The time is PostgreSQL's ``clock_timestamp()``, one clock for all servers.
"""

import json
import zlib

from odoo import fields, models


class TecpetErpRateLimit(models.Model):
    _name = "tecpet.erp.rate.limit"
    _description = "ERP Request Window"
    _log_access = False

    key = fields.Char(required=True, index=True)
    calls = fields.Char(help="Start times (epoch seconds) of the last requests, JSON.")
    paused_until = fields.Float(help="No request before this time (epoch seconds).")

    _sql_constraints = [("key_unique", "unique(key)", "One window per ERP account.")]


class PgWindowStore:
    """The ``WindowStore`` of ``erp/ratelimit.py`` for one account key, in this database."""

    def __init__(self, registry, key):
        self._registry = registry
        self.key = key
        self._lock_key = zlib.crc32(f"tecpet_erp_sync.rate.{key}".encode())

    def __repr__(self):
        return f"PgWindowStore({self.key!r})"

    def update(self, change):
        with self._registry.cursor() as cr:
            cr.execute("SELECT pg_advisory_lock(%s)", [self._lock_key])
            cr.commit()  # pylint: disable=invalid-commit
            # the next statement starts a snapshot that sees the previous holder's window
            try:
                cr.execute(
                    "SELECT calls, paused_until, extract(epoch FROM clock_timestamp())::float8 "
                    "FROM tecpet_erp_rate_limit WHERE key = %s",
                    [self.key],
                )
                row = cr.fetchone()
                if row is None:
                    cr.execute("SELECT extract(epoch FROM clock_timestamp())::float8")
                    row = (None, 0.0, cr.fetchone()[0])
                calls, paused_until, result = change(json.loads(row[0] or "[]"), row[1] or 0.0, row[2])
                cr.execute(
                    """
                    INSERT INTO tecpet_erp_rate_limit (key, calls, paused_until) VALUES (%s, %s, %s)
                    ON CONFLICT (key)
                    DO UPDATE SET calls = EXCLUDED.calls, paused_until = EXCLUDED.paused_until
                    """,
                    [self.key, json.dumps(calls), paused_until],
                )
                cr.commit()  # pylint: disable=invalid-commit
            finally:
                cr.rollback()
                cr.execute("SELECT pg_advisory_unlock(%s)", [self._lock_key])
                cr.commit()  # pylint: disable=invalid-commit
        return result
