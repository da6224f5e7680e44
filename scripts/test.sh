#!/usr/bin/env bash
# Set up everything the test suite needs, then run all of it: lint, format, types, Django's
# checks (migrations up to date, production settings pass check --deploy), and the tests on
# SQLite and again on PostgreSQL (DATABASE_URL_TEST, default the local server's `test`
# database; on CI the PostgreSQL run is required, elsewhere it is skipped when no server
# answers). The background-work tests need Redis (CITYDIPLOMACY_TEST_REDIS_URL, default
# redis://127.0.0.1:6379/3): when none answers on this machine and redis-server is installed
# (on CI it is installed when missing), a throw-away one is started for the run and stopped
# after; on CI the Redis tests are required, elsewhere they are skipped with the reason.
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
echo "== Redis for the background-work tests"
redis_url="${CITYDIPLOMACY_TEST_REDIS_URL:-redis://127.0.0.1:6379/3}"
export CITYDIPLOMACY_TEST_REDIS_URL="$redis_url"
redis_answers() {
  "$VENV/bin/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()" \
    "$redis_url" 2>/dev/null
}
if ! redis_answers; then
  if [ "${CI:-}" = "true" ] && ! command -v redis-server >/dev/null 2>&1; then
    apt-get install -y -q redis-server >/dev/null || { apt-get update -q && apt-get install -y -q redis-server; }
  fi
  redis_port="$(echo "$redis_url" | sed -E 's@^redis://[^:/]*:?([0-9]*).*@\1@')"
  if command -v redis-server >/dev/null 2>&1; then
    redis_pid_file="$CITYDIPLOMACY_DATA_DIR/redis-test.pid"
    mkdir -p "$CITYDIPLOMACY_DATA_DIR"
    redis-server --port "${redis_port:-6379}" --bind 127.0.0.1 --save "" --appendonly no \
      --daemonize yes --pidfile "$redis_pid_file" >/dev/null
    trap 'kill "$(cat "$redis_pid_file")" 2>/dev/null || true' EXIT
    for _ in $(seq 50); do redis_answers && break; sleep 0.1; done
  fi
fi
if redis_answers; then
  export CITYDIPLOMACY_REQUIRE_REDIS=1
elif [ "${CI:-}" = "true" ]; then
  echo "Redis at $redis_url does not answer; CI requires the background-work tests" >&2
  exit 1
else
  echo "== Redis at $redis_url does not answer: the tests on a real Redis and worker are skipped"
fi
echo "== pytest on SQLite"
"$VENV/bin/pytest" -n 2 -q "$@"
echo "== background work on a real Redis and worker process (SQLite test database in a file)"
rm -f "$CITYDIPLOMACY_DATA_DIR"/test-worker.sqlite3*
CITYDIPLOMACY_SQLITE_TEST_DB="$CITYDIPLOMACY_DATA_DIR/test-worker.sqlite3" \
  "$VENV/bin/pytest" -q tests/web/test_tasks_redis.py tests/web/test_tasks_redis_more.py
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
