#!/usr/bin/env bash
# Re-fetch the vendored front-end libraries from the npm registry and copy only their distribution files
# into src/ecobrain/static/vendor/. The app never needs npm or a CDN at runtime; this script is only for
# refreshing (or auditing) the vendored copies. Bump a version here, run it, review the diff, commit.
#
#   scripts/vendor-static.sh            # fetch the pinned versions and overwrite the vendored files
#
# Needs: npm (only `npm pack`, which downloads a tarball without installing anything), tar, sha256sum.
set -euo pipefail

BOOTSTRAP_VERSION=5.3.9
BOOTSTRAP_ICONS_VERSION=1.11.4
HTMX_VERSION=2.0.11
ECHARTS_VERSION=5.6.0
LEAFLET_VERSION=1.9.4

cd "$(dirname "$0")/.."
DEST=src/ecobrain/static/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# fetch NAME VERSION -> prints the directory holding the unpacked package
fetch() {
    local dir="$WORK/$1-$2" tarball
    mkdir -p "$dir"
    tarball=$(cd "$dir" && npm pack --silent "$1@$2" | tail -n 1)
    tar -xzf "$dir/$tarball" -C "$dir"
    echo "$dir/package"
}

# Source maps are not vendored, so drop the trailing "sourceMappingURL" comment that points at them:
# otherwise browsers request a missing file and Django's manifest storage refuses to collect the file.
strip_sourcemap() {
    sed -i -E '/^\/[*\/]# sourceMappingURL=[^ ]*( \*\/)?$/d' "$1"
}

echo "==> bootstrap $BOOTSTRAP_VERSION"
src=$(fetch bootstrap "$BOOTSTRAP_VERSION")
rm -rf "$DEST/bootstrap" && mkdir -p "$DEST/bootstrap"
cp "$src/dist/css/bootstrap.min.css" "$src/dist/js/bootstrap.bundle.min.js" "$src/LICENSE" "$DEST/bootstrap/"
strip_sourcemap "$DEST/bootstrap/bootstrap.min.css"
strip_sourcemap "$DEST/bootstrap/bootstrap.bundle.min.js"

echo "==> bootstrap-icons $BOOTSTRAP_ICONS_VERSION"
src=$(fetch bootstrap-icons "$BOOTSTRAP_ICONS_VERSION")
rm -rf "$DEST/bootstrap-icons" && mkdir -p "$DEST/bootstrap-icons/fonts"
cp "$src/font/bootstrap-icons.min.css" "$DEST/bootstrap-icons/"   # refers to fonts/bootstrap-icons.woff2
cp "$src/font/fonts/"*.woff2 "$src/font/fonts/"*.woff "$DEST/bootstrap-icons/fonts/"
cp "$src/LICENSE" "$DEST/bootstrap-icons/"

echo "==> htmx.org $HTMX_VERSION"
src=$(fetch htmx.org "$HTMX_VERSION")
rm -rf "$DEST/htmx" && mkdir -p "$DEST/htmx"
cp "$src/dist/htmx.min.js" "$src/LICENSE" "$DEST/htmx/"

echo "==> echarts $ECHARTS_VERSION"
src=$(fetch echarts "$ECHARTS_VERSION")
rm -rf "$DEST/echarts" && mkdir -p "$DEST/echarts"
cp "$src/dist/echarts.min.js" "$src/LICENSE" "$src/NOTICE" "$DEST/echarts/"
cp "$src/licenses/LICENSE-d3" "$DEST/echarts/"   # echarts bundles parts of d3 (BSD-3-Clause)

echo "==> leaflet $LEAFLET_VERSION"
src=$(fetch leaflet "$LEAFLET_VERSION")
rm -rf "$DEST/leaflet" && mkdir -p "$DEST/leaflet/images"
cp "$src/dist/leaflet.js" "$src/dist/leaflet.css" "$src/LICENSE" "$DEST/leaflet/"
cp "$src/dist/images/"* "$DEST/leaflet/images/"   # leaflet.css refers to images/*.png
strip_sourcemap "$DEST/leaflet/leaflet.js"

echo "==> checksums"
(cd "$DEST" && find . -type f ! -name README.md ! -name SHA256SUMS | LC_ALL=C sort | xargs sha256sum) \
    >"$DEST/SHA256SUMS"
du -sh "$DEST"
echo "Done. Check with: (cd $DEST && sha256sum -c SHA256SUMS); update versions in $DEST/README.md if bumped."
