#!/usr/bin/env bash
# Runs a command with the project's environment: the virtualenv first on PATH, the PostgreSQL
# coordinates (PGHOST/PGPORT/PGUSER) and the repository on PYTHONPATH.
set -euo pipefail
source "$(dirname "$0")/env.sh"
set -a
[ -f "$PG_ENV_FILE" ] && source "$PG_ENV_FILE"
set +a
export PATH="$VENV/bin:$PATH" PYTHONPATH="$PROJECT_ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec "$@"
