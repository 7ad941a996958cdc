#!/usr/bin/env bash
# A run into a folder that already holds a tree: what a daily job on a laptop does. See
# bench/README.md ("Running again into the same folder").
#
#   bash bench/rerun.sh                          # 1000 generated charts, 7 runs
#   BASELINE=/path/to/older/bluedot bash bench/rerun.sh   # alternate with another build
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-7}
FILES=${FILES:-1000}
SEED=${SEED:-1}
OUT=bench/out
# shellcheck source=bench/inputs.sh
. bench/inputs.sh
BIN=${BIN:-$SHIPPED_BIN}
BASELINE=${BASELINE:-}

echo "building (cargo build --release --target $HOST, crt-static)" >&2
build_shipped_bin
# The same charts bench/convert.sh converts (and keeps).
bench_input "$FILES" "$OUT/trash"
INPUT=$OUT/in-$FILES

contenders=("$BIN")
if [ -n "$BASELINE" ]; then contenders+=("$BASELINE"); fi
rm -rf "$OUT/rerun"
mkdir -p "$OUT/rerun"

# Each contender writes into its own folder, round after round. `sync` first, so the tree a run
# replaces is on disk, as yesterday's would be, and no run pays for another's writeback.
for round in $(seq 0 "$RUNS"); do
  for i in "${!contenders[@]}"; do
    sync
    start=$(date +%s%N)
    "${contenders[$i]}" process --input "$INPUT" --output "$OUT/rerun/$i" --timeframe daily \
      2>/dev/null || { echo "FAILED: ${contenders[$i]}" >&2; exit 1; }
    end=$(date +%s%N)
    # The report's own wall time ends before the replaced tree is removed; what the process took
    # after it is mostly that removal.
    wall_ms=$(tr -d ' \n' <"$OUT/rerun/$i/report.json" | grep -o '"wall":[0-9]*' | cut -d: -f2)
    after=$(( (end - start) / 1000000 - wall_ms ))
    # Round 0 writes into an empty folder; only the rounds after it replace a tree.
    [ "$round" -gt 0 ] && echo "$i $(( (end - start) / 1000 )) $after" >>"$OUT/rerun/times"
  done
done

echo "bluedot process into a folder holding the previous run's tree ($FILES charts, $RUNS runs)"
echo "wall = median wall time; after report = median time the process took past the report's own wall time (removing the replaced tree, exit)"
# series_of I N: column N of contender I's lines, sorted
series_of() { awk -v i="$1" -v c="$2" '$1 == i {print $c}' "$OUT/rerun/times" | sort -n; }
median() { awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
for i in "${!contenders[@]}"; do
  printf '%-48s wall %6.1f ms (%.1f-%.1f)   after report %4d ms\n' "${contenders[$i]}" \
    "$(series_of "$i" 2 | median | awk '{print $1 / 1000}')" \
    "$(series_of "$i" 2 | head -1 | awk '{print $1 / 1000}')" \
    "$(series_of "$i" 2 | tail -1 | awk '{print $1 / 1000}')" \
    "$(series_of "$i" 3 | median)"
done
rm -rf "$OUT/rerun" "$OUT/trash"
