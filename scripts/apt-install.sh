#!/usr/bin/env bash
# Install Debian packages for the tests: apt-install.sh WHAT PACKAGE... (WHAT names them in the
# error). Runs apt-get as root, or through sudo; fails with one line when neither is available.
set -euo pipefail
what="$1"
shift
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "$what is missing and neither root nor sudo is available" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "$@"
