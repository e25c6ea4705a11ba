# Shared locations for every tool script. Sourced, never executed.
# Everything the project installs lives in one per-user cache folder, outside the repository.
CACHE_DIR="${TECPET_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tecpet_erp_sync}"
ODOO_SRC="${ODOO_SRC:-$CACHE_DIR/odoo-18.0}"
VENV="${VENV:-$CACHE_DIR/venv}"
PGDATA_DIR="${PGDATA_DIR:-$CACHE_DIR/pg15}"
PGPORT_PRIVATE="${PGPORT_PRIVATE:-55432}"
PG_SOCKET_DIR="$CACHE_DIR/pg-socket"
PG_ENV_FILE="$CACHE_DIR/pg.env"
PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CACHE_DIR ODOO_SRC VENV PGDATA_DIR PGPORT_PRIVATE PG_SOCKET_DIR PG_ENV_FILE PROJECT_ROOT
mkdir -p "$CACHE_DIR"

say() { printf '\033[1m[tecpet]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[tecpet] %s\033[0m\n' "$*" >&2; exit 1; }
