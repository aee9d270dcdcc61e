#!/usr/bin/env bash
# Vendor the browser libraries the pages load from this service (never from a CDN), each fetched with
# `npm pack` from the npm registry at a pinned version, its tarball checked against a pinned SHA-256, and
# copied with its licence under trace/api/static/vendor/ (package data: a plain `pip install` serves them):
#
# - jsQR (Apache-2.0, https://github.com/cozmo/jsQR): the scan page's QR decoder, used only where the
#   browser lacks BarcodeDetector; its browser build copied as released.
# - @noble/ed25519 and @noble/hashes (MIT, https://github.com/paulmillr): the lot page's verifier fallback,
#   used only where WebCrypto lacks Ed25519 or crypto.subtle is missing (plain HTTP). Both are ES modules,
#   so scripts/verify_fallback_entry.js is bundled and minified with esbuild (@esbuild/linux-x64, pinned like the
#   others) into one classic script of 18 KB (its licence comments kept); the same inputs give the
#   same bytes, and the output's SHA-256 is pinned too.
#
# Run again to check the vendored copies still equal the pinned releases (it fails when the bytes differ).
set -euo pipefail
cd "$(dirname "$0")/.."
vendor=trace/api/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$vendor"

# fetch NAME VERSION SHA256 DIR: npm pack the release, check its tarball, unpack it into DIR
fetch() {
  local tarball
  tarball=$(cd "$work" && npm pack --silent "$1@$2" | tail -n 1)
  echo "$3  $work/$tarball" | sha256sum --check --quiet
  mkdir -p "$4"
  tar -xzf "$work/$tarball" -C "$4" --strip-components=1
}

# jsQR
version=1.4.0
fetch jsqr "$version" b5299b37917a1fe7a8cab9dd5cc6b8accf82663add80abe5bf7761a921cc6602 "$work/jsqr"
script_sha256=bc40c8a15196236b2314db0856f72ca0b49980cd5413b8c852a7349f5fee0859
echo "$script_sha256  $work/jsqr/dist/jsQR.js" | sha256sum --check --quiet
cp "$work/jsqr/dist/jsQR.js" "$vendor/jsQR-$version.js"
cp "$work/jsqr/LICENSE" "$vendor/jsQR-$version.LICENSE"
echo "vendored jsqr $version: $vendor/jsQR-$version.js (sha256 $script_sha256)"

# @noble/ed25519 + @noble/hashes, bundled by esbuild
ed25519=3.2.0
hashes=2.4.0
esbuild=0.28.2
build="$work/noble"
fetch @noble/ed25519 "$ed25519" aaae5d6bc1aa92b798dc2017f2ff1f834f6d8a1e339fdc3e08915ec336006bd8 "$build/node_modules/@noble/ed25519"
fetch @noble/hashes "$hashes" e1946149b780017b2564fcc092cb01c04e1d7f20627d0296c17da8868f4436dc "$build/node_modules/@noble/hashes"
if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "building the noble fallback needs Linux x86-64 (the pinned esbuild binary); the copy in $vendor is unchecked" >&2
  exit 1
fi
fetch @esbuild/linux-x64 "$esbuild" 9573bb2233aab0f9ea7647d5cca9726113cc1768de61d66b17267f4db84488f6 "$work/esbuild"
cp scripts/verify_fallback_entry.js "$build/entry.js"
name="noble-ed25519-$ed25519-hashes-$hashes"
banner="// $name.js: @noble/ed25519 $ed25519 and @noble/hashes $hashes (MIT, Paul Miller; licences beside this file), bundled from scripts/verify_fallback_entry.js by esbuild $esbuild (scripts/vendor_js.sh) for the lot page's verifier where WebCrypto lacks Ed25519."
(cd "$build" && "$work/esbuild/bin/esbuild" entry.js --bundle --minify --format=iife --target=es2020 --charset=utf8 \
  --legal-comments=inline "--banner:js=$banner" --log-level=warning --outfile=out.js)
bundle_sha256=707c59dcdd3f21e5299903f382517ed8826f40182b9d7112f609373e033943aa
echo "$bundle_sha256  $build/out.js" | sha256sum --check --quiet
cp "$build/out.js" "$vendor/$name.js"
cp "$build/node_modules/@noble/ed25519/LICENSE" "$vendor/noble-ed25519-$ed25519.LICENSE"
cp "$build/node_modules/@noble/hashes/LICENSE" "$vendor/noble-hashes-$hashes.LICENSE"
echo "vendored @noble/ed25519 $ed25519 + @noble/hashes $hashes: $vendor/$name.js (sha256 $bundle_sha256)"
