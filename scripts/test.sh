#!/usr/bin/env bash
# Runs every test: the Rust workspace (unit, property, conformance on SQLite and PostgreSQL)
# and the boto3 / AWS CLI compatibility suite against a real `weir serve`.
# Installs what it needs: mold (optional), a Python venv with boto3, awscli and pytest,
# PostgreSQL when none answers on 127.0.0.1:5432, and MariaDB when none answers on 3306.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ "$(id -u)" = 0 ] && ! command -v mold >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mold >/dev/null) || echo "(mold not installed; using the default linker)"
fi
source scripts/cargo-env.sh
source scripts/ensure-postgres.sh
source scripts/ensure-mysql.sh

venv="${WEIR_VENV:-$HOME/.cache/weir/venv}"
if [ ! -x "$venv/bin/pytest" ] || ! "$venv/bin/python" -c 'import boto3, awscli, moto.server, azure.storage.blob, faker, pyiceberg, pyarrow, sqlalchemy, freezegun, deltalake' 2>/dev/null; then
    echo "== creating the Python venv $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r tests/compat/requirements.txt
fi

# Azurite (the Azure Storage emulator, from npm) for the Azure storage tests; they skip without it.
azurite="$HOME/.cache/weir/azurite"
if [ ! -x "$azurite/node_modules/.bin/azurite-blob" ] && command -v npm >/dev/null 2>&1; then
    echo "== installing Azurite into $azurite"
    mkdir -p "$azurite"
    npm install --prefix "$azurite" --no-audit --no-fund --loglevel=error azurite@3 >/dev/null \
        || echo "(Azurite not installed; the Azure storage tests will be skipped)"
fi

echo "== building"
cargo build --locked -p weir

echo "== Rust tests"
if command -v cargo-nextest >/dev/null 2>&1; then
    cargo nextest run --locked --workspace --no-fail-fast
else
    cargo test --locked --workspace --no-fail-fast
fi

echo "== compatibility suite (boto3, AWS CLI) on SQLite and PostgreSQL"
export WEIR_BIN="$CARGO_TARGET_DIR/debug/weir"
export PATH="$venv/bin:$PATH"
set +e
"$venv/bin/pytest" -q -p no:cacheprovider tests/compat
status=$?
set -e
if [ $status -eq 5 ]; then
    echo "pytest collected no tests" >&2
    exit 1
fi
exit $status
