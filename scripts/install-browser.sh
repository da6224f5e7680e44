#!/usr/bin/env bash
# System packages the tests need, installed only when missing (needs root or sudo for apt-get):
# Debian's Chromium for the browser tests (Playwright drives it; Playwright's own browser
# download is never used), poppler-utils (pdftotext, pdftoppm) to read rendered PDFs, and
# HarfBuzz's font subsetter, with which WeasyPrint subsets a report's fonts in 0.01 s instead
# of 0.5-0.7 s with fontTools.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || missing+=(poppler-utils)
ldconfig -p | grep -q 'libharfbuzz-subset\.so\.0' || missing+=(libharfbuzz-subset0)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "== installing ${missing[*]} for the tests"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
