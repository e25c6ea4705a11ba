# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""The claim of a due document by one push worker and its lease (``erp/claim.py`` decides; this
file and ``tecpet_erp_document_commit`` are the only ones that write ``claim_token`` and
``next_attempt_at``).

Each document is selected under ``FOR NO KEY UPDATE SKIP LOCKED`` and the claim (a token on the
document, a lease in ``tecpet.erp.claim``, ``maybe_sent``) is committed *before* any call: a crash
at any point leaves a document that the next claim after the lease resumes by searching the ERP
for its marker, so nothing is lost and nothing is sent twice.
"""

import logging
import threading
from contextlib import contextmanager

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from ..erp import claim as rules

_logger = logging.getLogger(__name__)

CLAIM_RETRIES = 5  # selections refused by a concurrent claim (serialization failure) before giving up
STALE_CLAIMS = "1 hour"  # finished or expired claims older than this are deleted by the next claim


def renew_lease(registry, token):
    """Move the lease of ``token`` forward, on a cursor of its own (committed at once)."""
    with registry.cursor() as cr:
        cr.execute("SET LOCAL lock_timeout = '5s'")
        cr.execute(
            "UPDATE tecpet_erp_claim SET lease_until = (now() AT TIME ZONE 'UTC') + %s * interval '1 second'"
            " WHERE token = %s",
            [rules.LEASE.total_seconds(), token],
        )
        return cr.rowcount


class TecpetErpDocument(models.Model):
    _inherit = "tecpet.erp.document"

    claim_token = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The push worker that holds this document (its lease is in ERP Push Claims).",
    )

    # ------------------------------------------------------------------------------------------
    # When a document is due
    # ------------------------------------------------------------------------------------------
    def _erp_schedule(self, when, retry_after=0.0):
        """Set when these documents are due next (``rules.schedule``). Never touches a claim: a
        user's action on a document a worker holds makes it due once the worker is done."""
        now = fields.Datetime.now()
        for doc in self:
            doc.next_attempt_at = rules.schedule(when, now, retry_after, known=bool(doc.external_id))

    @api.model
    def _erp_live_claims(self):
        """The tokens of the claims whose lease has not expired (a handful: one per busy worker)."""
        claims = self.env["tecpet.erp.claim"].sudo().search([("lease_until", ">", fields.Datetime.now())])
        return claims.mapped("token")

    def _erp_claimed(self):
        """These documents that a push worker holds right now (its lease is live)."""
        live = set(self._erp_live_claims())
        return self.filtered(lambda d: d.claim_token and d.claim_token in live)

    @api.model
    def _erp_claim_domain(self):
        """Documents no live claim holds, whose backoff is over."""
        now = fields.Datetime.now()
        return [
            ("claim_token", "not in", self._erp_live_claims()),
            "|",
            ("next_attempt_at", "=", False),
            ("next_attempt_at", "<=", now),
        ]

    # ------------------------------------------------------------------------------------------
    # Claim
    # ------------------------------------------------------------------------------------------
    def _due_rows(self, domain, limit=None):
        """(id, maybe_sent) of the due documents of ``domain`` no other transaction holds, locked.
        Quiet: a refusal (a row claimed after this snapshot) is expected and handled by the caller."""
        query = self._search(self._push_domain() + domain, order="next_attempt_at, id", limit=limit)
        table = SQL.identifier(self._table)
        sql = SQL(
            "%s FOR NO KEY UPDATE OF %s SKIP LOCKED",
            query.select(SQL("%s.id, %s.maybe_sent", table, table)),
            table,
        )
        self.env.flush_query(sql)
        self.env.cr.execute(sql, log_exceptions=False)
        return self.env.cr.fetchall()

    @api.model
    def _claim_next(self, with_commit, handled=(), finished=()):
        """Select and lock the next due document no other worker holds, with the other due
        documents of its invoice, and claim them; return {document: its ``rules.Claim``}, empty
        when none is left.

        ``SKIP LOCKED`` is in the selection itself: a second worker passes over the rows the first
        is claiming and takes the next ones. An invoice's documents go to one worker. The claim
        (token, lease, ``maybe_sent``) is committed before any call, so the locks last a few
        milliseconds and the lease keeps the documents out of every other worker's selection.
        ``finished``: the tokens of claims this worker is done with (their lease rows go).
        """
        # An earlier document of this run may have flagged the integration (without commit in tests).
        self.env["tecpet.erp.integration"].flush_model(["active", "auth_failed"])
        skip = [("id", "not in", list(handled))] if handled else []
        for _attempt in range(CLAIM_RETRIES):
            try:
                with self.env.cr.savepoint(flush=False):
                    self._erp_forget_claims(finished)
                    rows = self._due_rows(skip, limit=1)
                    if rows:
                        first = self.browse(rows[0][0])
                        rows += self._due_rows(
                            skip + [("move_id", "=", first.move_id.id), ("id", "!=", first.id)]
                        )
                break
            except psycopg2.errors.SerializationFailure:
                # Another worker claimed and committed a row after our snapshot (REPEATABLE READ):
                # a new transaction sees its claim and selects past it.
                if not with_commit:
                    return {}
                self.env.cr.rollback()
        else:
            return {}
        if not rows:
            return {}
        token = rules.new_token()
        self.env["tecpet.erp.claim"].sudo().create(
            {"token": token, "lease_until": rules.lease_until(fields.Datetime.now())}
        )
        claimed = {}
        for doc_id, maybe_sent in rows:
            doc = self.browse(doc_id)
            doc.invalidate_recordset()
            claimed[doc] = rules.Claim(token, doc.pending_action or None, doc.state, bool(maybe_sent))
            doc.write(
                {
                    "attempts": doc.attempts + 1,
                    "claim_token": token,
                    "maybe_sent": bool(maybe_sent) or doc.pending_action == "push",
                }
            )
        if with_commit:
            # Persist the claim before any call: if we crash during it, the next run searches first.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return claimed

    @api.model
    def _erp_forget_claims(self, tokens=()):
        """Delete the lease rows of finished claims (``tokens``) and of long-expired ones."""
        self.env.cr.execute(
            SQL(
                "DELETE FROM tecpet_erp_claim WHERE token = ANY(%s)"
                " OR lease_until < (now() AT TIME ZONE 'UTC') - interval %s",
                list(tokens),
                STALE_CLAIMS,
            ),
            log_exceptions=False,
        )

    @contextmanager
    def _erp_keep_lease(self, claim, with_commit):
        """Renew ``claim``'s lease every ``rules.RENEW_EVERY`` seconds while the block runs (the
        ERP calls of one document), from a thread with a cursor of its own."""
        if not with_commit or claim is None:
            yield
            return
        stop = threading.Event()
        registry = self.env.registry

        def renew():
            while not stop.wait(rules.RENEW_EVERY):
                try:
                    renew_lease(registry, claim.token)
                except Exception:  # the lease then expires as if the worker had died: safe
                    _logger.warning("ERP sync: could not renew the claim %s", claim.token, exc_info=True)

        thread = threading.Thread(target=renew, name=f"erp-lease-{claim.token[:6]}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(10)
