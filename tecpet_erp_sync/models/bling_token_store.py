# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bling OAuth tokens kept on the integration record, refreshed one process at a time.

Bling rotates the refresh token at every refresh, so two workers refreshing together would lock
the account out. ``lock()`` takes a PostgreSQL advisory lock on a dedicated connection and
``load()``/``save()`` run there in fresh transactions: the waiter reads what the previous holder
committed (Odoo's own cursors are REPEATABLE READ and would see a stale snapshot).
"""

import contextlib
import datetime as dt
import zlib

from odoo import SUPERUSER_ID, api

from ..erp.bling_oauth import TokenSet

_COLUMNS = "bling_access_token, bling_refresh_token, bling_token_expires_at"


class IntegrationTokenStore:
    def __init__(self, integration):
        self._integration = integration
        self._lock_cr = None
        self._key = zlib.crc32(f"tecpet_erp_sync.bling_tokens.{integration.id}".encode())

    def __repr__(self):
        return f"IntegrationTokenStore(integration={self._integration.id})"

    def load(self):
        if self._lock_cr is not None:
            self._lock_cr.commit()  # pylint: disable=invalid-commit
            # new transaction: see the last holder's committed tokens
            self._lock_cr.execute(
                f"SELECT {_COLUMNS} FROM tecpet_erp_integration WHERE id = %s", [self._integration.id]
            )
            row = self._lock_cr.fetchone()
        else:
            record = self._integration.sudo()
            row = (record.bling_access_token, record.bling_refresh_token, record.bling_token_expires_at)
        if not row or not row[0] or not row[1]:
            return None
        expires = row[2].replace(tzinfo=dt.timezone.utc).timestamp() if row[2] else 0.0
        return TokenSet(access_token=row[0], refresh_token=row[1], expires_at=expires)

    def save(self, tokens):
        values = {
            "bling_access_token": tokens.access_token,
            "bling_refresh_token": tokens.refresh_token,
            "bling_token_expires_at": dt.datetime.fromtimestamp(tokens.expires_at, dt.timezone.utc).replace(
                tzinfo=None
            ),
        }
        if self._lock_cr is not None:
            env = api.Environment(self._lock_cr, SUPERUSER_ID, {})
            env["tecpet.erp.integration"].browse(self._integration.id).write(values)
            self._lock_cr.commit()  # pylint: disable=invalid-commit
            # the old refresh token is dead: persist the new pair at once
            self._integration.invalidate_recordset(list(values))
        else:
            self._integration.sudo().write(values)

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
