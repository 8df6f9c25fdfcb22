# Sourced by scripts/test.sh: makes sure a PostgreSQL server answers for the tests and exports
# WEIR_TEST_PG_URL. Uses the one on 127.0.0.1:5432 when it answers; otherwise installs
# PostgreSQL (Debian packages) if needed and starts a private cluster on a spare port.

pg_answers() { # host port
    python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
try:
    s.connect((sys.argv[1], int(sys.argv[2]))); print("yes")
except OSError:
    print("no")
PY
}

if [ -n "${WEIR_TEST_PG_URL:-}" ]; then
    :
elif [ "$(pg_answers 127.0.0.1 5432)" = yes ] && psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    export WEIR_TEST_PG_URL="postgres://postgres@127.0.0.1:5432/postgres"
else
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        echo "== installing PostgreSQL (Debian packages)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    pg_dir="${TMPDIR:-/tmp}/weir-test-pg"
    pg_port=54329
    if [ "$(pg_answers 127.0.0.1 $pg_port)" != yes ]; then
        echo "== starting a private PostgreSQL on 127.0.0.1:$pg_port"
        rm -rf "$pg_dir" && mkdir -p "$pg_dir" && chown postgres "$pg_dir" 2>/dev/null || true
        as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
        as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust >/dev/null
        as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -o "-h 127.0.0.1 -p $pg_port -k $pg_dir" -l "$pg_dir/log" -w start >/dev/null
    fi
    export WEIR_TEST_PG_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
fi
echo "== PostgreSQL for tests: $WEIR_TEST_PG_URL"
