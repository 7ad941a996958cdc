# The action's container: one static binary, nothing else. It trusts the web PKI roots built
# into it (reqwest's rustls-tls: Mozilla's list via webpki-roots), not a CA file, so none is
# copied in and SSL_CERT_FILE would change nothing.
#
# The binary is linked statically against glibc (crt-static), the exact recipe that
# .ci/checks/static-binary.sh builds and proves static, so the image needs no libc, no shell
# and no package manager. It runs as root because the runner mounts the workspace and the
# file-command files writable only for root (GITHUB-PROTOCOLS.txt §3).
#
# Built natively for each platform (release.yml runs amd64 and arm64 jobs on matching runners).

FROM rust:1.95-slim-trixie AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# The workspace's test stand-in crate: cargo loads every member's manifest even to build one binary.
COPY tests/standins/Cargo.toml ./tests/standins/Cargo.toml
COPY tests/standins/src ./tests/standins/src
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    set -eux; \
    host="$(rustc -vV | sed -n 's/^host: //p')"; \
    RUSTFLAGS='-C target-feature=+crt-static' \
      cargo build --release --locked --target "$host" --bin bluedot; \
    cp "target/$host/release/bluedot" /bluedot; \
    /bluedot --version

FROM scratch
COPY --from=build /bluedot /bluedot
# No arguments from action.yml: with GITHUB_ACTIONS=true the binary runs the action; given
# arguments (docker run IMAGE process --input ...) it is the plain CLI.
ENTRYPOINT ["/bluedot"]
