// swift-tools-version:6.1
import PackageDescription

#if os(Linux)
let libzmqPkgConfig: String? = nil
#else
let libzmqPkgConfig: String? = "libzmq"
#endif

let package = Package(
    name: "swift-zeromq",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
        // Typed request/reply and pub/sub over codecs, as swift-service-lifecycle services.
        .library(name: "ZeroMQServices", targets: ["ZeroMQServices"]),
        // A protobuf codec for ZeroMQServices (swift-protobuf's runtime), kept apart so the
        // other products do not depend on it.
        .library(name: "ZeroMQProtobuf", targets: ["ZeroMQProtobuf"]),
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
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.28.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    ],
    targets: [
        // libzmq itself, plus a header-only shim (eventfd and pipe wake-ups). On Linux the
        // distribution's package puts zmq.h and libzmq where the compiler and linker look anyway,
        // and the module map links it; pkg-config is left out there because Debian's libzmq.pc
        // pulls in `-isystem /usr/include/mit-krb5` (from krb5-gssapi), which SwiftPM refuses
        // with a warning in every package that depends on this one
        // (Scripts/check-dependent-package.sh checks that none is left). Elsewhere pkg-config
        // finds it; the README says how far macOS is supported (not built or tested here).
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: libzmqPkgConfig,
            providers: [.apt(["libzmq3-dev"]), .brew(["zeromq"])]
        ),
        // What the package's modules share and users never import (not a product): the lock,
        // the rate limit for log lines a remote peer can cause, and the lifecycle state machine
        // of the long-running objects. `package` access only.
        .target(
            name: "ZeroMQSupport",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        // The library users import: poll-loop executor, socket actors, messages, options.
        .target(
            name: "ZeroMQ",
            dependencies: [
                "CZeroMQ",
                "ZeroMQSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // Typed messaging on top of `ZeroMQ`: codecs, the request/reply client and service, typed
        // pub/sub. Touches no libzmq handle: everything goes through the socket actors.
        .target(
            name: "ZeroMQServices",
            dependencies: [
                "ZeroMQ",
                "ZeroMQSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "ZeroMQProtobuf",
            dependencies: [
                "ZeroMQServices",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The `zmq` command-line tool (product `zmq`).
        .executableTarget(
            name: "ZeroMQCLI",
            dependencies: [
                "ZeroMQ",
                "ZeroMQSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "Demo",
            dependencies: ["ZeroMQ"],
            path: "Examples/Demo"
        ),
        // The seed tutorial's programs, one executable each (see Docs/Patterns.md).
        .target(
            name: "ExampleSupport",
            dependencies: [
                "ZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
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
        // The README's quick start, kept as a program that ends (the tests run it).
        .executableTarget(
            name: "QuickStart",
            dependencies: ["ZeroMQ"],
            path: "Examples/QuickStart"
        ),
        // CURVE with an allow-list: the echo pair, secured (see Docs/Security.md).
        .executableTarget(
            name: "SecureEchoServer",
            dependencies: ["ZeroMQ", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/SecureEchoServer"
        ),
        .executableTarget(
            name: "SecureEchoClient",
            dependencies: ["ZeroMQ", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/SecureEchoClient"
        ),
        .executableTarget(
            name: "TypedCalculator",
            dependencies: [
                "ZeroMQServices",
                "ExampleSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/TypedCalculator"
        ),
        .executableTarget(
            name: "PrimeStream",
            dependencies: [
                "ZeroMQServices",
                "ExampleSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/PrimeStream"
        ),
        .executableTarget(
            name: "WeatherServer",
            dependencies: ["ZeroMQServices", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/WeatherServer"
        ),
        .executableTarget(
            name: "WeatherClient",
            dependencies: [
                "ZeroMQServices",
                "ExampleSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/WeatherClient"
        ),
        // A typed echo service announced by a UDP beacon, and a client that finds it by name.
        .executableTarget(
            name: "DiscoveryEcho",
            dependencies: ["ZeroMQServices", "ExampleSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/DiscoveryEcho"
        ),
        // A typed service traced by an in-memory tracer, in a process of its own: the peer of
        // the tracing test across two processes (InteropTests). A test peer, not an example.
        .executableTarget(
            name: "TracingPeer",
            dependencies: [
                "ZeroMQ",
                "ZeroMQServices",
                "ZeroMQTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            path: "Tests/TracingPeer"
        ),
        // What the test targets share: deadlines that end a hung test process with a report,
        // transports, contexts, a manual clock, the process's threads, fds and memory, a log
        // handler that keeps what was logged.
        .target(
            name: "ZeroMQTestSupport",
            dependencies: ["ZeroMQ", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support"
        ),
        .testTarget(
            name: "ZeroMQTests",
            dependencies: [
                "ZeroMQ", "ZeroMQSupport", "CZeroMQ", "ZeroMQTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        // The pure parts the modules share (the lifecycle state machine): no sockets.
        .testTarget(
            name: "ZeroMQSupportTests",
            dependencies: ["ZeroMQSupport"]
        ),
        .testTarget(
            name: "ZeroMQServicesTests",
            dependencies: [
                "ZeroMQServices",
                "ZeroMQSupport",
                "ZeroMQProtobuf",
                "ZeroMQTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        // Whole programs over the wire: the examples and `zmq` against the seed's programs in
        // Python 3 (Tests/PythonPeers, pyzmq in .venv; `make test` installs it).
        .testTarget(
            name: "InteropTests",
            dependencies: [
                "ZeroMQ", "ZeroMQServices", "ZeroMQTestSupport",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
