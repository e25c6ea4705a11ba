# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0: Bling's tokens moved from the integration row to ``tecpet_erp_bling_token``.

Without this an upgraded database would forget its tokens (every Bling integration logged out,
an administrator having to press Connect again) and keep the old secrets in columns no code reads.
"""

OLD_COLUMNS = ("bling_access_token", "bling_refresh_token", "bling_token_expires_at")


def _old_columns(cr):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'tecpet_erp_integration' AND column_name = ANY(%s)",
        [list(OLD_COLUMNS)],
    )
    return {row[0] for row in cr.fetchall()}


def migrate(cr, version):
    if set(OLD_COLUMNS) - _old_columns(cr):
        return  # a fresh install, or already migrated
    cr.execute(
        """
        INSERT INTO tecpet_erp_bling_token
            (integration_id, access_token, refresh_token, expires_at, create_date, write_date)
        SELECT id, bling_access_token, bling_refresh_token, bling_token_expires_at,
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM tecpet_erp_integration
         WHERE bling_refresh_token IS NOT NULL AND bling_refresh_token != ''
        ON CONFLICT (integration_id) DO NOTHING
        """
    )
    for column in OLD_COLUMNS:  # the secrets are in their own row now: not left behind in clear
        cr.execute(f'ALTER TABLE tecpet_erp_integration DROP COLUMN "{column}"')  # pylint: disable=sql-injection
