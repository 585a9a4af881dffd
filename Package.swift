// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-zeromq",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
        // libzmq's C API as a Swift module, for raw baselines in benchmarks and for code that
        // needs a call this package does not wrap. Prefer `ZeroMQ`.
        .library(name: "CZeroMQ", targets: ["CZeroMQ"]),
        .executable(name: "zeromq-demo", targets: ["Demo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
    ],
    targets: [
        // libzmq itself, found through pkg-config, plus a header-only shim (eventfd).
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        // The library users import: poll-loop executor, socket actors, messages, options.
        .target(
            name: "ZeroMQ",
            dependencies: [
                "CZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "Demo",
            dependencies: ["ZeroMQ"],
            path: "Examples/Demo"
        ),
        .testTarget(
            name: "ZeroMQTests",
            dependencies: ["ZeroMQ", "CZeroMQ"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
