# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.2.0: the issue dates 18.0.1.0.0 never wrote, and the run statistics in rows of their own.

- ``issued_at`` arrived in 18.0.1.1.0 without a value for the documents already issued: the
  read-back re-reads issued documents for ``note_final_days`` after that date, so these were never
  read again (a note cancelled in the ERP went unseen, N13). Their last write is the best date
  known: at worst they are re-read for 30 more days.
- ``paid_at`` is new (the overdue-notes alert counted from the last read, which the sweep keeps
  recent): the paid documents get their last read.
- The runs' statistics moved from the integration row to ``tecpet_erp_integration_run`` (N4): the
  last values are kept there and the old columns dropped, so nothing reads a stale copy.
- The read-back cron gets priority 4, ahead of the push workers' 5: under a backlog of documents
  to send, the cron workers take it first when both are due.
"""

OLD_COLUMNS = (
    "last_push_at",
    "last_push_message",
    "last_refresh_at",
    "last_refresh_message",
    "down_since",
    "requests_day",
    "requests_today",
)


def _backfill_issued_at(cr):
    cr.execute(
        """
        UPDATE tecpet_erp_document
           SET issued_at = COALESCE(write_date, create_date)
         WHERE state = 'issued' AND issued_at IS NULL
        """
    )


def _backfill_paid_at(cr):
    """``paid_at`` (the overdue-notes alert's clock) is new: the last read is the best date known."""
    cr.execute(
        """
        UPDATE tecpet_erp_document
           SET paid_at = COALESCE(last_sync_at, write_date)
         WHERE state IN ('fulfilled', 'awaiting_issue') AND paid_at IS NULL
        """
    )


def _move_run_statistics(cr):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'tecpet_erp_integration' AND column_name = ANY(%s)",
        [list(OLD_COLUMNS)],
    )
    if {row[0] for row in cr.fetchall()} != set(OLD_COLUMNS):
        return  # a fresh install, or already migrated
    for kind in ("push", "refresh"):
        cr.execute(
            f"""
            INSERT INTO tecpet_erp_integration_run
                   (integration_id, company_id, kind, last_at, message, down_since,
                    requests_day, requests_today)
            SELECT id, company_id, %s, last_{kind}_at, last_{kind}_message, down_since,
                   requests_day, CASE WHEN %s = 'push' THEN requests_today ELSE 0 END
              FROM tecpet_erp_integration
             WHERE last_{kind}_at IS NOT NULL
            ON CONFLICT (integration_id, kind) DO NOTHING
            """,  # pylint: disable=sql-injection
            [kind, kind],
        )
    for column in OLD_COLUMNS:
        cr.execute(f'ALTER TABLE tecpet_erp_integration DROP COLUMN "{column}"')  # pylint: disable=sql-injection


def _refresh_cron_first(cr):
    """The read-back cron goes ahead of the push workers (its data record is ``noupdate``)."""
    cr.execute(
        """
        UPDATE ir_cron SET priority = 4
         WHERE priority = 5 AND id = (SELECT res_id FROM ir_model_data
                                       WHERE module = 'tecpet_erp_sync' AND name = 'ir_cron_refresh_status')
        """
    )


def migrate(cr, version):
    _backfill_issued_at(cr)
    _backfill_paid_at(cr)
    _move_run_statistics(cr)
    _refresh_cron_first(cr)
