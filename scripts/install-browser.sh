#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it; Playwright's own browser
# download is never used). Installs only when missing; needs root (or sudo) for apt-get.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "== installing Debian's chromium for the browser tests"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
