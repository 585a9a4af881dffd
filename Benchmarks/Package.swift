// swift-tools-version:6.1
// Benchmarks live in their own package so the library never depends on benchmark tooling.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which differs between checkouts.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

let package = Package(
    name: "swift-zeromq-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        // A first throughput and idle-CPU probe: framework receive paths next to raw libzmq in
        // the same run. The full suite (issue: benchmarks) grows beside it.
        .executableTarget(
            name: "ThroughputProbe",
            dependencies: [
                .product(name: "ZeroMQ", package: rootIdentity),
                .product(name: "CZeroMQ", package: rootIdentity),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
