# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""What a claimed document does (push, cancel, issue its note) and what a failure means for it
(``outcome.classify``: retry, wait, hand over, fail, stop the integration), in words for its users."""

import logging

import psycopg2

from odoo import fields, models

from ..erp import lifecycle, outcome
from ..erp.claim import When
from ..erp.contract import DocRef, DocState, DocType
from ..erp.errors import DataError
from .erp_texts import Texts, erp_error_text

_logger = logging.getLogger(__name__)

# A document with nothing left to do and nothing to report: after a success, or handed over.
NOTHING_PENDING = {
    "pending_action": False,
    "maybe_sent": False,
    "error_message": False,
    "error_kind": False,
    "attempts": 0,
}


class TecpetErpDocument(models.Model):
    _inherit = "tecpet.erp.document"

    def _client(self):
        return self.integration_id._erp_client()

    def _do_push(self, maybe_sent, lines, customer):
        order = self.move_id._erp_order_request(self, lines, customer)
        bindings = self.env["tecpet.erp.partner.binding"]
        try:
            result = self._client().push(order, maybe_exists=maybe_sent)
        except DataError:
            # "Fix the customer, Reprocess": the next send checks the ERP's copy, even unchanged here.
            bindings._erp_forget_data(self.move_id.partner_id, self.integration_id)
            raise
        if result.customer:
            bindings._erp_remember(self.move_id.partner_id, self.integration_id, result.customer)
        self._erp_set_done(
            result.state.value, external_id=result.external_id, external_number=result.external_number
        )
        self._erp_request_note_if_ready()  # an adopted document may already be paid and done

    def _erp_request_note_if_ready(self):
        """With "issue fiscal notes" on, a document ready for its note gets it requested once,
        whatever brought it there (push, adoption, read-back, the option switched on)."""
        for doc in self:
            if lifecycle.wants_note(
                DocState(doc.state),
                issue_notes=doc.integration_id.issue_fiscal_notes,
                note_requested=doc.note_requested,
            ):
                doc._erp_apply(lifecycle.Change(pending=lifecycle.Pending.ISSUE))

    def _do_cancel(self, maybe_sent):
        client = self._client()
        if not self.external_id and maybe_sent:
            found = client.find(DocType(self.doc_type), self.marker, self.move_id.invoice_date)
            if found:
                self.external_id = found.external_id
        if self.external_id:
            client.cancel(DocRef(DocType(self.doc_type), self.external_id, self.marker))
        self._erp_set_done("canceled")
        self._erp_hide_if_replaced()

    def _erp_hide_if_replaced(self):
        """After the cancellation Odoo asked for: hidden when a re-posting replaced the document."""
        self._erp_apply(lifecycle.on_cancel_done(invoice_stands=self.move_id.sudo()._erp_stands()))

    def _do_issue(self):
        status = self._client().issue_note(DocRef(DocType(self.doc_type), self.external_id, self.marker))
        self._erp_set_done(status.state.value, note_number=status.note_number)

    def _erp_set_done(self, state, **extra):
        self.write({**NOTHING_PENDING, "state": state, "last_sync_at": fields.Datetime.now(), **extra})
        self._erp_schedule(When.DONE)

    def _hand_over_to_erp_users(self, message):
        """The ERP's API cannot do what was asked (VHSYS cannot issue a sales order's NF-e): stop
        asking, say once on the invoice what to do in the ERP, keep reading the state back."""
        self.write(NOTHING_PENDING)
        self._erp_schedule(When.DONE)
        self.move_id.sudo().message_post(body=message)

    def _erp_apply_failure(self, exc, action):
        """Apply what ``outcome.classify`` says of ``exc``; False when the document made no
        progress (the account's limit: it goes again after it and the run does not count it)."""
        result = outcome.classify(exc, action=action, attempts=self.attempts)
        if result.hint is outcome.Hint.UNEXPECTED:
            _logger.exception("ERP sync: unexpected error on document %s", self.id)
        if result.action is outcome.Action.WAIT:
            self.attempts -= 1
            self._erp_schedule(When.RETRY, result.retry_after)
            return False
        if result.action is outcome.Action.RETRY:  # still in flight: the reason stays visible
            self.write(
                {
                    "error_message": erp_error_text(self.env, exc),
                    "error_kind": result.kind,
                    "maybe_sent": self.maybe_sent or result.maybe_sent,
                }
            )
            self._erp_schedule(When.RETRY, result.retry_after)
        elif result.action is outcome.Action.HAND_OVER:
            self._hand_over_to_erp_users(erp_error_text(self.env, exc))
        else:  # FAIL, or STOP_INTEGRATION which fails the document too
            if result.action is outcome.Action.STOP_INTEGRATION:
                self._erp_stop_integration(exc)
            self._erp_set_error(self._erp_failure_text(exc, result.hint), result.kind)
        return None

    def _erp_failure_text(self, exc, hint):
        """The user's message for a failed document, in the job's language."""
        Hint = outcome.Hint
        texts = Texts(self.env)  # remembers the templates: a reader sees the error in their language
        if hint is Hint.FIX_CREDENTIALS:
            return texts._(
                "The ERP rejected the integration's credentials. Check the ERP integration (Invoicing → "
                "Configuration → ERP Integrations) or contact support; the invoice is resent "
                "once the connection works."
            )
        if hint is Hint.UNREACHABLE:
            return texts._(
                "The ERP could not be reached after %(attempts)s attempts (%(reason)s). "
                "Check the ERP integration or contact support, then Reprocess.",
                attempts=self.attempts,
                reason=erp_error_text(self.env, exc, quote_erp=False),
            )
        if hint is Hint.UNEXPECTED:
            return texts._(
                "Unexpected error while talking to the ERP. Contact support; the details are in the "
                "server log."
            )
        if hint is Hint.FIX_RECORD:
            return texts._(
                "%(message)s\nFix the customer (or product) and Reprocess the invoice.",
                message=erp_error_text(self.env, exc),
            )
        # ERP_REFUSED: a refused cancel or note issue says itself what to do (e.g. cancel the note
        # first), the customer is not what is wrong; FIX_SETUP, FIX_INVOICE: the message names what
        # to change.
        return erp_error_text(self.env, exc)

    def _erp_stop_integration(self, exc):
        """The credentials were refused: no job calls this ERP account until they are fixed.

        Committed on a cursor of its own when the job commits: the document's own commit may be
        refused (a user acted on the invoice meanwhile), and the other workers must stop at once.
        """
        values = {
            "auth_failed": True,
            "last_check_ok": False,
            "last_check_message": erp_error_text(self.env, exc),
            "last_check_at": fields.Datetime.now(),
        }
        body = self.env._(
            "The ERP rejected the credentials: the jobs stopped calling it. "
            "Fix the credentials and press Test connection."
        )
        if self.env["account.move"]._can_commit():
            try:
                with self.env.registry.cursor() as cr:
                    integration = (
                        self.env(cr=cr)["tecpet.erp.integration"].sudo().browse(self.integration_id.id)
                    )
                    integration.write(values)
                    integration.message_post(body=body)
                self.integration_id.invalidate_recordset()
                return
            except psycopg2.extensions.TransactionRollbackError:  # the integration changed meanwhile
                _logger.info(
                    "ERP sync: integration %s flagged with the document's commit", self.integration_id.id
                )
        integration = self.integration_id.sudo()
        integration.write(values)
        integration.message_post(body=body)

    def _erp_set_error(self, message, kind):
        """Put documents in error and tell the invoice's chatter once (not at every retry)."""
        for doc in self:
            already = doc.state == "error" and doc.error_message == message
            doc.write({"state": "error", "error_message": message, "error_kind": kind})
            if not already:
                doc.move_id.sudo().message_post(
                    body=self.env._(
                        "ERP %(type)s failed: %(message)s",
                        type=dict(doc._fields["doc_type"]._description_selection(self.env))[doc.doc_type],
                        message=message,
                    ),
                )

    def _erp_validation_problems(self):
        """The message of ``account.move._erp_check_before_send`` for this document ('' when valid)."""
        self.ensure_one()
        return self.move_id._erp_check_before_send(self)
