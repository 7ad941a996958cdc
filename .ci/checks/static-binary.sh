#!/usr/bin/env bash
# The binary the Dockerfile ships is static and runs with an empty environment: built here with
# the Dockerfile's exact recipe (glibc, crt-static, the host target), then proven to need no
# dynamic loader or shared library, then run under `env -i` as the CLI and as the action.
set -euo pipefail
cd "$(dirname "$0")/../.."

host="$(rustc -vV | sed -n 's/^host: //p')"
# --target keeps build scripts and proc-macros dynamic (they must be) and the binary static.
RUSTFLAGS='-C target-feature=+crt-static' \
  cargo build --release --locked --target "$host" --bin bluedot
bin="$PWD/target/$host/release/bluedot"

fail() { echo "static-binary: $*" >&2; exit 1; }

if command -v file >/dev/null; then
  file "$bin"
  file "$bin" | grep -Eq 'statically linked|static-pie linked' || fail "file says it is not static"
fi
ldd_out="$(ldd "$bin" 2>&1 || true)"
echo "ldd: $ldd_out"
grep -Eq 'not a dynamic executable|statically linked' <<<"$ldd_out" || fail "ldd lists libraries"
# The ELF itself: no program interpreter, no NEEDED library.
if readelf --program-headers "$bin" | grep -q INTERP; then fail "has a program interpreter"; fi
if readelf --dynamic "$bin" | grep -q NEEDED; then fail "needs shared libraries"; fi
echo "readelf: no INTERP segment, no NEEDED entries"
echo "size: $(stat -c %s "$bin") bytes"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/in" "$tmp/workspace/drop"
chart='{"chart":{"prices":[{"priceDate":1753986600000,"open":10,"high":11,"low":9,"close":10.5,"volume":100,"pdt":"TradingDate","bc":1.5,"rlst":50}],"peripheralData":{"symbol":"ABC.IN","name":"Abc"}}}'
printf '%s' "$chart" > "$tmp/in/ABC.IN_daily.json"
cp "$tmp/in/ABC.IN_daily.json" "$tmp/workspace/drop/"

echo "-- env -i bluedot --version"
env -i "$bin" --version

echo "-- env -i bluedot process (time zone data is built in)"
env -i "$bin" process --input "$tmp/in" --output "$tmp/out" --timeframe daily --timezone Asia/Kolkata
grep -q '^20250801T,' "$tmp/out/data/daily/ABC_IN_PRICE_DATA.csv" || fail "unexpected CSV"
echo "process: $(ls "$tmp/out/data/daily" | tr '\n' ' ')"

echo "-- env -i with only what the runner gives a container action"
touch "$tmp/output" "$tmp/summary"
env -i GITHUB_ACTIONS=true CI=true HOME=/github/home GITHUB_WORKSPACE="$tmp/workspace" \
  GITHUB_OUTPUT="$tmp/output" GITHUB_STEP_SUMMARY="$tmp/summary" \
  INPUT_MODE=plan INPUT_SOURCE=drop INPUT_FILES-PER-SHARD=250 "$bin"
grep -qx '{"shard":\[0\]}' "$tmp/output" || fail "plan output missing"
echo "action plan: $(grep -A1 '^matrix<<' "$tmp/output" | tail -n 1)"

# The image is FROM scratch: no /etc, no /tmp, no libraries, only what Docker mounts (/proc,
# /dev, /etc/hosts, /etc/resolv.conf) and what the runner mounts (/github/...). Run the binary in
# such a root, in a mount namespace of its own so that nothing stays mounted. A static glibc
# resolves host names without libnss (files and dns are built into glibc since 2.34): proven by
# a name the root's /etc/hosts sends to 127.0.0.1, where nothing listens on 443.
echo "-- in a root holding only the binary, as the scratch image does"
if [ "$(id -u)" != 0 ] || ! unshare --mount true 2>/dev/null; then
  echo "skipped: needs root and a mount namespace"
  exit 0
fi
root="$tmp/root"
mkdir -p "$root/proc" "$root/dev" "$root/etc" "$root/github/workspace" "$root/github/file_commands"
cp "$bin" "$root/bluedot"
cp -r "$tmp/workspace/drop" "$root/github/workspace/drop"
echo "127.0.0.1 www.googleapis.com" >"$root/etc/hosts"
: >"$root/github/file_commands/output"
: >"$root/github/file_commands/summary"
unshare --mount bash -euo pipefail -c '
  root=$1
  chroot=$(command -v chroot)
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  env -i GITHUB_ACTIONS=true CI=true HOME=/github/home GITHUB_WORKSPACE=/github/workspace \
    GITHUB_OUTPUT=/github/file_commands/output GITHUB_STEP_SUMMARY=/github/file_commands/summary \
    INPUT_MODE=process INPUT_SOURCE=drop INPUT_TIMEFRAME=daily INPUT_OUTPUT-DIR=site \
    "$chroot" "$root" /bluedot >/dev/null
  set +e
  env -i GOOGLE_API_KEY=not-a-real-key-0123456789 BLUEDOT_TEST_DRIVE_BACKOFF_SCALE=0 "$chroot" "$root" /bluedot \
    process --source gdrive:root --output /out --timeframe daily --date 2025-08-01 \
    2>"$root/drive.stderr"
  echo "drive exit: $?"
' _ "$root"
grep -q '^20250801T,' "$root/github/workspace/site/data/daily/ABC_IN_PRICE_DATA.csv" \
  || fail "the action wrote no series in the scratch root"
grep -q '^files-ok<<' "$root/github/file_commands/output" || fail "no outputs in the scratch root"
echo "action process: $(ls "$root/github/workspace/site/data/daily" | tr '\n' ' ')"
grep -q 'Connection refused' "$root/drive.stderr" \
  || fail "www.googleapis.com was not resolved from /etc/hosts: $(cat "$root/drive.stderr")"
echo "name resolution: www.googleapis.com -> 127.0.0.1 from /etc/hosts (connection refused, as meant)"
