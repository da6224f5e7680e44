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
if [ -n "${CITYDIPLOMACY_BROKER_URL:-}${REDIS_URL:-}" ]; then
  # With a broker the server queues its background work (rescoring, mail): without a worker
  # the scores would never be updated, so one runs beside the server and stops with it.
  echo "Background work goes to the broker: starting a worker beside the server."
  citydiplomacy worker --concurrency 1 &
  worker_pid=$!
  trap 'kill "$worker_pid" 2>/dev/null || true; wait "$worker_pid" 2>/dev/null || true' EXIT
  citydiplomacy serve --host 127.0.0.1 --port "$port"
else
  exec citydiplomacy serve --host 127.0.0.1 --port "$port"
fi
