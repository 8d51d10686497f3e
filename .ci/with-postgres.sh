#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server on 127.0.0.1 and PULSE_TEST_DATABASE_URL set.
#
#   bash .ci/with-postgres.sh make test
#   bash .ci/with-postgres.sh .venv/bin/python -m pytest tests/test_store.py -q
#
# Installs Debian's `postgresql` package when no server binaries are found (needs root), creates a
# new cluster in a temporary folder owned by the `postgres` user, starts it on a free loopback port
# (no Unix socket in a shared place, no system service touched), creates a role `pulse` allowed to
# create databases (the tests make one database per test), runs the command, then stops the server
# and removes the folder. Safe to run again and again, and beside a system PostgreSQL on 5432.
set -euo pipefail

log() { echo "with-postgres: $*" >&2; }

find_pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n "$dir" && -x "$dir/pg_ctl" && -x "$dir/initdb" && -x "$dir/postgres" ]]; then
        echo "$dir"
    fi
}

PG_BIN=$(find_pg_bin)
if [[ -z "$PG_BIN" ]]; then
    log "PostgreSQL not found; installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends postgresql </dev/null
    PG_BIN=$(find_pg_bin)
    [[ -n "$PG_BIN" ]] || { log "postgresql installed but no server binaries under /usr/lib/postgresql"; exit 1; }
fi

# The server refuses to run as root: run it as `postgres` (created by the package) when we are root.
if [[ $(id -u) -eq 0 ]]; then
    RUN_AS=(runuser -u postgres --)
    id postgres >/dev/null 2>&1 || { log "user postgres missing (is the postgresql package installed?)"; exit 1; }
else
    RUN_AS=()
fi

PG_DIR=$(mktemp -d /tmp/pulse-pg.XXXXXX)
chmod 755 "$PG_DIR"
[[ $(id -u) -eq 0 ]] && chown postgres: "$PG_DIR"

PORT=$(python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
)

cleanup() {
    local status=$?
    if [[ -f "$PG_DIR/data/postmaster.pid" ]]; then
        "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "initialising a cluster in $PG_DIR ($("$PG_BIN/postgres" --version))"
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; exit 1; }

# Loopback only; durability switched off because the data is thrown away (much faster tests);
# no autovacuum, whose workers would keep the tests' per-test databases from being dropped.
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off \
-c full_page_writes=off -c autovacuum=off -c max_connections=200" start >/dev/null \
    || { cat "$PG_DIR/server.log" >&2; exit 1; }

psql_admin() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres "$@"; }
psql_admin -c "CREATE ROLE pulse LOGIN PASSWORD 'pulse' CREATEDB"
psql_admin -c "CREATE DATABASE pulse_test OWNER pulse"

export PULSE_TEST_DATABASE_URL="postgresql+psycopg://pulse:pulse@127.0.0.1:$PORT/pulse_test"
log "PostgreSQL ready: PULSE_TEST_DATABASE_URL=$PULSE_TEST_DATABASE_URL"

"$@" </dev/null
