#!/usr/bin/env bash
# Static checks: ruff (lint + format), pylint-odoo (the OCA checks, manifest included).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "[tecpet] ruff"
ruff check .
ruff format --check --quiet .
echo "[tecpet] pylint-odoo"
pylint --rcfile=.pylintrc tecpet_erp_sync
echo "[tecpet] static checks passed"
