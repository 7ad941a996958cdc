# shellcheck shell=bash
# Helpers sourced by .ci/checks/*.sh.

# A Python virtual environment under .ci/.venv with the given PyPI packages; prints its bin dir.
ci_venv() {
  local venv=.ci/.venv
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
  fi
  "$venv/bin/python" -m pip install --quiet "$@" >&2
  echo "$PWD/$venv/bin"
}
