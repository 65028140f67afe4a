# syntax=docker/dockerfile:1
#
# Tacoma's container image: one static binary on distroless, running as uid 65532.
#   docker build -t tacoma .
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/tacoma:VERSION --push .
# deploy/deploy_test.go checks this file statically and builds the binary with the same flags.

# The same Go as go.mod's go line: the golang images set GOTOOLCHAIN=local, so an older
# patch release would refuse to build rather than download the right toolchain.
ARG GO_VERSION=1.26.8

# The builder runs on the build machine's platform and cross-compiles, which pure Go (modernc
# SQLite, no cgo) allows; an emulated arm64 compiler would be several times slower.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG TARGETOS TARGETARCH
# The catalog, postmortem templates and store migrations are embedded, so the binary is all
# the final stage needs.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w" -o /out/tacoma ./cmd/tacoma
# The final stage has no shell to mkdir with; an empty folder copied with --chown gives the
# non-root user a writable data dir when no volume is mounted there.
RUN mkdir -p /out/data

# distroless rather than scratch: it already has CA certificates (Slack, PostgreSQL over TLS),
# /etc/passwd with the nonroot user, and /tmp, and its tag is kept patched. Time zones need
# nothing: the binary embeds time/tzdata.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="tacoma" \
      org.opencontainers.image.description="Incident-response Slack bot: finds past outages like the one you are fighting, and says why" \
      org.opencontainers.image.source="https://github.com/tacoma-bot/tacoma" \
      org.opencontainers.image.url="https://github.com/tacoma-bot/tacoma" \
      org.opencontainers.image.documentation="https://github.com/tacoma-bot/tacoma#readme" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot"
COPY --from=build /out/tacoma /usr/local/bin/tacoma
COPY --from=build --chown=65532:65532 /out/data /var/lib/tacoma
ENV TACOMA_DATA_DIR=/var/lib/tacoma \
    TACOMA_HTTP_ADDR=:8080
# Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
# Alert webhooks, /healthz, /readyz and /metrics.
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tacoma"]
CMD ["run"]
