#!/usr/bin/env bash
# Bling's official OpenAPI document, pinned by commit and checksum, for the contract test
# (tests/test_bling_openapi_contract.py). It is never committed: it lives in the cache folder.
#
# Where it comes from, first found:
#   BLING_OPENAPI_FILE=<path>       a copy of the document you already have;
#   BLING_OPENAPI_GIT_DIR=<git dir> a clone or mirror of the repository below (bare or not);
#   else the pinned raw URL on GitHub.
# Whatever the source, the file must have the pinned SHA-256, or it is not used.
set -euo pipefail
source "$(dirname "$0")/env.sh"

REPO="TempoNaoTenho/bling-erp-api-doc-mcp"
COMMIT="5a7139d016252811752985ff3f493361fc6e854c"
FILE_PATH="src/bling_doc_mcp/files/bling-openapi.json.backup"
SHA256="512403d1ebabf2fa6440319ec27ea1c2fc6a37d1c70663dcc89761c2c7ddaef4"
URL="https://raw.githubusercontent.com/$REPO/$COMMIT/$FILE_PATH"
TARGET="$CACHE_DIR/bling-openapi.json"

good() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SHA256" ]; }
keep() { mv "$1" "$TARGET" && chmod 644 "$TARGET" && say "Bling OpenAPI document taken from $2"; exit 0; }

good "$TARGET" && exit 0
tmp="$(mktemp "$CACHE_DIR/bling-openapi.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

if [ -n "${BLING_OPENAPI_FILE:-}" ]; then
    cp "$BLING_OPENAPI_FILE" "$tmp" 2>/dev/null && good "$tmp" && keep "$tmp" "$BLING_OPENAPI_FILE"
    say "BLING_OPENAPI_FILE=$BLING_OPENAPI_FILE is missing or is not the pinned document (sha256 $SHA256)."
fi
if [ -n "${BLING_OPENAPI_GIT_DIR:-}" ]; then
    git --git-dir="$BLING_OPENAPI_GIT_DIR" show "$COMMIT:$FILE_PATH" >"$tmp" 2>/dev/null && good "$tmp" \
        && keep "$tmp" "the git directory $BLING_OPENAPI_GIT_DIR"
    say "BLING_OPENAPI_GIT_DIR=$BLING_OPENAPI_GIT_DIR has no commit $COMMIT with $FILE_PATH."
fi

say "Downloading Bling's OpenAPI document (pinned at $COMMIT)..."
curl -fsSL --retry 2 --max-time 120 -o "$tmp" "$URL" && good "$tmp" && keep "$tmp" "$URL"
die "Could not get Bling's OpenAPI document (sha256 $SHA256): offline, or the download differs.
Give it one of these ways, then run again:
  BLING_OPENAPI_FILE=<path of a copy of $URL>
  BLING_OPENAPI_GIT_DIR=<a clone of https://github.com/$REPO>/.git  (with commit $COMMIT)
or save $URL as $TARGET yourself."
