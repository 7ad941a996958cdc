#!/usr/bin/env bash
# Drive source throughput: list + download + convert of 1000 generated daily charts served by
# drive-standin at 100 ms latency per request, no faults, at download concurrency 16 and 32.
#
#   bash bench/drive.sh [FILES] [LATENCY_MS]
#
# Release build. Prints wall time and files/s per concurrency; results go to bench/out/drive/.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-1000}
latency=${2:-100}

cargo build --release --locked --quiet -p bluedot -p standins
target="${CARGO_TARGET_DIR:-target}/release"
out=bench/out/drive
rm -rf "$out"
mkdir -p "$out"
source tests/standins/run.sh

day="$work/tree/daily/2024-08-02"
mkdir -p "$day"
"$target/bluedot" gen --output "$day" --count "$files" --timeframe daily
echo "bench: $(ls "$day" | wc -l) files, $(du -sh "$day" | cut -f1) behind drive-standin at ${latency} ms per request"

start_standin "$target/drive-standin" "$work/tree" --latency-ms "$latency" --page-size 1000

printf '%-12s %10s %10s %10s %10s\n' concurrency wall_s files/s ok retries | tee "$out/results.txt"
for concurrency in 16 32; do
  start=$(date +%s.%N)
  BLUEDOT_TEST_DRIVE_API_URL="http://127.0.0.1:$standin_port/" \
  GOOGLE_CREDENTIALS="$work/credentials.json" \
    "$target/bluedot" process --source gdrive:rootFolder0 --date 2024-08-02 --timeframe daily \
    --output "$work/out-$concurrency" --download-concurrency "$concurrency" \
    2>"$out/stderr-$concurrency.txt" || { cat "$out/stderr-$concurrency.txt" >&2; exit 1; }
  end=$(date +%s.%N)
  cp "$work/out-$concurrency/report.json" "$out/report-$concurrency.json"
  python3 - "$start" "$end" "$out/report-$concurrency.json" "$concurrency" <<'PY' | tee -a "$out/results.txt"
import json, sys
start, end, report, concurrency = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
totals = json.load(open(report))["totals"]
wall = end - start
print(f"{concurrency:<12} {wall:10.2f} {totals['files'] / wall:10.1f} {totals['ok']:10} {totals['retries']:10}")
PY
done
