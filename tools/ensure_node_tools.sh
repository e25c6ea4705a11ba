#!/usr/bin/env bash
# Installs the XML/JS formatter and linter that pre-commit runs (prettier + @prettier/plugin-xml,
# eslint, pinned in tools/node/package-lock.json) from the npm registry into the cache folder.
# Reinstalled only when the lock file changes. Needs node and npm (Debian: apt-get install npm).
set -euo pipefail
source "$(dirname "$0")/env.sh"
NODE_DIR="$CACHE_DIR/node-tools"
command -v npm >/dev/null || die "npm is missing: install node and npm (e.g. apt-get install npm)."
fingerprint=$(cat "$PROJECT_ROOT/tools/node/package.json" "$PROJECT_ROOT/tools/node/package-lock.json" | sha256sum | cut -d' ' -f1)
stamp="$NODE_DIR/.tecpet-fingerprint"
if [ -x "$NODE_DIR/node_modules/.bin/prettier" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$fingerprint" ]; then
    exit 0
fi
say "Installing prettier and eslint into $NODE_DIR..."
rm -rf "$NODE_DIR"
mkdir -p "$NODE_DIR"
cp "$PROJECT_ROOT/tools/node/package.json" "$PROJECT_ROOT/tools/node/package-lock.json" "$NODE_DIR/"
npm ci --prefix "$NODE_DIR" --no-audit --no-fund --silent
echo "$fingerprint" > "$stamp"
