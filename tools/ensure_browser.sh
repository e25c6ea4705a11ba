#!/usr/bin/env bash
# Browser tests (tours) need Chromium; without it Odoo skips them silently. Installs it from
# the system packages when missing (websocket-client comes with the virtualenv).
set -euo pipefail
source "$(dirname "$0")/env.sh"

for bin in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$bin" >/dev/null && exit 0
done
say "Installing Chromium from the system packages (needed by the browser tests)..."
if [ "$(id -u)" = 0 ]; then
    apt=(env DEBIAN_FRONTEND=noninteractive apt-get)
elif sudo -n true 2>/dev/null; then
    apt=(sudo -n env DEBIAN_FRONTEND=noninteractive apt-get)
else
    die "Chromium is missing and this user cannot install packages. Run: sudo apt-get install -y chromium"
fi
"${apt[@]}" update -qq >/dev/null
"${apt[@]}" install -y -qq --no-install-recommends chromium >/dev/null \
    || die "Could not install chromium with apt-get; install it by hand (apt-get install chromium)."
