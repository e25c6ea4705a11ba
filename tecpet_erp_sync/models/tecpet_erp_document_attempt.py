# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""The history of a document's tries, for support: when, which calls, what the ERP answered and
how we read it. Recorded around each try of the push job (``_erp_attempt_log``), written in the
same transaction as the document's outcome, scrubbed of secrets and personal data, the last
``tecpet_erp_sync.attempt_history_size`` (default 20) kept per document."""

import contextlib
import time

from odoo import fields, models

from ..erp import attempts, outcome
from .erp_params import number_param
from .tecpet_erp_document import PENDING_ACTIONS
from .tecpet_erp_integration import CREDENTIAL_FIELDS

HISTORY_SIZE_PARAM = "tecpet_erp_sync.attempt_history_size"
HISTORY_SIZE = 20
OUTCOMES = [
    (attempts.DONE, "Done"),
    (attempts.CHECKS, "Stopped by the checks"),
    ("refused", "Refused by the ERP"),
    ("setup", "Refused: integration setup"),
    ("credentials", "Credentials refused"),
    ("retry", "Retried later"),
    ("wait", "Waiting for the ERP's limit"),
    ("handed_over", "Left to the ERP's users"),
    ("unreachable", "Gave up: ERP unreachable"),
    ("unexpected", "Unexpected error"),
]


class TecpetErpDocumentAttempt(models.Model):
    """One try of an ERP document by the push job (invoicing managers only)."""

    _name = "tecpet.erp.document.attempt"
    _description = "ERP Document Attempt"
    _order = "id desc"
    _rec_name = "operation"

    document_id = fields.Many2one(
        "tecpet.erp.document", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="document_id.company_id", store=True, index=True)
    operation = fields.Selection(PENDING_ACTIONS, readonly=True)
    calls = fields.Text(readonly=True, help="The requests of this try: method, path and HTTP status.")
    http_status = fields.Integer(string="HTTP Status", readonly=True, help="Of the last answer.")
    erp_message = fields.Text(
        string="ERP Answer", readonly=True, help="What the ERP wrote, secrets and personal data masked."
    )
    outcome = fields.Selection(OUTCOMES, readonly=True)
    message = fields.Text(
        string="Message Shown", readonly=True, help="What the document said after this try."
    )
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)


class TecpetErpDocument(models.Model):
    _inherit = "tecpet.erp.document"

    attempt_ids = fields.One2many(
        "tecpet.erp.document.attempt",
        "document_id",
        string="Attempts",
        readonly=True,
        groups="account.group_account_manager",
    )

    @contextlib.contextmanager
    def _erp_attempt_log(self):
        """Record this document's try (the push job's ``_run_pending_action``) in its history."""
        self.ensure_one()
        operation = self.pending_action
        started = time.monotonic()
        with attempts.recording() as attempt:
            yield attempt
        self._erp_keep_attempt(operation, attempt, int((time.monotonic() - started) * 1000))

    def _erp_apply_failure(self, exc, action):
        attempt = attempts.current()
        if attempt is not None:
            attempt.error = exc
            attempt.outcome = attempts.reading(outcome.classify(exc, action=action, attempts=self.attempts))
        return super()._erp_apply_failure(exc, action)

    def _erp_keep_attempt(self, operation, attempt, duration_ms):
        integration = self.integration_id.sudo()
        secrets = [integration[name] or "" for name in CREDENTIAL_FIELDS]
        reading = attempt.outcome or (
            attempts.CHECKS if self.state == "error" and not attempt.calls else attempts.DONE
        )
        History = self.env["tecpet.erp.document.attempt"].sudo()
        History.create(
            {
                "document_id": self.id,
                "operation": operation,
                "calls": attempt.calls_text(),
                "http_status": attempt.http_status or 0,
                "erp_message": attempts.scrub(attempt.erp_message(), secrets) or False,
                "outcome": reading,
                "message": attempts.scrub(self.error_message or "", secrets) or False,
                "duration_ms": duration_ms,
            }
        )
        keep = number_param(self.env, HISTORY_SIZE_PARAM, HISTORY_SIZE, minimum=1, maximum=1000)
        History.search([("document_id", "=", self.id)], offset=keep, order="id desc").unlink()
