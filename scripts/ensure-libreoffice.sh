#!/usr/bin/env bash
# Install Debian's headless LibreOffice Writer for the document tests when it is missing
# (idempotent; needs root or sudo). The tests convert a .docx made with python-docx to PDF with it,
# so the PDF has the running headers, footers and page numbers a real report has.
set -euo pipefail
if command -v soffice >/dev/null; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "LibreOffice is missing and neither root nor sudo is available" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-dejavu-core
command -v soffice >/dev/null
