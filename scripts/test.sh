#!/usr/bin/env bash
# Set up everything the test suite needs, then run all of it: lint, format, types, tests.
# Usage: bash scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-env.sh

echo "== ruff (lint and format)"
"$VENV/bin/ruff" check src tests benchmarks scripts
"$VENV/bin/ruff" format --check src tests benchmarks scripts
echo "== mypy (strict for citydiplomacy.core)"
"$VENV/bin/mypy"
echo "== pytest"
"$VENV/bin/pytest" -n 2 -q "$@"
