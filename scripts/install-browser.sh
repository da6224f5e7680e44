#!/usr/bin/env bash
# System packages, installed only when missing (needs root or sudo for apt-get): Debian's
# Chromium, which prints the PDF reports and runs the browser tests (Playwright drives it;
# Playwright's own browser download is never used), and, for the tests only, poppler-utils
# (pdftotext, pdftoppm) to read rendered PDFs.
# Usage: bash scripts/install-browser.sh [--runtime]   (--runtime: Chromium only)
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${1:-}" != "--runtime" ]; then
  command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || missing+=(poppler-utils)
fi
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "== installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
