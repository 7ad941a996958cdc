#!/usr/bin/env bash
# Drive stand-in fidelity: Google's own Python client (google-api-python-client + google-auth)
# lists across pages and downloads through drive-standin with service-account credentials whose
# token_uri is the stand-in. If Google's client accepts it, our tests against it mean something.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/lib.sh
bin=$(ci_venv google-api-python-client google-auth requests)

cargo build --locked --quiet -p standins --bin drive-standin
standin="${CARGO_TARGET_DIR:-target}/debug/drive-standin"

work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin/python" tests/standins/fidelity.py make-tree "$work/tree"
"$standin" --root "$work/tree" --port-file "$work/port" --credentials-out "$work/credentials.json" \
  --page-size 2 &
pid=$!
for _ in $(seq 100); do
  [ -s "$work/port" ] && break
  sleep 0.1
done
[ -s "$work/port" ] || { echo "drive-standin did not start" >&2; exit 1; }

"$bin/python" tests/standins/fidelity.py check "$(cat "$work/port")" "$work/credentials.json" "$work/tree"
