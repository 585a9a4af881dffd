#!/usr/bin/env bash
# A new package that depends on this one (by path) and whose program is the README's quick start
# (Examples/QuickStart/main.swift): it must build without a single warning and run to its end,
# printing the three messages. `.ci/run` runs this; it takes a build of the dependencies.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# A path dependency's identity is its folder's name, lowercased.
identity=$(basename "$root" | tr '[:upper:]' '[:lower:]')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/Sources/App"
cp "$root/Examples/QuickStart/main.swift" "$work/Sources/App/main.swift"
cat > "$work/Package.swift" <<EOF
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "App",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "$root")],
    targets: [
        .executableTarget(name: "App", dependencies: [.product(name: "ZeroMQ", package: "$identity")]),
    ],
    swiftLanguageModes: [.v6]
)
EOF
log="$work/build.log"
if ! swift build --package-path "$work" >"$log" 2>&1; then
    cat "$log"
    echo "error: a package depending on swift-zeromq does not build" >&2
    exit 1
fi
if grep -n "warning:" "$log"; then
    echo "error: a package depending on swift-zeromq builds with the warnings above" >&2
    exit 1
fi
output=$(timeout 60 "$(swift build --package-path "$work" --show-bin-path)/App")
if [ "$output" != $'hello\nfrom\nZeroMQ' ]; then
    printf 'error: the quick start printed:\n%s\n' "$output" >&2
    exit 1
fi
echo "a dependent package builds without warnings and runs the quick start to its end"
