# mimecast-bot production image (see docs/docker.md).
#   docker build -t mimecast-bot .
# Needs BuildKit (the default builder since Docker 23) for the cache mounts below. They are
# part of the Dockerfile frontend built into BuildKit, so there is no `# syntax=` line: the
# build does not have to fetch a frontend image, which keeps it working behind a registry
# mirror or offline with the base images already present.

# ---------------------------------------------------------------------------------------
# Build: the release binary from the workspace's locked dependencies.
# ---------------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder

# Set by BuildKit; keys the target-dir cache per platform so multi-arch builds don't mix.
ARG TARGETPLATFORM

WORKDIR /src

# The context is an allowlist (.dockerignore): the manifests, Cargo.lock, src/, commands/
# and benches/summary.rs (Cargo.toml declares that bench; cargo will not load the manifest
# without it).
COPY . .

# The registry and target/ live in cache mounts, so dependency crates are downloaded and
# compiled once and reused by later builds; only the workspace's own crates rebuild when
# the sources change. Touching their roots makes cargo rebuild them even if a cached
# artifact looks newer than a copied file. The binary is copied out of the cache mount,
# which is not part of the layer.
RUN --mount=type=cache,id=mimecast-bot-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=mimecast-bot-cargo-git,target=/usr/local/cargo/git \
    --mount=type=cache,id=mimecast-bot-target-${TARGETPLATFORM},target=/src/target,sharing=locked \
    touch src/main.rs src/lib.rs commands/src/lib.rs \
    && cargo build --release --locked --bin mimecast-bot \
    && install -D -m 0755 target/release/mimecast-bot /out/mimecast-bot

# ---------------------------------------------------------------------------------------
# Runtime: the binary links only libc, libm and libgcc_s (SQLite is bundled, TLS is rustls
# with its own webpki roots); ca-certificates is installed for anything that reads the
# system store. No curl: the HEALTHCHECK speaks HTTP through bash's /dev/tcp.
# ---------------------------------------------------------------------------------------
FROM debian:bookworm-slim

# Placeholder: pass --build-arg SOURCE_URL=<repository URL> when publishing.
ARG SOURCE_URL=https://example.invalid/mimecast-bot

LABEL org.opencontainers.image.title="mimecast-bot" \
      org.opencontainers.image.description="Chat-ops bot for investigating and containing email threats on Mimecast from Discord, Slack or a terminal" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="Apache-2.0"

# The package lists and apt's binary caches are removed in the same layer; the official slim
# image does the caches itself, a base without its apt.conf.d/docker-clean would keep ~80 MB.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin

# A fixed, non-root uid/gid, so volume and secret-file ownership can be set from outside.
RUN groupadd --gid 10001 mimecast-bot \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /var/lib/mimecast-bot \
        --shell /usr/sbin/nologin mimecast-bot \
    && install -d -m 0750 -o 10001 -g 10001 /var/lib/mimecast-bot

COPY --from=builder /out/mimecast-bot /usr/local/bin/mimecast-bot

# The SQLite store (pending approvals, audit log, summary runs) lives on the volume.
ENV MIMECAST_BOT_STORE_PATH=/var/lib/mimecast-bot/mimecast-bot.db \
    SLACK_LISTEN=0.0.0.0:3000 \
    MIMECAST_BOT_OPS_LISTEN=0.0.0.0:9090

WORKDIR /var/lib/mimecast-bot
USER 10001:10001
VOLUME ["/var/lib/mimecast-bot"]

# 3000: Slack slash commands and interactivity. 9090: GET /healthz and GET /metrics.
EXPOSE 3000 9090

# `docker stop` sends this; the bot finishes in-flight work within a bound and exits.
STOPSIGNAL SIGTERM

# GET /healthz on MIMECAST_BOT_OPS_LISTEN (a wildcard host is probed on loopback); healthy
# only on a "200" status line. `timeout` bounds a connect that hangs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["timeout", "4", "bash", "-c", "a=${MIMECAST_BOT_OPS_LISTEN:-0.0.0.0:9090}; p=${a##*:}; h=${a%:*}; h=${h#\\[}; h=${h%\\]}; case $h in ''|0.0.0.0) h=127.0.0.1 ;; ::) h=::1 ;; esac; exec 3<>/dev/tcp/$h/$p && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && IFS= read -r -t 3 s <&3 && [[ $s == *' 200 '* ]]"]

ENTRYPOINT ["mimecast-bot"]
CMD ["run"]
