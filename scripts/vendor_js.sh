#!/usr/bin/env bash
# Vendor the scan page's QR decoder: jsQR (Apache-2.0, https://github.com/cozmo/jsQR), fetched with
# `npm pack` from the npm registry at a pinned version, its tarball checked against a pinned SHA-256, and its
# browser build and licence copied under trace/api/static/vendor/ (package data: a plain `pip install` serves
# them; nothing is loaded from a CDN). The page uses it only where the browser lacks BarcodeDetector.
# Run again to check the vendored copy still equals the pinned release (it fails when the bytes differ).
set -euo pipefail
cd "$(dirname "$0")/.."
package=jsqr
version=1.4.0
tarball_sha256=b5299b37917a1fe7a8cab9dd5cc6b8accf82663add80abe5bf7761a921cc6602
script_sha256=bc40c8a15196236b2314db0856f72ca0b49980cd5413b8c852a7349f5fee0859
vendor=trace/api/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package@$version" >/dev/null)
echo "$tarball_sha256  $work/$package-$version.tgz" | sha256sum --check --quiet
tar -xzf "$work/$package-$version.tgz" -C "$work"
echo "$script_sha256  $work/package/dist/jsQR.js" | sha256sum --check --quiet
mkdir -p "$vendor"
cp "$work/package/dist/jsQR.js" "$vendor/jsQR-$version.js"
cp "$work/package/LICENSE" "$vendor/jsQR-$version.LICENSE"
echo "vendored $package $version: $vendor/jsQR-$version.js (sha256 $script_sha256)"
