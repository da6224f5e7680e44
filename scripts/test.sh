#!/usr/bin/env bash
# Set up everything the test suite needs, then run all of it: lint, format, types, Django's
# checks (migrations up to date, production settings pass check --deploy), and the tests on
# SQLite and again on PostgreSQL (DATABASE_URL_TEST, default the local server's `test`
# database; on CI the PostgreSQL run is required, elsewhere it is skipped when no server
# answers).
# Usage: bash scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh
bash scripts/install-browser.sh
export CITYDIPLOMACY_DATA_DIR="${CITYDIPLOMACY_DATA_DIR:-$PWD/var/test}"
unset DATABASE_URL

echo "== ruff (lint and format)"
"$VENV/bin/ruff" check src tests benchmarks scripts
"$VENV/bin/ruff" format --check src tests benchmarks scripts
echo "== mypy (strict for citydiplomacy.core)"
"$VENV/bin/mypy"
echo "== import-linter (the layer rule: contracts in pyproject.toml)"
"$VENV/bin/lint-imports" --no-cache --no-logo
echo "== django: migrations match the models; production settings pass check --deploy"
citydiplomacy manage makemigrations --check --dry-run
CITYDIPLOMACY_ENV=production CITYDIPLOMACY_SECRET_KEY="check-deploy-$(head -c 32 /dev/urandom | base64)" \
  CITYDIPLOMACY_ALLOWED_HOSTS=citydiplomacy.example.org \
  citydiplomacy manage check --deploy --fail-level WARNING
echo "== pytest on SQLite"
"$VENV/bin/pytest" -n 2 -q "$@"
pg_url="${DATABASE_URL_TEST:-postgres://postgres@127.0.0.1:5432/test}"
if "$VENV/bin/python" -c "import psycopg, sys; psycopg.connect(sys.argv[1].replace('postgres://', 'postgresql://'), connect_timeout=3).close()" "$pg_url" 2>/dev/null; then
  echo "== pytest on PostgreSQL ($pg_url)"
  DATABASE_URL="$pg_url" "$VENV/bin/pytest" -n 2 -q "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL at $pg_url does not answer; CI requires the PostgreSQL run" >&2
  exit 1
else
  echo "== PostgreSQL at $pg_url does not answer: PostgreSQL run skipped"
fi
