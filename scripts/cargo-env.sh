# Sourced by .ci/run and the other scripts: where cargo builds, and a fast linker when there is one.
# The target dir lives outside the clone so that every clone and CI run reuses one build cache.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/weir/target}"
if [ -z "${RUSTFLAGS:-}" ]; then
    RUSTFLAGS=""
    if command -v mold >/dev/null 2>&1; then
        RUSTFLAGS="-C link-arg=-fuse-ld=mold"
    fi
    # On an x86-64 CPU with AVX2, BMI2 and FMA (x86-64-v3: Intel since 2013, AMD since 2015) the
    # build uses them: the compiler vectorises the engine's and Arrow's loops four 64-bit lanes
    # wide. The binary then runs only on such CPUs; WEIR_PORTABLE=1 builds for any x86-64.
    if [ "$(uname -m)" = x86_64 ] && [ -z "${WEIR_PORTABLE:-}" ] &&
        grep -qw avx2 /proc/cpuinfo && grep -qw bmi2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo &&
        grep -qw movbe /proc/cpuinfo; then
        RUSTFLAGS="$RUSTFLAGS -C target-cpu=x86-64-v3"
    fi
    export RUSTFLAGS="${RUSTFLAGS# }"
fi
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
