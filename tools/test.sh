#!/usr/bin/env bash
# `make test`: every tier, in order of speed. Each tier's failure (or skip, or empty
# collection) fails the run; the summary at the end lists each tier's result.
set -uo pipefail
cd "$(dirname "$0")/.."
RUN=tools/run.sh
declare -A result
order=(static python odoo served soak bad-input)

"$RUN" tools/lint.sh; result[static]=$?
# pytest exits 5 when it collected nothing: that is a failure here too.
"$RUN" python -m pytest tests -q -p no:cacheprovider; result[python]=$?
"$RUN" python tools/run_odoo_tests.py; result[odoo]=$?
# A real multi-process Odoo server (2 workers, a cron worker) driven over HTTP and XML-RPC:
# Bling Connect retried by Odoo, token rotation during read-back, two workers on one account.
"$RUN" python tools/served_test.py; result[served]=$?
# A short randomized fault campaign (bench/soak.py; `make soak` runs the long one).
"$RUN" python bench/soak.py --short; result[soak]=$?
# Generated bad partners and invoices: each gets a clear message and no ERP call (bench/bad_input.py).
"$RUN" python bench/bad_input.py; result[bad-input]=$?

echo
echo "== make test summary =="
status=0
for tier in "${order[@]}"; do
    if [ "${result[$tier]}" = 0 ]; then echo "  $tier: passed"; else echo "  $tier: FAILED (exit ${result[$tier]})"; status=1; fi
done
exit $status
