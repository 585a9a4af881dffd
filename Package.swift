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
        // The `zmq` command-line tool: every socket type and the three devices from a shell.
        .executable(name: "zmq", targets: ["ZeroMQCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
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
        // The `zmq` command-line tool (product `zmq`).
        .executableTarget(
            name: "ZeroMQCLI",
            dependencies: ["ZeroMQ", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "Demo",
            dependencies: ["ZeroMQ"],
            path: "Examples/Demo"
        ),
        // The seed tutorial's programs, one executable each (see Docs/Patterns.md).
        .target(
            name: "ExampleSupport",
            dependencies: ["ZeroMQ"],
            path: "Examples/Support"
        ),
        .executableTarget(
            name: "EchoServer",
            dependencies: ["ZeroMQ", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/EchoServer"
        ),
        .executableTarget(
            name: "EchoClient",
            dependencies: ["ZeroMQ", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/EchoClient"
        ),
        .executableTarget(
            name: "Publisher",
            dependencies: ["ZeroMQ", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/Publisher"
        ),
        .executableTarget(
            name: "Subscriber",
            dependencies: ["ZeroMQ", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/Subscriber"
        ),
        .executableTarget(
            name: "TaskManager",
            dependencies: ["ZeroMQ", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/TaskManager"
        ),
        .executableTarget(
            name: "TaskWorker",
            dependencies: ["ZeroMQ", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/TaskWorker"
        ),
        .executableTarget(
            name: "PairBind",
            dependencies: ["ZeroMQ", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/PairBind"
        ),
        .executableTarget(
            name: "PairConnect",
            dependencies: ["ZeroMQ", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/PairConnect"
        ),
        .executableTarget(
            name: "Streamer",
            dependencies: ["ZeroMQ", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/Streamer"
        ),
        .executableTarget(
            name: "Forwarder",
            dependencies: ["ZeroMQ", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/Forwarder"
        ),
        .executableTarget(
            name: "QueueDevice",
            dependencies: ["ZeroMQ", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/QueueDevice"
        ),
        .testTarget(
            name: "ZeroMQTests",
            dependencies: ["ZeroMQ", "CZeroMQ"]
        ),
        // Whole programs over the wire: the examples and `zmq` against the seed's programs in
        // Python 3 (Tests/PythonPeers, pyzmq in .venv; `make test` installs it).
        .testTarget(
            name: "InteropTests",
            dependencies: ["ZeroMQ"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
