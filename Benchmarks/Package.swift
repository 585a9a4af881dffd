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
        // The anchor of the typed section: grpc-swift 2 over HTTP/2 (loopback), measured in the
        // same run as the typed ZeroMQ calls. Benchmarks only: the library gains no dependency.
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
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
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
