#!/usr/bin/env bash
# Builds the DocC documentation of ZeroMQ and ZeroMQServices with the toolchain's own `docc`
# (no package plugin, so the package gains no dependency) and fails on any warning: a broken or
# ambiguous symbol link, a link to internal API, a parameter that does not exist. `make docs`
# runs this, and so does CI.
#
# 1. `swift build --target ZeroMQServices` in a scratch path of its own (.build-docs, so it does
#    not fight the debug build in .build), the compiler writing each module's symbol graph
#    (public symbols only) as it goes.
# 2. `docc convert` of Sources/ZeroMQ/Docs.docc with ZeroMQ's symbol graphs, then of
#    Sources/ZeroMQServices/Docs.docc with ZeroMQServices' and with the ZeroMQ archive as a
#    dependency: ZeroMQServices' docs link to ZeroMQ's symbols as ``/ZeroMQ/ZeroMQError``
#    (absolute, with the leading slash; a relative ``ZeroMQ/ZeroMQError`` does not resolve).
#    Both conversions need --enable-experimental-external-link-support: it writes the link
#    metadata a dependency needs, and without it the dependent resolves no link into ZeroMQ.
# 3. `docc merge` of the two into one archive whose cross-module links work when it is served.
#
# Output: .build-docs/docs/{ZeroMQ,ZeroMQServices,swift-zeromq}.doccarchive. To read it:
#   python3 -m http.server -d .build-docs/docs/swift-zeromq.doccarchive 8000
# then open http://localhost:8000/documentation (both modules in one archive, so the links from
# ZeroMQServices to ZeroMQ work there).
#
# Environment: SWIFT (default swift), DOCC (default: the `docc` beside swift, else on PATH),
# DOCS_BUILD (default .build-docs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

swift=${SWIFT:-swift}
scratch=${DOCS_BUILD:-.build-docs}
case "$scratch" in /*) ;; *) scratch="$root/$scratch" ;; esac
if [ -z "${DOCC:-}" ]; then
    swift_path=$(command -v "$swift") || { echo "error: $swift not found" >&2; exit 1; }
    DOCC="$(dirname "$(readlink -f "$swift_path")")/docc"
    [ -x "$DOCC" ] || DOCC=$(command -v docc) || {
        echo "error: no docc beside $swift_path nor on PATH (set DOCC)" >&2
        exit 1
    }
fi

graphs="$scratch/symbol-graphs"
out="$scratch/docs"
mkdir -p "$graphs"

echo "build-docs: symbol graphs ($swift build --target ZeroMQServices --scratch-path $scratch)"
"$swift" build --target ZeroMQServices --scratch-path "$scratch" \
    -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs" \
    -Xswiftc -symbol-graph-minimum-access-level -Xswiftc public
# The compiler writes a module's graph only when it compiles the module: a build with nothing to
# do after the graphs were deleted leaves none. (Nor does it delete the graph of an extension to
# another module's types that is gone from the source; deleting the scratch path clears all.)
for module in ZeroMQ ZeroMQServices; do
    if [ ! -f "$graphs/$module.symbols.json" ]; then
        echo "error: no symbol graph of $module in $graphs; delete $scratch and run again" >&2
        exit 1
    fi
done

rm -rf "$out"
mkdir -p "$out"
status=0
# convert MODULE [DOCC-OPTIONS...]: the archive of one module, its warnings as errors.
convert() {
    local module=$1
    shift
    local module_graphs="$scratch/module-symbol-graphs/$module"
    rm -rf "$module_graphs"
    mkdir -p "$module_graphs"
    # The module's own graph, and those of its extensions to other modules' types (Module@Other).
    cp "$graphs/$module.symbols.json" "$module_graphs/"
    find "$graphs" -maxdepth 1 -name "$module@*.symbols.json" -exec cp {} "$module_graphs/" \;
    echo "build-docs: docc convert Sources/$module/Docs.docc"
    local log="$scratch/docc-$module.log"
    if ! "$DOCC" convert "Sources/$module/Docs.docc" \
        --additional-symbol-graph-dir "$module_graphs" \
        --fallback-display-name "$module" \
        --fallback-bundle-identifier "$module" \
        --output-path "$out/$module.doccarchive" \
        --enable-experimental-external-link-support \
        --warnings-as-errors \
        "$@" >"$log" 2>&1; then
        cat "$log" >&2
        echo "error: the documentation of $module has the errors or warnings above" >&2
        return 1
    fi
    # --warnings-as-errors turns every warning into an error; this catches any that slips by.
    if grep -E "^(warning|error):" "$log" >&2; then
        cat "$log" >&2
        echo "error: the documentation of $module has the warnings above" >&2
        return 1
    fi
}

convert ZeroMQ || status=1
if [ "$status" -eq 0 ]; then
    convert ZeroMQServices --dependency "$out/ZeroMQ.doccarchive" || status=1
fi
[ "$status" -eq 0 ] || exit 1

"$DOCC" merge "$out/ZeroMQ.doccarchive" "$out/ZeroMQServices.doccarchive" \
    --synthesized-landing-page-name swift-zeromq \
    --output-path "$out/swift-zeromq.doccarchive" >"$scratch/docc-merge.log" 2>&1 || {
    cat "$scratch/docc-merge.log" >&2
    echo "error: docc merge failed" >&2
    exit 1
}
echo "build-docs: no warnings; archives in ${out#"$root"/}"
