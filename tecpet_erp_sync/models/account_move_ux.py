# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""Around the column: the sending policy, the fiscal note, and the bulk actions on a selection."""

from odoo import api, fields, models

# Context key of the "Send to ERP" wizard: its invoices are older than the start date on purpose.
BACKFILL = "tecpet_erp_backfill"


# A file of its own, beside account_move.py, so that parallel work on the invoice's life cycle
# and on what surrounds the column merge without conflicts.
class AccountMove(models.Model):
    _inherit = "account.move"

    erp_excluded = fields.Boolean(
        string="Excluded from ERP",
        readonly=True,
        copy=False,
        tracking=True,
        help="Not sent to the ERP (Action → Exclude from ERP) until included again (Action → Include in "
        "ERP again); the reason is in the chatter.",
    )
    erp_note_document_ids = fields.One2many(
        "tecpet.erp.document",
        compute="_compute_erp_note_document_ids",
        string="Fiscal Notes",
        help="The ERP documents of this invoice whose fiscal note is issued.",
    )
    erp_note_numbers = fields.Char(
        string="Fiscal Note",
        compute="_compute_erp_note_document_ids",
        search="_search_erp_note_numbers",
        help="Number of the invoice's fiscal notes (NF-e, NFS-e) in the ERP.",
    )

    @api.depends("erp_document_ids.note_number")
    def _compute_erp_note_document_ids(self):
        for move in self:
            docs = move.erp_document_ids.filtered("note_number")
            move.erp_note_document_ids = docs
            move.erp_note_numbers = ", ".join(docs.mapped("note_number")) or False

    @api.model
    def _search_erp_note_numbers(self, operator, value):
        """The invoices whose fiscal note has this number, access key or verification code."""
        if operator not in ("ilike", "=", "=ilike"):
            return [("erp_document_ids.note_number", operator, value)]
        docs = (
            self.env["tecpet.erp.document"]
            .sudo()
            ._search(["|", ("note_number", operator, value), ("note_key", operator, value)])
        )
        return [("erp_document_ids", "in", docs)]

    # ------------------------------------------------------------------------------------------
    # Sending policy (PRODUCT 2.9: start date, opted-out customer, excluded invoice)
    # ------------------------------------------------------------------------------------------
    def _erp_sending_allowed(self, integration):
        """Whether the sending policy lets this invoice go to ``integration``.

        Reads only values already loaded with the invoices and their customers (one query for a
        whole batch, none per invoice), so posting stays as fast as before.
        """
        self.ensure_one()
        if not integration or self.erp_excluded or self.commercial_partner_id.erp_opt_out:
            return False
        if self._erp_waits_for_payment(integration):  # send_trigger: tecpet_erp_integration_trigger.py
            return False
        start = integration.start_date
        if start and not self.env.context.get(BACKFILL):
            return (self.invoice_date or self.date) >= start
        return True

    # ------------------------------------------------------------------------------------------
    # Bulk actions: each says what it did
    # ------------------------------------------------------------------------------------------
    def _erp_notify(self, title, message, warning=False, reload=False):
        """A notification that then reloads the list or form it was run from (``reload``: the view
        behind the dialog, for a wizard opened from a menu)."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": "warning" if warning else "success",
                "sticky": warning,
                # Closing calls back the view, which reloads its records (the column, the form).
                "next": {"type": "ir.actions.client", "tag": "soft_reload"}
                if reload
                else {"type": "ir.actions.act_window_close"},
            },
        }

    def action_erp_refresh_status(self):
        """Ask the refresh job to read these invoices' documents back from the ERP now.

        Returns at once: the reading happens in the job, with one list call per integration.
        """
        docs = self.erp_document_ids.sudo()
        readable = docs.filtered(lambda d: d.external_id and not d.pending_action)
        readable.write({"recheck": True})  # the refresh job reads flagged documents first
        if readable:
            self.env.ref("tecpet_erp_sync.ir_cron_refresh_status")._trigger()
        asked = readable.move_id
        busy = (docs - readable).move_id - asked
        outside = self - asked - busy
        parts = []
        if asked:
            parts.append(
                self.env._("%(count)s invoice(s) will be read back from the ERP now.", count=len(asked))
            )
        if busy:
            parts.append(
                self.env._(
                    "%(count)s not yet in the ERP or still being sent: %(names)s.",
                    count=len(busy),
                    names=", ".join(busy.mapped("name")),
                )
            )
        if outside:
            parts.append(self.env._("%(count)s outside the ERP flow.", count=len(outside)))
        return self._erp_notify(self.env._("Refresh ERP status"), " ".join(parts), warning=not asked)

    def action_erp_open_exclude_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Exclude from ERP"),
            "res_model": "tecpet.erp.exclude.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": self.ids},
        }

    def action_erp_include(self):
        """Undo *Exclude from ERP*: the invoices may go to the ERP again. The posted ones the
        sending policy lets go are queued at once; older ones are then for *Send to ERP*."""
        excluded = self.filtered("erp_excluded")
        excluded.write({"erp_excluded": False})
        # A note in the chatter, which needs no sender e-mail address (a clerk may have none).
        excluded._message_log_batch(
            dict.fromkeys(excluded.ids, self.env._("Included in the ERP flow again."))
        )
        excluded._erp_create_documents()
        queued = excluded.filtered("erp_document_ids")
        parts = [self.env._("%(count)s invoice(s) back in the ERP flow and queued.", count=len(queued))]
        if excluded - queued:
            parts.append(
                self.env._(
                    "%(count)s no longer excluded but not queued (not posted, dated before the "
                    "integration's start date, or left out by the sending policy): %(names)s.",
                    count=len(excluded - queued),
                    names=", ".join((excluded - queued).mapped("name")),
                )
            )
            parts.append(self._erp_backfill_hint())
        if self - excluded:
            parts.append(self.env._("%(count)s were not excluded.", count=len(self - excluded)))
        return self._erp_notify(self.env._("Include in ERP again"), " ".join(parts), warning=not queued)

    @api.model
    def _erp_backfill_hint(self):
        """Who brings older invoices into the flow, in words that fit the user's menus."""
        if self.env.user.has_group("account.group_account_manager") or self.env.user.has_group(
            "base.group_system"
        ):
            return self.env._(
                "Older invoices go in with Invoicing → Reporting → ERP Sync → Send Older Invoices to ERP."
            )
        return self.env._("To send older invoices, ask an accounting manager (Send Older Invoices to ERP).")

    @api.model
    def _group_expand_service_order_state(self, states, domain):
        """Grouped by the column: the states present, in the order of the flow (2.2), not by name."""
        return [key for key, _label in self._fields["service_order_state"].selection if key in states]

    # ------------------------------------------------------------------------------------------
    # Reprocess
    # ------------------------------------------------------------------------------------------
    def action_erp_reprocess(self):
        """Re-validate and re-queue the failed or stuck documents of the selected invoices.

        Returns at once; the sending happens in the push job. A document is never sent twice:
        the job searches the ERP for its marker whenever an earlier send may have arrived.
        Invoices outside the flow ("—") stay outside: bringing older ones in is Send to ERP's job.
        Invoices a push worker is sending right now are left alone (PRODUCT 2.12): their documents
        are the worker's until it commits, and Reprocess is for them once it is done.
        """
        moves = self.filtered(
            lambda m: m.move_type == "out_invoice" and m.state in ("posted", "cancel", "draft")
        )
        docs = moves.erp_document_ids.sudo().filtered(lambda d: d.state in ("error", "processing"))
        busy = docs._erp_claimed().move_id
        docs = docs.filtered(lambda d: d.move_id not in busy)
        failing = self.env["account.move"]
        for move, move_docs in docs.grouped("move_id").items():
            sends = move_docs.filtered(lambda d: d.pending_action == "push")
            problems = sends[:1]._erp_validation_problems() if sends else ""
            if problems:
                # Only what would be sent fails: an old document's cancel still goes.
                sends._erp_set_error(problems, "data")
                (move_docs - sends)._requeue()
                failing |= move
            else:
                move_docs._requeue()
        queued = docs.move_id - failing
        return self._erp_reprocess_notification(queued, failing, busy)

    def _erp_reprocess_notification(self, queued, failing, busy=None):
        outside = self.filtered(lambda m: not m.erp_document_ids)
        busy_text = (
            self.env._(
                "%(count)s being sent to the ERP right now, left as they are: %(names)s. "
                "Reprocess them once the Service Order column shows how it went.",
                count=len(busy),
                names=", ".join(busy.mapped("name")),
            )
            if busy
            else ""
        )
        if outside and not (queued or failing or busy):
            message = self.env._(
                "Nothing to reprocess: the selected invoices are outside the ERP flow. "
                "To send older invoices, use Send to ERP on the ERP integration."
            )
        elif failing:
            message = self.env._(
                "%(queued)s invoice(s) queued. %(failing)s still fail validation: %(names)s. "
                "Open them to see what to fix.",
                queued=len(queued),
                failing=len(failing),
                names=", ".join(failing.mapped("name")),
            )
        elif queued:
            message = self.env._("%(queued)s invoice(s) queued for the ERP.", queued=len(queued))
        elif busy:
            message = ""
        else:
            message = self.env._(
                "Nothing to reprocess: none of the selected invoices has a failed or pending ERP document."
            )
        idle = self - outside - queued - failing - (busy or self.browse())
        untouched = self._erp_untouched_text(idle) if idle and (queued or failing or outside or busy) else ""
        message = " ".join(part for part in (message, busy_text, untouched) if part)
        stays = bool(failing or busy)  # the user has something to read again later
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Reprocess"),
                "message": message,
                "type": "warning" if stays or not queued else "success",
                "sticky": stays,
                # Closing calls back the list or form the action ran from, which reloads its records.
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _erp_untouched_text(self, idle):
        """The selected invoices a bulk action left as they were, each with where it stands."""
        states = dict(self._fields["service_order_state"]._description_selection(self.env))
        return self.env._(
            "%(count)s needed no action: %(names)s.",
            count=len(idle),
            names=", ".join(f"{move.name} ({states.get(move.service_order_state, '—')})" for move in idle),
        )

    # ------------------------------------------------------------------------------------------
    # Column visibility: only for users whose companies have an active integration.
    # ------------------------------------------------------------------------------------------
    @api.model
    def _erp_column_enabled(self):
        return bool(
            self.env["tecpet.erp.integration"]
            .sudo()
            .search_count([("company_id", "in", self.env.companies.ids), ("active", "=", True)], limit=1)
        )

    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        key = super()._get_view_cache_key(view_id, view_type, **options)
        return key + (self._erp_column_enabled(),) if view_type == "list" else key

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "list" and not self._erp_column_enabled():
            for node in arch.xpath("//field[@name='service_order_state']"):
                node.set("column_invisible", "1")
        return arch, view
