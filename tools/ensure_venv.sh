#!/usr/bin/env bash
# Creates (or reuses) the virtualenv: Odoo's requirements minus python-ldap, the addon's
# dependencies, the test/lint tools and the ERP sandbox (test-requirements.txt: sandbox/, editable).
# Rebuilt only when one of those files (or the sandbox's pyproject.toml) changes.
set -euo pipefail
source "$(dirname "$0")/env.sh"

fingerprint=$( (cat "$ODOO_SRC/requirements.txt" "$PROJECT_ROOT/requirements.txt" \
                    "$PROJECT_ROOT/requirements-dev.txt" "$PROJECT_ROOT/test-requirements.txt" \
                    "$PROJECT_ROOT/sandbox/pyproject.toml" "$0"; python3 --version) | sha256sum | cut -d' ' -f1)
stamp="$VENV/.tecpet-fingerprint"
if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$fingerprint" ]; then
    exit 0
fi

say "Creating the virtualenv in $VENV (about a minute)..."
rm -rf "$VENV"
python3 -m venv "$VENV"
# cbor2's old sdist needs setuptools<70 at build time. Keep whatever constraint pip already
# has on this machine (PIP_CONSTRAINT or pip.conf) and add ours in a copy.
constraints="$CACHE_DIR/pip-constraints.txt"
: > "$constraints"
existing="${PIP_CONSTRAINT:-$(pip config get global.constraint 2>/dev/null || true)}"
for f in $existing; do [ -f "$f" ] && cat "$f" >> "$constraints"; done
echo "setuptools<70" >> "$constraints"
export PIP_CONSTRAINT="$constraints"

grep -v '^python-ldap' "$ODOO_SRC/requirements.txt" > "$CACHE_DIR/odoo-requirements.txt"
"$VENV/bin/pip" install --quiet --upgrade "pip<25" wheel "setuptools<70"
# test-requirements.txt names the sandbox by a path relative to the repository root.
(cd "$PROJECT_ROOT" && "$VENV/bin/pip" install --quiet -r "$CACHE_DIR/odoo-requirements.txt" \
    -r requirements.txt -r requirements-dev.txt -r test-requirements.txt)
# Odoo itself is used from the source tree (not installed), so odoo-bin and `import odoo` work from there.
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$ODOO_SRC" > "$site/odoo-src.pth"
echo "$fingerprint" > "$stamp"
say "Virtualenv ready."
