#!/usr/bin/env bash
# The main job: set up, migrate, load the city registry and the demo data (synthetic KPI values
# for real cities, labelled so), then serve the platform on http://127.0.0.1:8000 with gunicorn.
# Usage: bash scripts/run.sh [--port N]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh
# Chromium prints the PDF reports; without it the platform runs, and offers the HTML reports.
bash scripts/install-browser.sh --runtime \
  || echo "warning: Chromium could not be installed: PDF reports are unavailable (HTML works)" >&2
port=8000
if [ "${1:-}" = "--port" ]; then port="$2"; fi
citydiplomacy demo
echo
echo "citydiplomacy is starting on http://127.0.0.1:${port}/"
echo "Demo logins (password citydiplomacy-demo): secretariat (administrator), geneva and lyon"
echo "(city editors of Geneva and Lyon), analyst. All KPI values are synthetic demo data."
echo
exec citydiplomacy serve --host 127.0.0.1 --port "$port"
