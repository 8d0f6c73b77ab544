#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz / libFuzzer) of the targets in fuzz/:
# builds them, runs each for FUZZ_SECONDS (default 60) starting from the
# committed seeds in fuzz/seeds/<target>, and fails on any crash, timeout or
# out-of-memory. `bash scripts/fuzz.sh request_id` runs only the targets
# named. fuzz/README.md says what each target checks.
#
# Stable Rust, no nightly: cargo-fuzz instruments with `-Cpasses=sancov-module`
# and `-Cllvm-args=-sanitizer-coverage-*`, which are stable `-C` options, and
# libfuzzer-sys builds libFuzzer's C++ with the system compiler. Only the
# sanitizers need unstable `-Z` flags, so the targets are built with
# `--sanitizer none` (which also drops cargo-fuzz's default AddressSanitizer).
# The crate is `#![forbid(unsafe_code)]`: a memory error could only come from
# a dependency's unsafe code; what the targets look for are panics, wrong
# answers, leaks of a planted secret and slow inputs. (ASan does build on
# stable with RUSTC_BOOTSTRAP=1, see fuzz/README.md, but CI keeps to the
# stable flags.) Debug assertions and overflow checks are on (cargo-fuzz's
# default `-Cdebug-assertions`).
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
CARGO_FUZZ_VERSION=0.13.2

if ! cargo fuzz --version 2>/dev/null | grep -qF "$CARGO_FUZZ_VERSION"; then
    echo "installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

if [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=(request_id detector template service)
fi

# Per-target libFuzzer options: input size bounds, the time one input may
# take (-timeout: a slower input is a failure, "bounded time"), dictionaries.
options() {
    case "$1" in
        request_id) echo "-max_len=4096 -timeout=2" ;;
        detector) echo "-max_len=262144 -timeout=2 -rss_limit_mb=2048 -dict=fuzz/dict/detector.dict" ;;
        template) echo "-max_len=4096 -timeout=2 -dict=fuzz/dict/template.dict" ;;
        service) echo "-max_len=4096 -timeout=2" ;;
        *) echo "unknown fuzz target $1" >&2; exit 2 ;;
    esac
}

echo "fuzz crate: cargo fmt --check, cargo clippy -D warnings"
(cd fuzz && cargo fmt --check && cargo clippy --quiet --all-targets -- -D warnings)

echo "building the fuzz targets (release, debug assertions, no sanitizer)"
for target in "${targets[@]}"; do
    options "$target" >/dev/null
    cargo fuzz build --sanitizer none "$target"
done

mkdir -p fuzz/logs
failed=()
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target" "fuzz/seeds/$target"
    log="fuzz/logs/$target.log"
    echo "fuzzing $target for ${FUZZ_SECONDS}s"
    # shellcheck disable=SC2046
    if cargo fuzz run --sanitizer none "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 $(options "$target") \
        >"$log" 2>&1; then
        done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
        speed=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}')
        echo "  ok: ${done_line:-no DONE line} (${speed:-?} exec/s)"
    else
        echo "  FAILED: $target (last lines of $log below)"
        grep -vE '^#[0-9]+' "$log" | tail -n 40 || true
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found failures in: ${failed[*]}"
    echo "reproduce: cargo fuzz run --sanitizer none <target> fuzz/artifacts/<target>/<file>"
    exit 1
fi
echo "fuzzing: ${#targets[@]} passed, 0 failed"
