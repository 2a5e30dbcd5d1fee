#!/usr/bin/env bash
# Re-fetch the vendored htmx from the npm registry and check it against the
# pinned hash. Usage: scripts/fetch-htmx.sh [VERSION]
set -euo pipefail
version="${1:-2.0.11}"
expected="d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@$version" >/dev/null && tar xzf htmx.org-*.tgz)
actual=$(sha256sum "$tmp/package/dist/htmx.min.js" | cut -d' ' -f1)
if [ "$version" = "2.0.11" ] && [ "$actual" != "$expected" ]; then
  echo "htmx $version does not match the pinned hash ($actual)" >&2
  exit 1
fi
cp "$tmp/package/dist/htmx.min.js" "webapp/static/vendor/htmx-$version.min.js"
cp "$tmp/package/LICENSE" webapp/static/vendor/htmx-LICENSE.txt
echo "htmx $version: $actual"
