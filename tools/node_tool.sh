#!/usr/bin/env bash
# Runs prettier or eslint as installed by tools/ensure_node_tools.sh (pre-commit's local hooks).
set -euo pipefail
source "$(dirname "$0")/env.sh"
tool="$1"
shift
bin="$CACHE_DIR/node-tools/node_modules/.bin/$tool"
[ -x "$bin" ] || die "$tool is not installed: run tools/ensure_node_tools.sh (make setup does)."
if [ "$tool" = prettier ]; then
    exec "$bin" --plugin="$CACHE_DIR/node-tools/node_modules/@prettier/plugin-xml" "$@"
fi
exec "$bin" --resolve-plugins-relative-to "$CACHE_DIR/node-tools" "$@"
