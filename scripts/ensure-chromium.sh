#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests when it is missing (idempotent; needs root or sudo).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" chromium chromium
test -x /usr/bin/chromium
