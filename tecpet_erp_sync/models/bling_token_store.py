# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bling OAuth tokens in a row of their own, written on their own cursor, one process at a time.

Bling rotates the refresh token at every refresh, so a new pair must be committed at once, and
two workers refreshing together would lock the account out. The tokens therefore live in
``tecpet_erp_bling_token`` (one row per integration), never on the integration row: a token save
commits on a dedicated cursor and cannot conflict with the request or job that triggered it
(the refresh run's ``refresh_cursor``, the Connect callback's messages), which keep writing the
integration row in their own transaction.

``lock()`` takes a PostgreSQL advisory lock on that dedicated cursor; ``load()`` inside it reads
in a fresh transaction what the previous holder committed. The store keeps the last pair it saw
in memory, so a refreshed token is used at once instead of a stale snapshot being re-read.
"""

import contextlib
import datetime as dt
import hashlib
import zlib

from odoo import fields, models

from ..erp.bling_oauth import TokenSet

_SELECT = (
    "SELECT access_token, refresh_token, expires_at, code_hash, code_ok, code_message, refreshed_at "
    "FROM tecpet_erp_bling_token WHERE integration_id = %s"
)


class TecpetErpBlingToken(models.Model):
    """The OAuth token pair of one Bling integration (system administrators only)."""

    _name = "tecpet.erp.bling.token"
    _description = "Bling OAuth Tokens"
    _rec_name = "integration_id"

    integration_id = fields.Many2one("tecpet.erp.integration", required=True, ondelete="cascade", index=True)
    access_token = fields.Char()
    refresh_token = fields.Char()
    expires_at = fields.Datetime()
    # When Bling issued the refresh token (it lapses 30 days later unless used): the keep-alive's clock.
    refreshed_at = fields.Datetime()
    # The last authorization code exchanged (its SHA-256): a retried callback does not send it again.
    code_hash = fields.Char()
    code_ok = fields.Boolean()
    code_message = fields.Char()

    _sql_constraints = [
        ("integration_unique", "unique(integration_id)", "An integration has one token pair."),
    ]


def _code_hash(code):
    return hashlib.sha256((code or "").encode("utf-8", "replace")).hexdigest()


def _to_timestamp(value):
    return value.replace(tzinfo=dt.timezone.utc).timestamp() if value else 0.0


def _to_datetime(timestamp):
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).replace(tzinfo=None)


class IntegrationTokenStore:
    def __init__(self, integration):
        self._integration = integration
        self._id = integration.id
        self._lock_cr = None
        self._tokens = None  # the last pair read or saved: never older than what this process did
        self._key = zlib.crc32(f"tecpet_erp_sync.bling_tokens.{integration.id}".encode())

    def __repr__(self):
        return f"IntegrationTokenStore(integration={self._id})"

    def _row(self):
        """The token row as committed now (inside the lock) or as this transaction sees it."""
        if self._lock_cr is not None:
            self._lock_cr.commit()  # pylint: disable=invalid-commit
            # a new transaction: see what the last holder of the lock committed
            self._lock_cr.execute(_SELECT, [self._id])
            return self._lock_cr.fetchone()
        self._integration.env["tecpet.erp.bling.token"].flush_model()
        self._integration.env.cr.execute(_SELECT, [self._id])
        return self._integration.env.cr.fetchone()

    def load(self):
        if self._lock_cr is None and self._tokens is not None:
            return self._tokens
        row = self._row()
        if not row or not row[0] or not row[1]:
            self._tokens = None
        else:
            self._tokens = TokenSet(
                access_token=row[0],
                refresh_token=row[1],
                expires_at=_to_timestamp(row[2]),
                refreshed_at=_to_timestamp(row[6]),
            )
        return self._tokens

    def save(self, tokens, *, code=None):
        """Persist both tokens at once (the old refresh token is dead), on the lock's cursor."""
        values = [
            tokens.access_token,
            tokens.refresh_token,
            _to_datetime(tokens.expires_at),
            _to_datetime(tokens.refreshed_at) if tokens.refreshed_at else None,
        ]
        self._upsert(
            "access_token = %s, refresh_token = %s, expires_at = %s, refreshed_at = %s",
            values,
            code=code,
            code_ok=True,
            code_message="",
        )
        self._tokens = tokens

    def code_outcome(self, code):
        """(ok, message) of an earlier exchange of this very code, or None if it was never sent."""
        row = self._row()
        if row and row[3] and row[3] == _code_hash(code):
            return bool(row[4]), row[5] or ""
        return None

    def record_code(self, code, ok, message):
        """Remember that ``code`` was sent (before the call) and how it ended (after it)."""
        self._upsert("", [], code=code, code_ok=ok, code_message=message)

    def _upsert(self, assignments, values, *, code, code_ok, code_message):
        columns = ["integration_id"]
        params = [self._id]
        sets = [assignments] if assignments else []
        if assignments:
            columns += ["access_token", "refresh_token", "expires_at", "refreshed_at"]
            params += values
        if code is not None:
            columns += ["code_hash", "code_ok", "code_message"]
            params += [_code_hash(code), code_ok, code_message]
            sets.append("code_hash = %s, code_ok = %s, code_message = %s")
            values = [*values, _code_hash(code), code_ok, code_message]
        placeholders = ", ".join(["%s"] * len(columns))
        query = (
            f"INSERT INTO tecpet_erp_bling_token ({', '.join(columns)}, create_date, write_date) "
            f"VALUES ({placeholders}, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC') "
            f"ON CONFLICT (integration_id) DO UPDATE SET {', '.join(sets)}, "
            "write_date = now() AT TIME ZONE 'UTC'"
        )
        with self._own_cursor() as cr:
            cr.execute(query, params + values)  # pylint: disable=sql-injection
            cr.commit()  # pylint: disable=invalid-commit
        self._integration.env["tecpet.erp.bling.token"].invalidate_model()
        self._integration.invalidate_recordset(
            [
                "bling_token_ids",
                "bling_access_token",
                "bling_refresh_token",
                "bling_token_expires_at",
                "bling_connected",
                "bling_refreshed_at",
                "bling_refresh_lapses_at",
            ]
        )

    @contextlib.contextmanager
    def _own_cursor(self):
        if self._lock_cr is not None:
            yield self._lock_cr
            return
        with self.lock():
            yield self._lock_cr

    @contextlib.contextmanager
    def lock(self):
        if self._lock_cr is not None:  # re-entrant
            yield
            return
        with self._integration.env.registry.cursor() as cr:
            cr.execute("SELECT pg_advisory_lock(%s)", [self._key])
            self._lock_cr = cr
            try:
                yield
            finally:
                self._lock_cr = None
                cr.rollback()
                cr.execute("SELECT pg_advisory_unlock(%s)", [self._key])
                cr.commit()  # pylint: disable=invalid-commit
