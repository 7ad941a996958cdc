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

source tests/standins/run.sh
"$bin/python" tests/standins/fidelity.py make-tree "$work/tree"
api_key=AIzaSy-fidelity-check-key
start_standin "$standin" "$work/tree" --page-size 2 --api-key "$api_key"
"$bin/python" tests/standins/fidelity.py check "$standin_port" "$work/credentials.json" "$work/tree" "$api_key"
