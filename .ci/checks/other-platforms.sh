#!/usr/bin/env bash
# Traders run bluedot on macOS and Windows laptops too, and the code has paths for them that Linux
# never compiles (no `openat`, no `RENAME_EXCHANGE`, no Unix file identity). Here every target is
# checked with clippy, tests included, as the Linux build is.
#
# Only Rust is checked: this machine has no C compiler for those systems, and one dependency
# (ring, under rustls) compiles C in its build script. A stub compiler stands in for it, writing
# empty objects: enough for checking, never for linking, so nothing here is a working binary.
# (windows.sh builds and runs the Windows tests for real, under Wine; macOS is only checked.)
set -euo pipefail
cd "$(dirname "$0")/../.."

targets=(x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-gnu)
stub="$(mktemp -d)"
trap 'rm -rf "$stub"' EXIT
cat >"$stub/cc" <<'EOF'
#!/usr/bin/env bash
# cc-rs asks which compiler family this is first; then each call names its output with -o or -Fo.
case "$*" in *detect_compiler_family*) echo clang; exit 0 ;; esac
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift ;;
    -o* | -Fo*) out="${1#-o}"; out="${out#-Fo}" ;;
  esac
  shift
done
if [ -n "$out" ]; then : >"$out"; fi
EOF
chmod +x "$stub/cc"

checked=()
for target in "${targets[@]}"; do
  if ! rustup target list --installed | grep -qx "$target"; then
    echo "other-platforms: adding the $target standard library (rustup)"
    if ! rustup target add "$target" >/dev/null; then
      # rustup's server is not a package registry; a machine that cannot reach it checks less.
      echo "other-platforms: SKIPPED $target: its standard library could not be installed" >&2
      continue
    fi
  fi
  var="$(tr 'a-z-' 'A-Z_' <<<"$target")"
  echo "other-platforms: cargo clippy --target $target"
  env "CC_$target=$stub/cc" "AR_$target=ar" "CARGO_TARGET_${var}_LINKER=false" \
    cargo clippy --workspace --all-targets --locked --target "$target" --quiet -- -D warnings
  checked+=("$target")
done
echo "other-platforms: ok: ${checked[*]:-none} (of ${targets[*]})"
