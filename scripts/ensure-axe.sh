#!/usr/bin/env bash
# Install axe-core (the npm package) for the accessibility tests when it is missing (idempotent).
# npm comes from Debian when the machine lacks it (needs root or sudo); axe-core from the npm
# registry, pinned, into .cache/axe (tests/test_accessibility.py injects its axe.min.js).
set -euo pipefail
AXE_VERSION=4.14.1
DEST=.cache/axe
if [ -f "$DEST/node_modules/axe-core/axe.min.js" ] && grep -q "\"version\": \"$AXE_VERSION\"" "$DEST/node_modules/axe-core/package.json"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  bash "$(dirname "$0")/apt-install.sh" npm npm
fi
mkdir -p "$DEST"
npm install --prefix "$DEST" --no-audit --no-fund --save-exact "axe-core@$AXE_VERSION"
test -f "$DEST/node_modules/axe-core/axe.min.js"
