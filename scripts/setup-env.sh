# Sourced by scripts/test.sh and scripts/run.sh: create .venv and install the project with its
# pinned dependencies (requirements/constraints.txt), only when something changed.
set -euo pipefail
VENV="${CITYDIPLOMACY_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(cat pyproject.toml requirements/constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "== installing dependencies"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -c requirements/constraints.txt -e ".[dev]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
bash scripts/vendor-static.sh
# The web pages' message catalogues: each .po compiled to the .mo Django reads, with Babel (no
# GNU gettext needed); a .mo is rewritten only when it differs from its .po (docs/translation.md).
"$VENV/bin/python" -m citydiplomacy.web.translations
export PATH="$PWD/$VENV/bin:$PATH"
