#!/usr/bin/env bash
# No Docker engine runs here, so the image build is checked without one: the files the
# Dockerfile's build stage copies must all be admitted by .dockerignore, and cargo must resolve
# the workspace from exactly those files (a missing workspace member breaks `docker build`).
set -euo pipefail
cd "$(dirname "$0")/../.."

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT

# Sources of every `COPY` that does not copy from another stage.
mapfile -t sources < <(awk '/^COPY / && !/--from=/ { for (i = 2; i < NF; i++) print $i }' Dockerfile)
[ "${#sources[@]}" -gt 0 ] || { echo "docker-context: no COPY lines found" >&2; exit 1; }
for src in "${sources[@]}"; do
  clean="${src%/}"
  if ! grep -Eqx "!${clean}/?" .dockerignore; then
    echo "docker-context: $src is copied by the Dockerfile but excluded by .dockerignore" >&2
    exit 1
  fi
  mkdir -p "$context/$(dirname "$clean")"
  cp -r "$clean" "$context/$clean"
done
(cd "$context" && cargo metadata --locked --format-version 1 >/dev/null)
echo "docker-context: ${#sources[@]} COPY sources admitted by .dockerignore; cargo resolves the workspace from them"
