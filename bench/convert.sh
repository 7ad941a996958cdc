#!/usr/bin/env bash
# Conversion benchmark: bluedot process against a write floor, in one run. See bench/README.md.
#
#   bash bench/convert.sh            # 1000 and 4000 generated daily files, 5 runs each
#   RUNS=3 FILES=500 BIG_FILES=2000 bash bench/convert.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
FILES=${FILES:-1000}
BIG_FILES=${BIG_FILES:-4000}
SEED=${SEED:-1}
OUT=bench/out
# shellcheck source=bench/inputs.sh
. bench/inputs.sh
BIN=$SHIPPED_BIN
FLOOR=$OUT/write_floor

if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time (Debian package 'time') for peak RSS" >&2
  sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if_needed apt-get update -qq && sudo_if_needed apt-get install -y -qq time >/dev/null
fi

echo "building (cargo build --release --target $HOST, rustc -O bench/write_floor.rs; both crt-static)" >&2
build_shipped_bin
mkdir -p "$OUT"
# Linked the same way, so neither pays for dynamic loading the other does not.
rustc -O --edition 2021 -C target-feature=+crt-static bench/write_floor.rs -o "$FLOOR"

# Nothing is deleted until every run is timed. On this disk (ext4 without a journal) a new file
# skips inodes freed in the last 60 seconds, or 360 while their inode-table block is dirty, which
# creating files keeps it; so files created within six minutes of deleting thousands cost many
# times more, and whichever contender ran after a deletion would pay (bench/README.md, "Two
# regimes of this disk").
# Old inputs and every run's output go to $TRASH and are deleted at the very end.
TRASH=$OUT/trash
RUN_DIR=$OUT/timed
mkdir -p "$TRASH"
if [ -e "$RUN_DIR" ]; then mv "$RUN_DIR" "$TRASH/timed-$(date +%s%N)"; fi
# The previous bench's clean-up is such a deletion: wait until it is SETTLE_S (400) seconds old.
SETTLE_S=${SETTLE_S:-400}
if [ -f "$OUT/cleaned-at" ]; then
  wait_s=$(( $(cat "$OUT/cleaned-at") + SETTLE_S - $(date +%s) ))
  if [ "$wait_s" -gt 0 ]; then
    echo "waiting ${wait_s} s for the previous bench's deletions to age (SETTLE_S=0 skips)" >&2
    sleep "$wait_s"
  fi
fi

# Inputs are reused while the generator's sources and the parameters are unchanged.
for n in "$FILES" "$BIG_FILES"; do bench_input "$n" "$TRASH"; done

# measure LABEL OUTPUT_DIR COMMAND...: one timed run writing into OUTPUT_DIR, which must not
# exist yet, with pending writeback flushed first (so a run does not pay for the previous one).
# Appends "wall_microseconds peak_rss_kb cpu_seconds" to $OUT/LABEL.runs.
measure() {
  local label=$1 dir=$2
  shift 2
  [ ! -e "$dir" ] || { echo "measure: $dir exists" >&2; exit 1; }
  sync
  local start end
  start=$(date +%s%N)
  if ! /usr/bin/time -v -o "$OUT/$label.time" "$@" >/dev/null 2>"$OUT/$label.stderr"; then
    echo "FAILED: $label: $*" >&2
    cat "$OUT/$label.stderr" >&2
    exit 1
  fi
  end=$(date +%s%N)
  local rss cpu
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/$label.time")
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$OUT/$label.time")
  echo "$(( (end - start) / 1000 )) $rss $cpu" >>"$OUT/$label.runs"
}

# The peak a run read about itself (VmHWM, report.json's peak_rss_bytes), in KB: a second
# opinion on /usr/bin/time's, which this kernel derives from per-CPU batched counters (see
# bench/README.md, "Reading the table").
own_peak_kb() { tr -d ' \n' <"$1/report.json" | grep -o '"peak_rss_bytes":[0-9]*' | awk -F: '{print int($2/1024)}'; }

median_wall() { awk '{print $1}' "$OUT/$1.runs" | sort -n | awk '{v[NR]=$1} END {printf "%.3f", v[int((NR+1)/2)]/1e6}'; }
best_wall() { awk '{print $1}' "$OUT/$1.runs" | sort -n | head -1 | awk '{printf "%.3f", $1/1e6}'; }
median_cpu() { awk '{print $3}' "$OUT/$1.runs" | sort -n | awk '{v[NR]=$1} END {printf "%.2f", v[int((NR+1)/2)]}'; }
max_rss_kb() { awk '{print $2}' "$OUT/$1.runs" | sort -n | tail -1; }
max_rss_mb() { awk -v kb="$(max_rss_kb "$1")" 'BEGIN {printf "%.1f", kb/1024}'; }

