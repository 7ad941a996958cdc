#!/usr/bin/env bash
# Windows, run rather than only compiled: the whole test suite is built for x86_64-pc-windows-gnu
# and run under Wine. Traders run bluedot on Windows laptops, where it takes paths Linux never
# does: names joined to folder paths instead of `openat`, two renames instead of
# `RENAME_EXCHANGE`, a run's claim without Unix file identity, Windows file locks and path
# separators. Each test starts the real bluedot.exe, as on Linux. Wine is not Windows (its files
# are Linux files underneath, so sharing and rename rules are Linux's), but it runs the code.
#
# Wine and the MinGW-w64 compiler (for ring's C, and a small DLL below) come from Debian's
# packages; a machine that cannot install them, or fetch the target's standard library, says
# SKIPPED. The build has its own target folder, apart from the stub-compiled checks of
# other-platforms.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."

target=x86_64-pc-windows-gnu
skip() {
  echo "windows: SKIPPED: $1" >&2
  exit 0
}

missing=()
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
[ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null || missing+=(wine64)
if [ ${#missing[@]} -gt 0 ]; then
  echo "windows: installing ${missing[*]} (apt-get)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    skip "could not install ${missing[*]}"
  fi
fi
if ! rustup target list --installed | grep -qx "$target"; then
  rustup target add "$target" >/dev/null || skip "the $target standard library could not be installed"
fi
wine=/usr/lib/wine/wine64
[ -x "$wine" ] || wine=$(command -v wine64)

export CARGO_TARGET_DIR="$PWD/target/windows"
export WINEPREFIX="$CARGO_TARGET_DIR/wineprefix" WINEDEBUG=-all
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$wine"
export CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc
trap 'wineserver -k 2>/dev/null || true' EXIT

echo "windows: cargo test --target $target (under Wine: $("$wine" --version))"
# Wine makes its prefix on first use, chattily; made here, its notes stay out of the test output.
"$wine" wineboot --init >/dev/null 2>&1 || true
cargo test --locked --workspace --target "$target" --no-run --quiet
# Wine before 9 lacks the DLL whose ProcessPrng Rust's standard library needs at start-up.
for dir in "$CARGO_TARGET_DIR/$target/debug" "$CARGO_TARGET_DIR/$target/debug/deps"; do
  x86_64-w64-mingw32-gcc -shared -O2 -o "$dir/bcryptprimitives.dll" \
    .ci/windows/processprng.c .ci/windows/bcryptprimitives.def -lbcrypt
done
cargo test --locked --workspace --target "$target" --quiet
echo "windows: ok"
