#!/usr/bin/env bash
# Disk full, for real: a 64 MiB tmpfs becomes the data directory's
# filesystem and TestDiskFullOnARealFilesystem fills it (ingest pauses with
# a health error and one owner alert, the outbox holds its replies, reads
# work, PRAGMA integrity_check passes, all resumes once space is freed).
# Mounting needs root, as CI runs; elsewhere the test is skipped, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}

if [ "$(id -u)" != 0 ]; then
  echo "diskfull: not root, cannot mount a tmpfs: skipped"
  exit 0
fi
mnt=$(mktemp -d /tmp/md-diskfull.XXXXXX)
cleanup() { umount "$mnt" 2>/dev/null || true; rmdir "$mnt"; }
trap cleanup EXIT
mount -t tmpfs -o size=64m,mode=0700 tmpfs "$mnt"
MD_DISKFULL_DIR="$mnt" go test ./hooks -run '^TestDiskFullOnARealFilesystem$' -count=1 -v
