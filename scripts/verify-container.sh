#!/usr/bin/env bash
# What can be checked of the container image without Docker:
#  1. the Dockerfile has what the image promises (non-root user, data
#     volume, healthcheck, the build stage running deploy/container-rootfs.sh);
#  2. the build stage's commands, run as a script, give a static binary and
#     a data directory owned by 65532;
#  3. that layout, completed with what distroless static-debian12 adds
#     (/etc/passwd with nonroot, CA certificates, /tmp), runs in a chroot as
#     65532: the server starts on the empty /data volume and the image's
#     HEALTHCHECK command passes against it;
#  4. deploy/compose.yaml parses and wires the volume, Caddy and the domain.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "verify-container: $*" >&2; exit 1; }

echo "-- Dockerfile"
for want in '^FROM golang:[^ ]+ AS build$' '^FROM gcr.io/distroless/static-debian12:nonroot$' \
  'deploy/container-rootfs.sh /rootfs$' '^USER 65532:65532$' '^VOLUME /data$' \
  '^HEALTHCHECK .*' '"healthcheck"\]$' '^CMD \["serve", "--http", "0.0.0.0:8090", "--dir", "/data"\]$'; do
  grep -Eq "$want" Dockerfile || fail "Dockerfile lacks $want"
done
[ "$(grep -c '^FROM ' Dockerfile)" = 2 ] || fail "Dockerfile should have two stages"

echo "-- build stage (deploy/container-rootfs.sh)"
TMP=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
ROOT=$TMP/rootfs
VERSION=ci-container COMMIT=$(git rev-parse HEAD) deploy/container-rootfs.sh "$ROOT"
BIN=$ROOT/usr/local/bin/mentiondesk
[ -x "$BIN" ] || fail "no binary at /usr/local/bin/mentiondesk"
if readelf -l "$BIN" | grep -q 'interpreter'; then fail "binary is dynamically linked"; fi
"$BIN" version | grep -q '^mentiondesk ci-container ' || fail "version not stamped"

if [ "$(id -u)" != 0 ]; then
  echo "-- not root: the chroot run (step 3) needs root, skipped"
else
  [ "$(stat -c %u:%g "$ROOT/data")" = 65532:65532 ] || fail "/data is not owned by 65532"
  echo "-- runtime layout in a chroot, as 65532"
  mkdir -p "$ROOT/etc/ssl/certs" "$ROOT/tmp"
  chmod 1777 "$ROOT/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$ROOT/etc/passwd"
  [ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/"
  PORT=18392
  chroot --userspec=65532:65532 "$ROOT" /usr/local/bin/mentiondesk serve --http "127.0.0.1:$PORT" --dir /data >"$TMP/log" 2>&1 &
  PID=$!
  ok=
  for _ in $(seq 100); do
    if chroot --userspec=65532:65532 "$ROOT" /usr/local/bin/mentiondesk healthcheck "http://127.0.0.1:$PORT/api/health"; then ok=1; break; fi 2>/dev/null
    sleep 0.2
  done
  [ -n "$ok" ] || { cat "$TMP/log"; fail "healthcheck never passed"; }
  [ "$(stat -c %u "$ROOT/data/data.db")" = 65532 ] || fail "data.db not written by 65532"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
  chroot --userspec=65532:65532 "$ROOT" /usr/local/bin/mentiondesk healthcheck "http://127.0.0.1:$PORT/api/health" 2>/dev/null \
    && fail "healthcheck passes with the server stopped"
  echo "server ran as 65532 on the empty volume; healthcheck passed, and failed once it stopped"
fi

echo "-- deploy/compose.yaml"
if python3 -c 'import yaml' 2>/dev/null; then
  python3 - <<'PY'
import yaml, sys
c = yaml.safe_load(open("deploy/compose.yaml"))
s = c["services"]
md, caddy = s["mentiondesk"], s["caddy"]
assert "mentiondesk-data:/data" in md["volumes"], "data volume not mounted at /data"
assert "ports" not in md, "mentiondesk should be reachable through Caddy only"
assert any(p.startswith("443:443") for p in caddy["ports"]), "caddy does not publish 443"
assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
assert set(c["volumes"]) >= {"mentiondesk-data", "caddy-data"}
print("compose.yaml: services, volumes and ports as expected")
PY
  grep -q 'reverse_proxy mentiondesk:8090' deploy/Caddyfile || fail "Caddyfile does not proxy to mentiondesk:8090"
else
  echo "no python3 yaml module: compose.yaml not parsed"
fi
echo "verify-container: ok"
