#!/usr/bin/env bash
# The container image's build stage, as a script so CI runs the very same
# commands without Docker (scripts/verify-container.sh):
#
#   deploy/container-rootfs.sh OUT
#
# builds the static binary into OUT/usr/local/bin/mentiondesk and makes the
# data directory OUT/data, owned by distroless's "nonroot" user (65532).
# VERSION and COMMIT come from the environment (Docker build args): the
# build context has no .git.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$1
export GOTOOLCHAIN=go1.27.3 CGO_ENABLED=0
PKG=github.com/mentiondesk/mentiondesk/version
mkdir -p "$OUT/usr/local/bin" "$OUT/data"
go build -trimpath -buildvcs=false \
  -ldflags "-s -w -X $PKG.Version=${VERSION:-dev} -X $PKG.Commit=${COMMIT:-}" \
  -o "$OUT/usr/local/bin/mentiondesk" .
chmod 0700 "$OUT/data"
if [ "$(id -u)" = 0 ]; then chown 65532:65532 "$OUT/data"; fi
