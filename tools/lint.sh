#!/usr/bin/env bash
# Static tier of `make test`: exactly the pre-commit hooks (.pre-commit-config.yaml) on every file,
# so CI and a contributor's commit hook run the same checks. A hook that changes a file (ruff
# --fix, prettier, the README generator) fails the run and shows the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
PRE_COMMIT_HOME="${PRE_COMMIT_HOME:-$(source tools/env.sh && echo "$CACHE_DIR/pre-commit")}" \
    exec pre-commit run --all-files --show-diff-on-failure --color=never
