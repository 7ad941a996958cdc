# shellcheck shell=bash
# Shared by the bench scripts (sourced, after `cd` to the repository and setting OUT and SEED).
# The binary the action ships: the Dockerfile's recipe (glibc linked statically, the host target).
HOST=$(rustc -vV | sed -n 's/^host: //p')
SHIPPED_BIN=target/$HOST/release/bluedot

build_shipped_bin() {
  RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --quiet --target "$HOST" --bin bluedot
}

# bench_input N TRASH: makes $OUT/in-N hold N generated daily charts (seed $SEED), reusing them
# while the generator's sources and the seed are unchanged; stale ones are moved into TRASH.
bench_input() {
  local n=$1 trash=$2 stamp
  stamp="seed=$SEED $(cat src/synth.rs src/synth/*.rs | cksum | cut -d' ' -f1)"
  if [ -d "$OUT/in-$n" ] && [ "$(cat "$OUT/in-$n.stamp" 2>/dev/null)" = "$stamp" ]; then
    return
  fi
  echo "generating $n daily chart files (seed $SEED)" >&2
  if [ -e "$OUT/in-$n" ]; then mkdir -p "$trash" && mv "$OUT/in-$n" "$trash/in-$n-$(date +%s%N)"; fi
  "$SHIPPED_BIN" gen --output "$OUT/in-$n" --count "$n" --timeframe daily --seed "$SEED" 2>/dev/null
  echo "$stamp" >"$OUT/in-$n.stamp"
}
