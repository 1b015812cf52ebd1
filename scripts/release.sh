#!/usr/bin/env bash
# Builds the release binaries (dist/mentiondesk-linux-amd64, -arm64: names
# without the version, so a "latest" download link never changes), copies
# the systemd unit beside them (README's install steps download everything
# from the release), and writes dist/SHA256SUMS:
#
#   scripts/release.sh             # version from `git describe`, into dist/
#   VERSION=v1.2.0 scripts/release.sh
#
# Static (CGO_ENABLED=0: the SQLite driver is pure Go), stripped (-s -w),
# with paths trimmed so two builds of one commit are byte-identical, and
# the version and commit stamped into the version package. A script rather
# than a Makefile: a new VPS or CI image has bash and git but not always
# make, and the checksum step reads better as shell than as make recipes.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=go1.27.3 CGO_ENABLED=0

OUT=${OUT:-dist}
PLATFORMS=${PLATFORMS:-"linux/amd64 linux/arm64"}
COMMIT=$(git rev-parse HEAD)
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo "dev")}
PKG=github.com/mentiondesk/mentiondesk/version
LDFLAGS="-s -w -X $PKG.Version=$VERSION -X $PKG.Commit=$COMMIT"

mkdir -p "$OUT"
rm -f "$OUT"/mentiondesk-* "$OUT"/mentiondesk.service "$OUT"/SHA256SUMS
for p in $PLATFORMS; do
  os=${p%/*} arch=${p#*/}
  bin="mentiondesk-$os-$arch"
  echo "building $bin"
  GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false -ldflags "$LDFLAGS" -o "$OUT/$bin" .
done
cp deploy/mentiondesk.service "$OUT/"
(cd "$OUT" && sha256sum mentiondesk-* mentiondesk.service > SHA256SUMS && cat SHA256SUMS)
