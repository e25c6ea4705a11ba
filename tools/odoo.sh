#!/usr/bin/env bash
# Runs odoo-bin from the project's virtualenv against the project's PostgreSQL, with this
# repository on the addons path. Extra arguments go to odoo-bin; a leading subcommand
# (e.g. `shell`) is kept first, where odoo-bin expects it. ODOO_ENTRY runs another script that
# takes odoo-bin's arguments instead (tools/demo_serve.py).
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$PG_ENV_FILE"
command=()
case "${1:-}" in shell|server) command=("$1"); shift ;; esac
exec "$VENV/bin/python" "${ODOO_ENTRY:-$ODOO_SRC/odoo-bin}" "${command[@]}" \
    --addons-path="$ODOO_SRC/addons,$PROJECT_ROOT" \
    --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER" \
    --data-dir="$CACHE_DIR/filestore" \
    "$@"
