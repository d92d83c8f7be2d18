# Sourced by scripts/test.sh: start_postgres / stop_postgres for a throwaway cluster.
# On success start_postgres exports TWINNING_TEST_POSTGRES_URL.

_pg_bindir() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        if [ -x "$d/pg_ctl" ]; then echo "$d"; fi
    done | sort -V | tail -n 1
}

start_postgres() {
    local bindir
    bindir=$(_pg_bindir)
    if [ -z "$bindir" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
        echo "installing PostgreSQL from Debian's packages" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || return 1
        bindir=$(_pg_bindir)
    fi
    [ -n "$bindir" ] || return 1

    PG_DIR=$(mktemp -d /tmp/twinning-pg.XXXXXX)
    PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local run=()
    if [ "$(id -u)" = "0" ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$PG_DIR"
        run=(runuser -u postgres --)
    fi
    "${run[@]}" "$bindir/initdb" -D "$PG_DIR/data" -U twinning --auth=trust -E UTF8 >/dev/null || return 1
    "${run[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null || { cat "$PG_DIR/log" >&2; return 1; }
    PG_RUN=("${run[@]}")
    PG_BINDIR=$bindir
    export TWINNING_TEST_POSTGRES_URL="postgresql+psycopg://twinning@127.0.0.1:$PG_PORT/postgres"
    echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on port $PG_PORT" >&2
}

stop_postgres() {
    "${PG_RUN[@]}" "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}
