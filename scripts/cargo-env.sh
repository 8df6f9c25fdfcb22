# Sourced by .ci/run and the other scripts: where cargo builds, and a fast linker when there is one.
# The target dir lives outside the clone so that every clone and CI run reuses one build cache.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/weir/target}"
if command -v mold >/dev/null 2>&1 && [ -z "${RUSTFLAGS:-}" ]; then
    export RUSTFLAGS="-C link-arg=-fuse-ld=mold"
fi
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
