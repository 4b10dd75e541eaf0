#!/usr/bin/env bash
# Install Debian's headless LibreOffice Writer for the document tests when it is missing
# (idempotent; needs root or sudo). The tests convert a .docx made with python-docx to PDF with it,
# so the PDF has the running headers, footers and page numbers a real report has.
set -euo pipefail
if command -v soffice >/dev/null; then
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" LibreOffice libreoffice-writer-nogui fonts-dejavu-core
command -v soffice >/dev/null
