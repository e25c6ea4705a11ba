# tecpet_erp_sync: two commands for a fresh machine.
#   make demo   set everything up, create a demo database and serve Odoo on http://localhost:8069
#   make test   run every test tier and the static checks
# Odoo 18 is looked for in $ODOO_SRC, else ~/.cache/tecpet_erp_sync/odoo-18.0 (cloned if absent).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
RUN := tools/run.sh
DEMO_DB ?= tecpet_demo
DEMO_PORT ?= 8069
SANDBOX_PORT ?= 8070

.PHONY: help setup odoo venv node-tools postgres browser openapi demo test lint test-python test-odoo wheel bench soak bad-input clean-db screenshot pot

help:
	@echo "make demo  - set up and serve Odoo with the addon and demo data on http://localhost:$(DEMO_PORT)"
	@echo "make test  - static checks, pure-Python tests and Odoo tests"

setup: odoo venv node-tools postgres browser openapi

odoo:
	@tools/ensure_odoo.sh

venv: odoo
	@tools/ensure_venv.sh

# prettier and eslint for pre-commit (npm registry, pinned in tools/node/package-lock.json).
node-tools:
	@tools/ensure_node_tools.sh

postgres:
	@tools/ensure_postgres.sh

browser:
	@tools/ensure_browser.sh

# Bling's official OpenAPI document for the contract test (pinned; kept in the cache, not committed).
openapi:
	@tools/ensure_openapi.sh

demo: setup
	@tools/demo.sh $(DEMO_DB) $(DEMO_PORT) $(SANDBOX_PORT)

test: setup
	@tools/test.sh

lint: venv node-tools
	@$(RUN) tools/lint.sh

test-python: venv openapi
	@$(RUN) python -m pytest tests -q

test-odoo: setup
	@$(RUN) python tools/run_odoo_tests.py

wheel: venv
	@$(RUN) pip wheel --no-deps -w dist tecpet_erp_sync/

clean-db: postgres
	@$(RUN) bash -c 'for db in $$(psql -tA -d postgres -c "select datname from pg_database where datname like '"'"'tecpet_%'"'"'"); do dropdb --force "$$db"; done'

pot: setup
	@$(RUN) python tools/i18n.py

# The README's pictures (Invoices list, fiscal note block, sync-health overview), taken by the
# browser tests at chosen tour steps into $(SCREENSHOTS_DIR) (tecpet_erp_sync/tests/screenshots.py).
SCREENSHOTS_DIR ?= $(CURDIR)/tecpet_erp_sync/static/description
screenshot: setup
	@TECPET_SCREENSHOTS=$(SCREENSHOTS_DIR) $(RUN) python tools/run_odoo_tests.py --db tecpet_screenshot \
		--tags /tecpet_erp_sync:TestInvoiceListTour,/tecpet_erp_sync:TestErpUxTours

# Speed bars of PRODUCT.md §3 as ratios measured in one run (table + bench/results/latest.json).
bench: setup
	@$(RUN) python bench/run.py

# Randomized fault campaign: thousands of documents, faults at every step, killed workers.
soak: setup
	@$(RUN) python bench/soak.py

# Generated bad customers and invoices: a clear message each, no ERP call (SEED=n replays).
bad-input: setup
	@$(RUN) python bench/bad_input.py $(if $(SEED),--seed $(SEED))
