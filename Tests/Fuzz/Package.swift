// swift-tools-version:6.1
// libFuzzer targets for the library's decoders of wire data (Tests/Fuzz/README.md). A package of
// their own: they link the fuzzer runtime, which the normal build must not.
//
// Build (from the repository root; `make fuzz` does this):
//   swift build --package-path Tests/Fuzz --scratch-path .build-fuzz \
//     --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
// Debug only: the harness reaches the internal decoders with `@testable import`.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which differs between checkouts.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

/// One executable per target: `fuzz-<name>`, its corpus in Corpus/<name>.
let fuzzTargets = [
    ("request-reply", "FuzzRequestReply"),
    ("pub-sub", "FuzzPubSub"),
    ("routing", "FuzzRouting"),
    ("subscription", "FuzzSubscription"),
    ("monitor", "FuzzMonitor"),
    ("certificates", "FuzzCertificates"),
    ("beacon", "FuzzBeacon"),
    ("zap", "FuzzZAP"),
]

let package = Package(
    name: "swift-zeromq-fuzz",
    platforms: [.macOS(.v15)],
    products: fuzzTargets.map { .executable(name: "fuzz-\($0.0)", targets: [$0.1]) },
    dependencies: [
        .package(path: "../.."),
    ],
    targets: [
        // The input format and every target's checks; also compiled into the normal suite.
        .target(
            name: "FuzzHarness",
            dependencies: [
                .product(name: "ZeroMQ", package: rootIdentity),
                .product(name: "ZeroMQServices", package: rootIdentity),
                .product(name: "CZeroMQ", package: rootIdentity),
            ]
        ),
    ] + fuzzTargets.map { .executableTarget(name: $0.1, dependencies: ["FuzzHarness"]) },
    swiftLanguageModes: [.v6]
)
