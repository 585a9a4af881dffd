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
    products: [
        // One command that measures everything (raw libzmq ceilings and the framework's paths in
        // the same run) and prints a table, optionally writing JSON (results schema 1).
        .executable(name: "zmq-bench", targets: ["ZMQBench"]),
    ],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Counts malloc-family calls by defining them in the executable (they interpose glibc's
        // for the whole process), for the allocations-per-message section.
        .target(name: "AllocationCounter"),
        .executableTarget(
            name: "ZMQBench",
            dependencies: [
                "AllocationCounter",
                .product(name: "ZeroMQ", package: rootIdentity),
                .product(name: "ZeroMQServices", package: rootIdentity),
                .product(name: "CZeroMQ", package: rootIdentity),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
