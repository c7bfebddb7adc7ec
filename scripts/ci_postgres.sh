#!/usr/bin/env bash
# Start (or find) a throwaway PostgreSQL server for tests/test_postgres.py and the
# benchmark's `--postgres-dsn`, and print its connection settings as `export` lines:
#
#     eval "$(scripts/ci_postgres.sh)"
#
# Idempotent: installs PostgreSQL with apt-get when no server binaries are present,
# initialises a trust-auth data directory once, starts the server as the `postgres` OS
# user (when run as root) on 127.0.0.1 and a free port, creates the database, and on a
# second call reuses the running server. Settings are also written to
# "$CARTEIRA_PG_DATA/env" (source it from another shell). Progress goes to stderr.
#
#   CARTEIRA_PG_DATA    data directory (default /tmp/carteira-pg)
#   CARTEIRA_PG_DBNAME  database to create (default carteira)
set -euo pipefail

DATA_ROOT=${CARTEIRA_PG_DATA:-/tmp/carteira-pg}
DBNAME=${CARTEIRA_PG_DBNAME:-carteira}
PGDATA_DIR="$DATA_ROOT/data"
ENV_FILE="$DATA_ROOT/env"
LOG_FILE="$DATA_ROOT/server.log"

log() { echo "ci_postgres: $*" >&2; }

find_bindir() {
    local ctl
    ctl=$(ls -1 /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$ctl" ]; then dirname "$ctl"; fi
}

BINDIR=$(find_bindir)
if [ -z "$BINDIR" ]; then
    log "installing postgresql with apt-get"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >&2
    $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
    BINDIR=$(find_bindir)
    [ -n "$BINDIR" ] || { log "postgresql installed but pg_ctl not found"; exit 1; }
fi

# Run server commands as the postgres OS user when we are root (initdb refuses root).
if [ "$(id -u)" -eq 0 ]; then
    getent passwd postgres >/dev/null || useradd --system --home-dir "$DATA_ROOT" postgres
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

mkdir -p "$DATA_ROOT"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$DATA_ROOT"; fi

if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
    log "initialising $PGDATA_DIR"
    as_pg "$BINDIR/initdb" -D "$PGDATA_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        >/dev/null 2>&1 || as_pg "$BINDIR/initdb" -D "$PGDATA_DIR" -U postgres -A trust -E UTF8 \
        --locale=C >&2
fi

PORT=""
if as_pg "$BINDIR/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1 && [ -s "$ENV_FILE" ]; then
    PORT=$(sed -n 's/^export CARTEIRA_PG_PORT=//p' "$ENV_FILE")
    log "server already running on port $PORT"
else
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    log "starting the server on 127.0.0.1:$PORT (log $LOG_FILE)"
    # A scratch server for builds and tests: durability traded for speed.
    as_pg "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$LOG_FILE" -w -t 60 start \
        -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DATA_ROOT -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB \
            -c work_mem=64MB -c maintenance_work_mem=256MB -c max_wal_size=4GB" >&2
fi

if ! as_pg "$BINDIR/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
    "select 1 from pg_database where datname = '$DBNAME'" | grep -q 1; then
    log "creating database $DBNAME"
    as_pg "$BINDIR/createdb" -h 127.0.0.1 -p "$PORT" -U postgres -E UTF8 -T template0 "$DBNAME"
fi

cat >"$ENV_FILE" <<ENV
export CARTEIRA_PG_HOST=127.0.0.1
export CARTEIRA_PG_PORT=$PORT
export CARTEIRA_PG_USER=postgres
export CARTEIRA_PG_DBNAME=$DBNAME
export CARTEIRA_PG_DSN="host=127.0.0.1 port=$PORT user=postgres dbname=$DBNAME"
ENV
cat "$ENV_FILE"
