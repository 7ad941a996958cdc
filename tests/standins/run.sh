# shellcheck shell=bash
# Sourced by scripts that serve a folder through drive-standin (.ci/checks/drive-fidelity.sh,
# bench/drive.sh). Creates "$work" (removed on exit, with the stand-in stopped).
#
#   start_standin BINARY TREE_DIR [drive-standin options...]
# starts the stand-in in the background and sets "$standin_port" once it listens;
# its credentials file is "$work/credentials.json".

work=$(mktemp -d)
standin_pid=""
stop_standin() {
  if [ -n "$standin_pid" ]; then
    kill "$standin_pid" 2>/dev/null || true
    wait "$standin_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop_standin EXIT

start_standin() {
  local binary=$1 tree=$2
  shift 2
  "$binary" --root "$tree" --port-file "$work/port" --credentials-out "$work/credentials.json" "$@" &
  standin_pid=$!
  for _ in $(seq 100); do
    [ -s "$work/port" ] && break
    sleep 0.1
  done
  [ -s "$work/port" ] || { echo "drive-standin did not start" >&2; exit 1; }
  # shellcheck disable=SC2034 # read by the scripts that source this one
  standin_port=$(cat "$work/port")
}
