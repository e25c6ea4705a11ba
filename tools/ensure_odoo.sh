#!/usr/bin/env bash
# Finds an Odoo 18 source tree: $ODOO_SRC, else the cache folder; clones odoo/odoo 18.0 there when absent.
set -euo pipefail
source "$(dirname "$0")/env.sh"

is_odoo18() { [ -f "$1/odoo/release.py" ] && grep -q "version_info = (18, 0" "$1/odoo/release.py"; }

if is_odoo18 "$ODOO_SRC"; then
    exit 0
fi
if [ -e "$ODOO_SRC" ] && [ -n "$(ls -A "$ODOO_SRC" 2>/dev/null)" ]; then
    die "ODOO_SRC=$ODOO_SRC exists but is not an Odoo 18.0 source tree (no odoo/release.py with version 18.0). Point ODOO_SRC at one, or remove that folder."
fi
say "No Odoo 18 source in $ODOO_SRC: cloning odoo/odoo 18.0 (shallow, ~400 MB)..."
if ! git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git "$ODOO_SRC.partial"; then
    rm -rf "$ODOO_SRC.partial"
    die "Could not clone Odoo 18.0 (no network?). Put an Odoo 18.0 source tree at $ODOO_SRC
       (e.g. extract an archive of odoo/odoo@18.0 there), or set ODOO_SRC to one, then run make again."
fi
mv "$ODOO_SRC.partial" "$ODOO_SRC"
