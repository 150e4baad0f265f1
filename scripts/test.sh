#!/usr/bin/env bash
# Runs the whole test suite: the Rust tests on SQLite, the end-to-end suite
# again on PostgreSQL, the sdk-js tests, the runtime's build check, and the
# browser tests (headless Debian chromium against the real binary).
#
# PostgreSQL: if APPBOX_TEST_DATABASE_URL is set (postgres://USER@HOST:PORT/DB,
# a user allowed to CREATE DATABASE), that server is used. Otherwise a
# throwaway server is started from the installed PostgreSQL binaries (and,
# when run as root on Debian/Ubuntu with none installed, they are installed).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_packages() {
    local missing=()
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
    command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    # The README's walk-through (tests/e2e/walkthrough.rs) runs with curl and jq.
    command -v jq >/dev/null 2>&1 || missing+=(jq)
    # pip installs componentize-py, which builds the actions' Python sandbox.
    python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
    command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_BIN:-}" ] || missing+=(chromium)
    if [ "${#missing[@]}" -gt 0 ] && [ -z "${APPBOX_TEST_DATABASE_URL:-}" -o "${missing[*]}" != postgresql ]; then
        log "installing ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

PG_DIR=""
PG_BIN=""
stop_postgres() {
    if [ -n "$PG_DIR" ]; then
        pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
}

# initdb and postgres refuse to run as root: run them as the postgres user then.
pg_as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_postgres() {
    PG_BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || command -v initdb)")
    PG_DIR=$(mktemp -d /tmp/appbox-pg.XXXXXX)
    trap stop_postgres EXIT
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    local port=$((20000 + RANDOM % 30000))
    pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
    export APPBOX_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

ensure_packages

# The spec's Python example (spec 001 §13) is run as written: it uses httpx.
if ! python3 -c "import httpx" 2>/dev/null; then
    log "installing httpx for the spec's Python example"
    python3 -m pip install --quiet httpx 2>/dev/null || python3 -m pip install --quiet --user --break-system-packages httpx
fi

# The S3 storage test (tests/e2e/storage.rs) runs against moto's S3 server on loopback.
MOTO='moto[server]==5.2.1'
if ! python3 -c "import moto.server, importlib.metadata as m; assert m.version('moto') == '5.2.1'" 2>/dev/null; then
    log "installing $MOTO for the S3 storage test"
    python3 -m pip install --quiet "$MOTO" 2>/dev/null || python3 -m pip install --quiet --user --break-system-packages "$MOTO"
fi

# sdk-js's packages first: the compiler's corpus tests render bundles in
# jsdom with them, and the compiler bench takes esbuild from there.
log "sdk-js: installing packages"
(cd sdk-js && npm ci --no-audit --no-fund --loglevel=error)

# The runtime the binary embeds (runtime/dist) must be what its sources and
# package-lock.json build: type-check, rebuild with the pinned esbuild, compare.
log "runtime: installing packages, checking dist/ against its sources"
(cd runtime && npm ci --no-audit --no-fund --loglevel=error && npm run --silent check)

# The Python sandbox (actions/guest): the committed component must match its
# sources, and the guest must build on this machine with the pinned
# componentize-py (pip-installed if missing); the sandbox tests then run
# against that fresh build. The e2e suite runs the embedded one.
log "actions: checking guest/dist against its sources, building the guest with componentize-py 0.25.1"
if ! diff <(actions/guest/sources-stamp.sh) actions/guest/dist/SOURCES; then
    echo "actions/guest changed without a rebuild: run actions/guest/build.sh and commit actions/guest/dist/" >&2
    exit 1
fi
actions/guest/build.sh "$PWD/target/actions-ci.wasm"
APPBOX_ACTIONS_COMPONENT="$PWD/target/actions-ci.wasm" cargo test -p appbox-actions --test sandbox

log "Rust tests on SQLite (unit, compiler, end-to-end)"
cargo test --workspace

log "end-to-end tests on PostgreSQL"
if [ -z "${APPBOX_TEST_DATABASE_URL:-}" ]; then start_postgres; fi
cargo test --workspace --test e2e

log "sdk-js: type check, SDK and template tests"
(cd sdk-js && npm test)

# One headless chromium for every browser test, against target/debug/appbox
# (built by the cargo test runs above). Screenshots: target/browser-artifacts/.
log "browser tests (chromium, SQLite)"
cargo build -p appbox-host --bin appbox
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && npm test)
