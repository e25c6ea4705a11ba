#!/usr/bin/env bash
# Runs a command with the project's environment: the virtualenv first on PATH, the PostgreSQL
# coordinates (PGHOST/PGPORT/PGUSER) and the repository on PYTHONPATH: the addon and the ERP
# sandbox's source (sandbox/src), so a checkout runs its own sandbox even when the virtualenv's
# editable install (test-requirements.txt, which brings the `tecpet-erp-sandbox` command) points
# at another checkout.
set -euo pipefail
source "$(dirname "$0")/env.sh"
set -a
[ -f "$PG_ENV_FILE" ] && source "$PG_ENV_FILE"
set +a
export PATH="$VENV/bin:$PATH" PYTHONPATH="$PROJECT_ROOT:$PROJECT_ROOT/sandbox/src${PYTHONPATH:+:$PYTHONPATH}"
exec "$@"
