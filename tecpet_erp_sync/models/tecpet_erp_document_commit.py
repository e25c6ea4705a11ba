# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""The claimed document's commit (``erp/claim.py`` decides): the owner locks its rows first and
checks its token; a commit PostgreSQL refuses is given back with what the ERP said."""

import logging

import psycopg2

from odoo import fields, models
from odoo.tools import SQL

from ..erp import claim as rules

_logger = logging.getLogger(__name__)

GIVE_BACK_RETRIES = 3  # a give-back refused in turn (another concurrent change) is tried again
# What a worker's transaction writes on its document: kept as plain values to write again when
# PostgreSQL refuses the commit for a reason that is not the document's (see ``rules.give_back``).
OUTCOME_FIELDS = (
    "state",
    "pending_action",
    "external_id",
    "external_number",
    "note_number",
    "error_message",
    "error_source",  # the message's templates: shown in its reader's language
    "error_kind",
    "maybe_sent",
    "attempts",
    "next_attempt_at",
    "last_sync_at",
    "note_requested",
    "read_error",
)


class ClaimLost(Exception):
    """The document carries another worker's token: its lease expired and it was claimed again."""


class TecpetErpDocument(models.Model):
    _inherit = "tecpet.erp.document"

    # ------------------------------------------------------------------------------------------
    # Commit
    # ------------------------------------------------------------------------------------------
    def _erp_lock_rows(self):
        """Lock this document and its invoice before a commit writes them; return the document's
        (claim token, pending action, state, attempts) as committed.

        Quiet: a row changed since this transaction's snapshot (a user's reset, another worker's
        commit) raises a serialization failure here, before the flush would log it as a bad query.
        """
        cr = self.env.cr
        self.flush_recordset(["claim_token"])  # written by the claim: committed, except in tests
        cr.execute(
            "SELECT claim_token, pending_action, state, attempts FROM tecpet_erp_document"
            " WHERE id = %s FOR NO KEY UPDATE",
            [self.id],
            log_exceptions=False,
        )
        row = cr.fetchone()
        cr.execute(
            "SELECT id FROM account_move WHERE id = %s FOR NO KEY UPDATE",
            [self.move_id.id],
            log_exceptions=False,
        )
        return row

    def _erp_lock_quietly(self, moves=None):
        """Lock these documents, then ``moves`` (invoices), until the end of the transaction: the
        order the owner's commit takes them in, so that writers never deadlock.

        Quiet: a row another transaction committed since this one began raises a serialization
        failure here, which each caller expects (the read-back is postponed, Odoo runs a user's
        request again), instead of in the ORM's flush, where it is logged as a bad query.
        """
        cr = self.env.cr
        for table, ids in (("tecpet_erp_document", self.ids), ("account_move", moves.ids if moves else [])):
            if ids:
                cr.execute(
                    SQL(
                        "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                        SQL.identifier(table),
                        tuple(ids),
                    ),
                    log_exceptions=False,
                )

    def _erp_lock_own_rows(self, claim):
        """``_erp_lock_rows``, and raise ClaimLost when the document is no longer ``claim``'s."""
        token = self._erp_lock_rows()[0]
        if not rules.may_commit(claim, token):
            raise ClaimLost(token)

    def _erp_release_claim(self):
        self.filtered("claim_token").write({"claim_token": False})

    def _erp_finish_claim(self, claim, with_commit):
        """The end of a claimed document's turn: commit (``_commit_or_give_back``), or in one
        transaction (tests) check and release the claim. False when the outcome was not written."""
        if with_commit:
            return self._commit_or_give_back(claim)
        try:
            self._erp_lock_own_rows(claim)
        except ClaimLost:
            _logger.info("ERP sync: document %s was claimed by another worker meanwhile", self.id)
            return False
        self._erp_release_claim()
        return True

    def _erp_outcome(self):
        """What this worker's transaction wrote on the document, as plain values."""
        self.ensure_one()
        return {name: self[name] for name in OUTCOME_FIELDS}

    def _commit_or_give_back(self, claim=None):
        """Commit this document's outcome while it is still this worker's; return False when the
        outcome was not written (the document is due again).

        PostgreSQL refuses the commit when another transaction changed the same rows meanwhile: a
        user's action on the invoice, or the other document of the invoice finished at once (see
        ``_touch_invoices_at_commit``). The worker then gives the document back in a new
        transaction (``rules.give_back``): its outcome written again when nobody asked for
        anything else, or else what it learned from the ERP kept for the user's wish.
        """
        outcome = self._erp_outcome()
        cr = self.env.cr
        try:
            self._erp_lock_own_rows(claim)
            self._erp_release_claim()
            cr.commit()  # pylint: disable=invalid-commit
            return True
        except ClaimLost as lost:
            cr.rollback()
            _logger.warning(
                "ERP sync: document %s was claimed by another worker (%s) while this one worked: "
                "its outcome %s is dropped",
                self.id,
                lost,
                {key: outcome[key] for key in rules.FACTS},
            )
            return False
        except psycopg2.extensions.TransactionRollbackError:  # serialization failure, deadlock
            cr.rollback()
        return self._erp_give_back(claim, outcome)

    def _erp_give_back(self, claim, outcome):
        cr = self.env.cr
        for _attempt in range(GIVE_BACK_RETRIES):
            try:
                token, pending, state, attempts = self._erp_lock_rows()
                decision = rules.give_back(
                    claim,
                    token_now=token,
                    pending_now=pending,
                    state_now=state,
                    outcome=outcome,
                    attempts_now=attempts,
                    now=fields.Datetime.now(),
                )
                if decision is None:
                    cr.rollback()
                    return False
                if not decision.replay:
                    _logger.info(
                        "ERP sync: document %s: a user asked for something else meanwhile (%s, %s); "
                        "the worker's outcome gives way, keeping %s",
                        self.id,
                        state,
                        pending,
                        {key: decision.vals[key] for key in rules.FACTS if key in decision.vals},
                    )
                self.invalidate_recordset()
                self.write(decision.vals)
                if decision.replay and claim and claim.pending == "cancel":
                    self._erp_hide_if_replaced()  # decided again on the invoice as it now is
                self._erp_release_claim()
                cr.commit()  # pylint: disable=invalid-commit
                return decision.replay
            except psycopg2.extensions.TransactionRollbackError:
                cr.rollback()
        _logger.info("ERP sync: document %s could not be given back; its lease will expire", self.id)
        return False
