#!/usr/bin/env bash
# Vendor the front-end files (Leaflet, topojson-client and the world-atlas basemap from Natural
# Earth for the city maps; Swagger UI for the API docs) into src/citydiplomacy/web/static/vendor/, so that no page loads
# anything from a CDN or a tile server at run time.
#
#   bash scripts/vendor-static.sh
#
# `npm ci` runs only when package.json or package-lock.json changed (a stamp file in
# node_modules/ records the hash); the copy runs only when the vendored files are missing or
# stale (a stamp file in the vendor directory records the hash of those two files and of this
# script, so a change here re-copies). Both directories are ignored by git.
#
# The source maps are not shipped, so the copies lose their `sourceMappingURL` comments: a
# reference to a file that is not there makes the production static storage (WhiteNoise's
# manifest, which follows every reference to hash it) fail collectstatic, and would make
# browsers' developer tools request a missing file.
# CITYDIPLOMACY_SKIP_VENDOR=1 skips the whole step (the pages then show no map, only its
# text alternative).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "${CITYDIPLOMACY_SKIP_VENDOR:-}" = "1" ]; then
  echo "== vendor-static: skipped (CITYDIPLOMACY_SKIP_VENDOR=1)"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "vendor-static: npm not found; install Node.js 18+ (or set CITYDIPLOMACY_SKIP_VENDOR=1" \
    "to run without the city maps)" >&2
  exit 1
fi

DEST="src/citydiplomacy/web/static/vendor"
hash="$(cat package.json package-lock.json | sha256sum | cut -c1-16)"
npm_stamp="node_modules/.vendor-npm-$hash"
copy_hash="$(cat package.json package-lock.json "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"
dest_stamp="$DEST/.vendor-$copy_hash"

if [ ! -f "$npm_stamp" ]; then
  echo "== vendor-static: npm ci"
  # --ignore-scripts: no package runs code at install (swagger-ui-dist pulls in a telemetry
  # postinstall, @scarf/scarf); the files copied below need no build step.
  npm ci --no-audit --no-fund --ignore-scripts
  touch "$npm_stamp"
fi

if [ -f "$dest_stamp" ]; then
  exit 0
fi
echo "== vendor-static: copying into $DEST"
tmp="$(mktemp -d "${DEST%/*}/.vendor-tmp.XXXXXX")"
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
nm="node_modules"

mkdir -p "$tmp/leaflet/images" "$tmp/topojson-client" "$tmp/world-atlas" "$tmp/swagger-ui"
cp "$nm/leaflet/dist/leaflet.js" "$nm/leaflet/dist/leaflet.css" "$nm/leaflet/LICENSE" \
  "$tmp/leaflet/"
cp "$nm/leaflet/dist/images/"*.png "$tmp/leaflet/images/"
cp "$nm/topojson-client/dist/topojson-client.min.js" "$nm/topojson-client/LICENSE" \
  "$tmp/topojson-client/"
cp "$nm/world-atlas/countries-50m.json" "$nm/world-atlas/countries-110m.json" \
  "$nm/world-atlas/LICENSE" "$tmp/world-atlas/"
cp "$nm/swagger-ui-dist/swagger-ui-bundle.js" "$nm/swagger-ui-dist/swagger-ui.css" \
  "$nm/swagger-ui-dist/LICENSE" "$tmp/swagger-ui/"

# No source maps are copied: drop the comments that point to them (see the header).
find "$tmp" -type f \( -name '*.js' -o -name '*.css' \) -exec sed -i -E \
  -e 's@^[[:space:]]*//[#@][[:space:]]*sourceMappingURL=[^[:space:]]*[[:space:]]*$@@' \
  -e 's@/\*[#@][[:space:]]*sourceMappingURL=[^*]*\*/@@g' {} +
if grep -rl 'sourceMappingURL=' "$tmp" --include='*.js' --include='*.css'; then
  echo "vendor-static: a sourceMappingURL comment is left in the files above" >&2
  exit 1
fi

{
  echo "Vendored by scripts/vendor-static.sh from package-lock.json; do not edit."
  for pkg in leaflet topojson-client world-atlas swagger-ui-dist; do
    version="$(node -p "require('./$nm/$pkg/package.json').version" 2>/dev/null || echo '?')"
    echo "$pkg $version"
  done
  echo "leaflet: BSD-2-Clause (leaflet/LICENSE)."
  echo "topojson-client: ISC (topojson-client/LICENSE)."
  echo "swagger-ui-dist: Apache-2.0 (swagger-ui/LICENSE), for the API docs at /api/docs."
  echo "world-atlas: ISC (world-atlas/LICENSE); the geometry is Natural Earth 4.1.0,"
  echo "public domain (https://www.naturalearthdata.com/about/terms-of-use/)."
} >"$tmp/VERSIONS.txt"
touch "$tmp/.vendor-$copy_hash"

rm -rf "$DEST"
mv "$tmp" "$DEST"
trap - EXIT
