#!/usr/bin/env bash
# The libFuzzer targets (Tests/Fuzz/README.md): builds them, then runs each for FUZZ_SECONDS
# seconds (default 60), one after the other in one process each. New inputs go to a working
# corpus in the scratch directory; the committed corpus (Tests/Fuzz/Corpus) is only read.
# Fails on the first crash, printing the reproducer's path and how to replay it.
#
#   Tests/Fuzz/run.sh            build and fuzz every target
#   Tests/Fuzz/run.sh merge      minimise committed + working corpus into Tests/Fuzz/Corpus
#
# Environment: FUZZ_SECONDS, FUZZ_TARGETS (names, space-separated), FUZZ_BUILD (scratch path,
# default .build-fuzz), FUZZ_FLAGS (extra libFuzzer flags), SWIFT.
set -euo pipefail
cd "$(dirname "$0")/../.."

SWIFT=${SWIFT:-swift}
SCRATCH=${FUZZ_BUILD:-.build-fuzz}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-request-reply pub-sub routing subscription monitor certificates beacon zap}
CORPUS=Tests/Fuzz/Corpus

# Release with testing enabled: the harness uses `@testable import`, and a debug build runs
# about a hundred times fewer inputs a second. `--sanitize=fuzzer` makes SwiftPM leave `main` to
# libFuzzer; the compiler takes only the last `-sanitize=` it is given, so both sanitizers go
# in one flag after it. lld, as gold warns about ASan's local symbols.
"$SWIFT" build -c release --package-path Tests/Fuzz --scratch-path "$SCRATCH" \
    --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xswiftc -use-ld=lld
BIN=$("$SWIFT" build -c release --package-path Tests/Fuzz --scratch-path "$SCRATCH" --show-bin-path)

corpus_size() {  # files and bytes in the given directories
    find "$@" -type f -printf '%s\n' | awk '{ n++; b += $1 } END { printf "%d files, %d bytes", n, b }'
}

if [[ "${1:-}" == merge ]]; then
    for target in $TARGETS; do
        merged=$SCRATCH/merged/$target
        rm -rf "$merged" && mkdir -p "$merged" "$SCRATCH/corpus/$target"
        "$BIN/fuzz-$target" -merge=1 "$merged" "$CORPUS/$target" "$SCRATCH/corpus/$target" 2>"$SCRATCH/merge-$target.log"
        rm -rf "$CORPUS/$target" && cp -r "$merged" "$CORPUS/$target"
        echo "$target: $(corpus_size "$CORPUS/$target") committed"
    done
    exit 0
fi

mkdir -p "$SCRATCH/logs"
for target in $TARGETS; do
    work=$SCRATCH/corpus/$target
    artifacts=$SCRATCH/artifacts/$target
    log=$SCRATCH/logs/$target.log
    mkdir -p "$work" "$artifacts"
    started=$(date +%s)
    # shellcheck disable=SC2086
    if ! "$BIN/fuzz-$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_FLAGS:-} "$work" "$CORPUS/$target" 2>"$log"; then
        tail -n 40 "$log" >&2
        echo "fuzz-$target failed; reproducer(s): $(ls "$artifacts")" >&2
        echo "replay: $BIN/fuzz-$target $artifacts/<file>" >&2
        exit 1
    fi
    executions=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log")
    echo "fuzz-$target: $executions inputs in $(( $(date +%s) - started )) s, no crash;" \
        "corpus $(corpus_size "$work" "$CORPUS/$target")" | tee -a "$SCRATCH/fuzz-history.txt"
done
