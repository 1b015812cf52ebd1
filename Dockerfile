# syntax=docker/dockerfile:1
# Mentiondesk in a container: a static binary on distroless, run as the
# image's non-root user, the data in a volume.
#
#   docker build --build-arg VERSION=v1.2.0 --build-arg COMMIT=$(git rev-parse HEAD) -t mentiondesk .
#   docker run -d -p 127.0.0.1:8090:8090 -v mentiondesk-data:/data mentiondesk
#
# deploy/compose.yaml puts Caddy in front for HTTPS.

FROM golang:1.27-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN GOTOOLCHAIN=go1.27.3 go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=
ARG TARGETOS=linux
ARG TARGETARCH=amd64
RUN VERSION=$VERSION COMMIT=$COMMIT GOOS=$TARGETOS GOARCH=$TARGETARCH deploy/container-rootfs.sh /rootfs

# static-debian12 has CA certificates and /etc/passwd with nonroot (65532);
# no shell, no package manager. Time zones are built into the binary.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /rootfs/usr/local/bin/mentiondesk /usr/local/bin/mentiondesk
COPY --from=build --chown=65532:65532 /rootfs/data /data
USER 65532:65532
VOLUME /data
EXPOSE 8090
# `healthcheck` asks /api/health without opening the database (no curl here).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/mentiondesk", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/mentiondesk"]
CMD ["serve", "--http", "0.0.0.0:8090", "--dir", "/data"]
