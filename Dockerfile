# syntax=docker/dockerfile:1
#
# opik-mcp container image.
#
#   docker build -t opik-mcp .
#   docker run --read-only -p 3001:3001 -p 9464:9464 \
#     -e OPIK_MCP_AUTH__MODE=jwt -e OPIK_MCP_AUTH__RESOURCE=https://mcp.example.com/mcp \
#     -e OPIK_MCP_AUTH__JWT__ISSUER=https://idp.example.com \
#     -e OPIK_MCP_AUTH__JWT__JWKS_URL=https://idp.example.com/.well-known/jwks.json \
#     -e OPIK_API_KEY=... opik-mcp
#
# The default command serves HTTP (legacy SSE + Streamable HTTP) on 0.0.0.0:3001, with the
# admin listener (/metrics, /healthz, /readyz) on 0.0.0.0:9464. Authentication is required:
# with no auth configured (auth.mode = none) the server refuses to start on a non-loopback
# address. Configure OPIK_MCP_AUTH__MODE (jwt, api-key or both) and its settings, or mount a
# TOML file and set OPIK_MCP_CONFIG; only a deliberate --allow-unauthenticated
# (OPIK_MCP_AUTH__ALLOW_UNAUTHENTICATED=true) serves without it. See deploy/README.md.
#
# Stages: chef (toolchain + cargo-chef) → planner (dependency recipe) → builder (dependencies
# cooked in their own layer, rebuilt only when Cargo.toml/Cargo.lock change; then the crate)
# → runtime (distroless, non-root, binary only).
#
# scripts/container-image.sh builds the same image FROM scratch around a given binary (where
# base images cannot be pulled): it reuses the runtime stage below as written, replacing only
# its FROM and its single-line `COPY --from=builder` instructions. Keep those single-line.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS chef
# cargo-chef computes a dependency-only "recipe" so dependencies get their own cached layer.
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
# Release settings for the image only (the workspace profile stays as it is for developers):
# symbols stripped, thin LTO. sqlx checks queries against the committed .sqlx/ data.
ENV CARGO_PROFILE_RELEASE_STRIP=symbols \
    CARGO_PROFILE_RELEASE_LTO=thin \
    SQLX_OFFLINE=true
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --package opik-mcp --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --package opik-mcp --bin opik-mcp \
    && install -D -m 0555 target/release/opik-mcp /out/opik-mcp \
    && install -d -m 0700 /out/data

# Runtime: distroless "cc" (glibc, libgcc, CA certificates, /etc/passwd with nonroot=65532),
# no shell and no package manager. All crypto is aws-lc-rs built into the binary and SQLite is
# bundled, so nothing else is needed. Without a shell or curl, the HEALTHCHECK runs the
# binary's own `opik-mcp healthcheck` (a 2-second plain-HTTP GET of the admin /healthz).
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="opik-mcp" \
      org.opencontainers.image.description="Hardened, remotely hosted MCP server for Opik (LLM observability)" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="gcr.io/distroless/cc-debian12:nonroot"

# The binary is root-owned and read-only to the runtime user. /data is the one writable
# place the process needs (SQLite database, audit spill file, SQLite temp files), owned by
# the runtime user; the volume keeps it writable under --read-only.
COPY --from=builder /out/opik-mcp /usr/local/bin/opik-mcp
COPY --from=builder --chown=65532:65532 /out/data /data

# Settings through the environment, so `docker run -e` overrides each one. The bare upstream
# names are used on purpose: the MCP_* names beat them, so either form overrides these.
#   SSE_LOG_PATH=""        no log file: logs go to stderr only (read-only root filesystem)
#   OPIK_MCP_LOG__FORMAT   one JSON object per line for log collectors
#   OPIK_MCP_ADMIN__HOST   the admin listener must be reachable by probes and Prometheus
#   SQLITE_TMPDIR          SQLite's temporary files go to the writable volume, not /tmp
ENV TRANSPORT=sse \
    SSE_HOST=0.0.0.0 \
    SSE_PORT=3001 \
    SSE_LOG_PATH="" \
    OPIK_MCP_LOG__FORMAT=json \
    OPIK_MCP_ADMIN__HOST=0.0.0.0 \
    OPIK_MCP_ADMIN__PORT=9464 \
    SQLITE_TMPDIR=/data

# Relative defaults (sqlite://opik-mcp.db, the audit spill file) land here.
WORKDIR /data
VOLUME ["/data"]
USER 65532:65532
EXPOSE 3001 9464
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/opik-mcp", "healthcheck", "--timeout-secs", "2"]
ENTRYPOINT ["/usr/local/bin/opik-mcp"]
CMD ["serve"]
