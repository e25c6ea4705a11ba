#!/usr/bin/env bash
# Bling's official OpenAPI document, pinned by commit and checksum, for the contract test
# (tests/test_bling_openapi_contract.py). It is never committed: it lives in the cache folder.
# Taken from a local git mirror of the repository when one is found, else downloaded.
set -euo pipefail
source "$(dirname "$0")/env.sh"

REPO="TempoNaoTenho/bling-erp-api-doc-mcp"
COMMIT="5a7139d016252811752985ff3f493361fc6e854c"
FILE_PATH="src/bling_doc_mcp/files/bling-openapi.json.backup"
SHA256="512403d1ebabf2fa6440319ec27ea1c2fc6a37d1c70663dcc89761c2c7ddaef4"
TARGET="$CACHE_DIR/bling-openapi.json"

good() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SHA256" ]; }

good "$TARGET" && exit 0
tmp="$(mktemp "$CACHE_DIR/bling-openapi.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

# A bare or normal git mirror: $BLING_OPENAPI_GIT_DIR, or the usual mirror folders.
for git_dir in "${BLING_OPENAPI_GIT_DIR:-}" \
    "/work/.mirror/${REPO/\//+}/repo" "$CACHE_DIR/mirrors/${REPO/\//+}.git"; do
    [ -n "$git_dir" ] && [ -d "$git_dir" ] || continue
    if git --git-dir="$git_dir" show "$COMMIT:$FILE_PATH" >"$tmp" 2>/dev/null && good "$tmp"; then
        mv "$tmp" "$TARGET" && chmod 644 "$TARGET"
        say "Bling OpenAPI document taken from the git mirror $git_dir"
        exit 0
    fi
done

url="https://raw.githubusercontent.com/$REPO/$COMMIT/$FILE_PATH"
say "Downloading Bling's OpenAPI document (pinned at $COMMIT)..."
if curl -fsSL --retry 2 --max-time 120 -o "$tmp" "$url" && good "$tmp"; then
    mv "$tmp" "$TARGET" && chmod 644 "$TARGET"
    exit 0
fi
die "Could not get Bling's OpenAPI document with sha256 $SHA256.
Download $url
(or run: git --git-dir=<a clone of $REPO> show $COMMIT:$FILE_PATH) and save it as $TARGET"
