#!/usr/bin/env bash
# Regenerates the UI's API types, web/src/generated/openapi.ts, from the API
# document web/openapi.json (written by `zezaro openapi`). Both files are
# committed; .ci/test regenerates them and fails when they differ.
#
#   cargo run -- openapi > web/openapi.json && bash web/tools/openapi-types/gen.sh
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x node_modules/.bin/openapi-typescript ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --silent
fi
out=../../src/generated/openapi.ts
mkdir -p "$(dirname "$out")"
node_modules/.bin/openapi-typescript ../../openapi.json --output "$out" --root-types --root-types-no-schema-prefix --alphabetize --empty-objects-unknown >/dev/null