# The command measured: `bluedot process` on the FILES-file input, workers left at the default.
convert=("$BIN" process --input "$OUT/in-$FILES" --timeframe daily)

input_bytes=$(du -sb "$OUT/in-$FILES" | awk '{print $1}')
rm -f "$OUT"/*.runs "$OUT"/*.hwm "$OUT/staged.stages"

# bluedot once to learn the output tree the floor must reproduce (every file, report included).
"${convert[@]}" --output "$RUN_DIR/shape" 2>/dev/null
ok=$(grep -o '"ok": *[0-9]*' "$RUN_DIR/shape/report.json" | head -1 | grep -o '[0-9]*$')
[ "$ok" = "$FILES" ] || { echo "expected $FILES ok files, report says $ok" >&2; exit 1; }
find "$RUN_DIR/shape" -type f -printf '%s\n' >"$OUT/sizes.txt"
out_files=$(wc -l <"$OUT/sizes.txt")
out_bytes=$(awk '{s+=$1} END {print s}' "$OUT/sizes.txt")

# timed_run CONTENDER ROUND: one timed run of staged, per-file or the floor, for round ROUND.
timed_run() {
  case $1 in
    staged)
      measure staged "$RUN_DIR/staged-$2" "${convert[@]}" --output "$RUN_DIR/staged-$2" --write-mode staged
      cp "$RUN_DIR/staged-$2/report.json" "$OUT/staged-report.json"
      tr -d ' \n' <"$OUT/staged-report.json" | grep -o '"timings_ms":{[^}]*}' | sed 's/"timings_ms"://' >>"$OUT/staged.stages"
      ;;
    per-file) measure per-file "$RUN_DIR/per-file-$2" "${convert[@]}" --output "$RUN_DIR/per-file-$2" --write-mode per-file ;;
    floor) measure floor "$RUN_DIR/floor-$2" "$FLOOR" "$OUT/sizes.txt" "$RUN_DIR/floor-$2" ;;
  esac
}

# The contenders whose wall times are compared take turns at going first. Nothing is deleted
# until the end, and the disk can turn slow between two runs of one round once enough files
# have been created (bench/README.md, "Two regimes of this disk"): in a fixed order the first
# would meet the better disk in every such round. The 4000-file runs, there for their memory
# (which the disk does not change), come after all of them: each creates 16,000 files, more
# than a whole round of the others.
contenders=(staged per-file floor)
echo "timing: $RUNS runs each, interleaved in turns, each into a fresh folder" >&2
for i in $(seq "$RUNS"); do
  for k in 0 1 2; do timed_run "${contenders[(i - 1 + k) % 3]}" "$i"; done
  own_peak_kb "$RUN_DIR/staged-$i" >>"$OUT/staged.hwm"
done
for i in $(seq "$RUNS"); do
  measure big "$RUN_DIR/big-$i" "$BIN" process --input "$OUT/in-$BIG_FILES" --output "$RUN_DIR/big-$i" --timeframe daily
  own_peak_kb "$RUN_DIR/big-$i" >>"$OUT/big.hwm"
done
mv "$RUN_DIR" "$TRASH/timed-$(date +%s%N)"
rm -rf "$TRASH"
date +%s >"$OUT/cleaned-at"

floor_wall=$(median_wall floor)
row() { # row LABEL RUNS_NAME
  local wall
  wall=$(median_wall "$2")
  awk -v l="$1" -v w="$wall" -v f="$FILES" -v b="$input_bytes" -v r="$(max_rss_mb "$2")" -v fl="$floor_wall" \
    -v c="$(median_cpu "$2")" -v best="$(best_wall "$2")" \
    'BEGIN {printf "%-30s %8.3f %7.3f %7s %9.0f %9.1f %12s %9.2f\n", l, w, best, c, f/w, b/1e6/w, r, w/fl}'
}

cores=$(nproc)
echo
echo "bluedot process --timeframe daily: $FILES generated files ($(awk -v b="$input_bytes" 'BEGIN {printf "%.1f", b/1e6}') MB), default workers ($cores cores)"
echo "output: $out_files files, $(awk -v b="$out_bytes" 'BEGIN {printf "%.1f", b/1e6}') MB; median of $RUNS wall times; peak RSS = max over runs"
echo "wall_s = median wall time, best_s = fastest run, cpu_s = median user + system seconds;"
echo "files/s and in_MB/s = input charts per median wall second, vs_floor = median / floor median"
echo "(for the floor: what bluedot would reach if converting cost nothing)"
echo
printf "%-30s %8s %7s %7s %9s %9s %12s %9s\n" "" "wall_s" "best_s" "cpu_s" "files/s" "in_MB/s" "peak_RSS_MB" "vs_floor"
row "bluedot --write-mode staged" staged
row "bluedot --write-mode per-file" per-file
row "write floor ($out_files files)" floor
echo

# Where the time goes, from each staged run's report (read/convert/write summed over workers), in
# round order, beside the wall time and CPU the script measured around the whole process.
echo "stages of each staged run, in round order (ms; read/convert/write summed over workers):"
paste -d' ' "$OUT/staged.stages" "$OUT/staged.runs" |
  awk '{printf "  %s  process: %.1f ms, %s CPU-s\n", $1, $2/1000, $4}'

staged_wall=$(median_wall staged)
per_file_wall=$(median_wall per-file)
faster=$(awk -v s="$staged_wall" -v p="$per_file_wall" 'BEGIN {print (s <= p) ? "staged" : "per-file"}')
echo "faster write mode: $faster (staged ${staged_wall} s, per-file ${per_file_wall} s)"

peak=$(max_rss_mb staged)
big_peak=$(max_rss_mb big)
# From the kilobytes /usr/bin/time reports, not the rounded megabytes shown.
growth=$(awk -v a="$(max_rss_kb staged)" -v b="$(max_rss_kb big)" 'BEGIN {printf "%.3f", b/a}')
echo "$BIG_FILES files (default mode): median wall $(median_wall big) s, peak RSS $big_peak MB = ${growth}x the $FILES-file peak"
own_staged=$(sort -n "$OUT/staged.hwm" | tail -1)
own_big=$(sort -n "$OUT/big.hwm" | tail -1)
echo "the same from each run's own VmHWM (report.json): $own_big KB = $(awk -v a="$own_staged" -v b="$own_big" 'BEGIN {printf "%.3f", b/a}')x $own_staged KB"
echo

verdict() { awk -v v="$1" -v limit="$2" 'BEGIN {print (v <= limit) ? "PASS" : "FAIL"}'; }
ratio=$(awk -v w="$staged_wall" -v f="$floor_wall" 'BEGIN {printf "%.2f", w/f}')
best_ratio=$(awk -v w="$(best_wall staged)" -v f="$(best_wall floor)" 'BEGIN {printf "%.2f", w/f}')
# Each round's staged run and floor ran back to back, on the same disk state: their ratio, per round.
paired=$(paste -d' ' "$OUT/staged.runs" "$OUT/floor.runs" | awk '{printf "%.2f\n", $1/$4}' | sort -n | tr '\n' ' ')
paired_median=$(echo "$paired" | tr ' ' '\n' | grep . | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
echo "staged / floor on the fastest runs: ${best_ratio}x; round by round: $paired(median ${paired_median}x)"
# What the floor paid per file created tells which state the disk was in (bench/README.md, "Two
# regimes of this disk"): about 16 us settled, where the ratio is at its highest; several times
# that soon after a boot or after many deletions, where it flatters bluedot.
floor_us=$(awk -v n="$out_files" '{printf "%.0f ", $1/n}' "$OUT/floor.runs")
settled=$(echo "$floor_us" | tr ' ' '\n' | grep . | awk '$1 <= 25' | wc -l)
echo "floor per file created, in round order: ${floor_us}us; $settled of $RUNS rounds on a settled disk (<= 25 us)"
target() { printf "target: %-40s %10s  %s\n" "$1" "$2" "$3"; }
target "$FILES-file peak RSS <= 64 MB" "$peak MB" "$(verdict "$peak" 64)"
target "wall <= 1.5x write floor (staged)" "${ratio}x" "$(verdict "$ratio" 1.5)"
target "$BIG_FILES-file peak <= 1.2x $FILES-file peak" "${growth}x" "$(verdict "$growth" 1.2)"
