#!/usr/bin/env bash
# Runs odoo-bin from the project's virtualenv against the project's PostgreSQL, with this
# repository on the addons path. Extra arguments go to odoo-bin.
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$PG_ENV_FILE"
exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" \
    --addons-path="$ODOO_SRC/addons,$PROJECT_ROOT" \
    --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER" \
    --data-dir="$CACHE_DIR/filestore" \
    "$@"
