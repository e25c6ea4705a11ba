#!/usr/bin/env bash
# `make demo`: start the ERP sandbox, (re)create the demo database with the addon and demo data,
# drive the demo invoices through every state, then serve Odoo. Ctrl-C stops Odoo and the sandbox.
set -euo pipefail
source "$(dirname "$0")/env.sh"
DB=${1:-tecpet_demo} PORT=${2:-8069} SANDBOX_PORT=${3:-8070}
RUN="$PROJECT_ROOT/tools/run.sh"
mkdir -p "$CACHE_DIR/logs"

if ! "$RUN" python -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $SANDBOX_PORT)) == 0)"; then
    die "Port $SANDBOX_PORT is taken: stop what uses it (an earlier 'make demo'?) or run make demo SANDBOX_PORT=<port>."
fi
"$RUN" tecpet-erp-sandbox --port "$SANDBOX_PORT" >"$CACHE_DIR/logs/sandbox.log" 2>&1 &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null || true; wait $sandbox_pid 2>/dev/null || true; say "Stopped."' EXIT
"$RUN" python - "$SANDBOX_PORT" <<'PY'
import sys, time, urllib.request
for _ in range(50):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=1)
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit("the ERP sandbox did not start; see ~/.cache/tecpet_erp_sync/logs/sandbox.log")
PY

# The sandbox starts empty, so the demo database is made again to match it: a copy of the demo
# template (the addon, its demo data and the web assets, built once per version of the addon).
say "Creating the demo database $DB (addon + demo data)..."
"$RUN" python -c "import sys; sys.path.insert(0, 'tools'); import dbtools; dbtools.fresh_db('$DB', demo=True, template=dbtools.demo_template_db())"
say "Sending the demo invoices to the ERP sandbox, then serving Odoo..."
say "Odoo: http://localhost:$PORT  (login admin / password admin)   ERP sandbox: http://127.0.0.1:$SANDBOX_PORT"
say "Invoicing → Customers → Invoices shows the Service Order column. Ctrl-C stops everything."
# One process seeds the database (tools/demo_seed.py), then serves it (tools/demo_serve.py).
TECPET_SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT" ODOO_ENTRY="$PROJECT_ROOT/tools/demo_serve.py" \
    "$RUN" bash tools/odoo.sh -d "$DB" --db-filter="^$DB\$" --http-interface=127.0.0.1 --http-port="$PORT" \
    --log-level=warn || true
