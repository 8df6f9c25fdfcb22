# Sourced by scripts/test.sh: makes sure a MySQL-compatible server (MariaDB) answers for the JDBC
# tests and exports WEIR_TEST_MYSQL_URL. Uses the one on 127.0.0.1:3306 when root logs in
# without a password; otherwise installs MariaDB (Debian packages) if needed and starts a private
# server on a spare port.

my_answers() { # port
    mysql --protocol=TCP -h 127.0.0.1 -P "$1" -u root -e 'SELECT 1' >/dev/null 2>&1
}

if [ -n "${WEIR_TEST_MYSQL_URL:-}" ]; then
    :
elif command -v mysql >/dev/null 2>&1 && my_answers 3306; then
    export WEIR_TEST_MYSQL_URL="mysql://root@127.0.0.1:3306"
else
    if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
        echo "== installing MariaDB (Debian packages)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server mariadb-client >/dev/null
    fi
    my_dir="${TMPDIR:-/tmp}/weir-test-mysql"
    my_port=33069
    if ! my_answers $my_port; then
        echo "== starting a private MariaDB on 127.0.0.1:$my_port"
        rm -rf "$my_dir" && mkdir -p "$my_dir"
        as_mysql=()
        if [ "$(id -u)" = 0 ]; then chown mysql "$my_dir" 2>/dev/null && as_mysql=(--user=mysql); fi
        mariadb-install-db --no-defaults --datadir="$my_dir/data" "${as_mysql[@]}" --auth-root-authentication-method=normal >/dev/null
        /usr/sbin/mariadbd --no-defaults --datadir="$my_dir/data" "${as_mysql[@]}" --port=$my_port \
            --bind-address=127.0.0.1 --socket="$my_dir/sock" --pid-file="$my_dir/pid" >"$my_dir/log" 2>&1 &
        for _ in $(seq 1 60); do my_answers $my_port && break; sleep 1; done
        mysql --protocol=TCP -h 127.0.0.1 -P $my_port -u root -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION" >/dev/null 2>&1 || true
    fi
    export WEIR_TEST_MYSQL_URL="mysql://root@127.0.0.1:$my_port"
fi
echo "== MySQL (MariaDB) for tests: $WEIR_TEST_MYSQL_URL"
