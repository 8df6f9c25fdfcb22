#!/usr/bin/env bash
# Builds Weir (the debug profile, shared with the tests; WEIR_RELEASE=1 for the optimised build), starts `weir serve` on 127.0.0.1:4270 (data in ./.weir), runs the sample session
# (scripts/sample-session.sh: a partitioned table driven with the AWS CLI) and the sample pipeline
# (scripts/sample-pipeline.sh: a visual Glue job that turns raw order files into a partitioned
# Parquet table in the catalog, then a crawler that discovers the raw and curated folders, then
# data quality rules evaluated on the curated table), then keeps serving until Ctrl-C. Installs the
# AWS CLI into a venv if it is not on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/cargo-env.sh
listen="${WEIR_LISTEN:-127.0.0.1:4270}"

if ! command -v aws >/dev/null 2>&1; then
    venv="${WEIR_VENV:-$HOME/.cache/weir/venv}"
    if [ ! -x "$venv/bin/aws" ]; then
        echo "== installing the AWS CLI into $venv"
        python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check awscli
    fi
    export PATH="$venv/bin:$PATH"
fi

# The quick start builds the debug profile: the one scripts/test.sh builds (a machine that ran
# the tests starts at once), and on a fresh 2-core machine well under half of the release
# build's time; the sample data is small. WEIR_RELEASE=1 builds the optimised binary that
# benchmarks and real data want.
if [ "${WEIR_RELEASE:-0}" = 1 ]; then profile=release; flag=--release; else profile=debug; flag=; fi
if [ -x "$CARGO_TARGET_DIR/$profile/weir" ]; then
    echo "== building weir ($profile profile; only what changed since the last build)"
elif [ "$profile" = release ]; then
    echo "== building weir (release profile): the first build compiles DataFusion, Arrow, sqlx and axum with optimisations, about 30-40 minutes on 2 cores"
else
    echo "== building weir (debug profile): the first build compiles DataFusion, Arrow, sqlx and axum, about 10 minutes on 2 cores (WEIR_RELEASE=1 for the optimised build)"
fi
started=$(date +%s)
cargo build $flag -p weir
echo "== built in $(( $(date +%s) - started )) s"
weir="$CARGO_TARGET_DIR/$profile/weir"

"$weir" serve --listen "$listen" --data-dir .weir &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 100); do
    curl -fs "http://$listen/health" >/dev/null 2>&1 && break
    sleep 0.1
done

scripts/sample-session.sh "http://$listen"
echo
scripts/sample-pipeline.sh "http://$listen" "$weir"
echo
echo "Weir is serving the Glue API on http://$listen (Ctrl-C stops it). Try:"
echo "  aws glue get-databases --endpoint-url http://$listen"
wait $server
