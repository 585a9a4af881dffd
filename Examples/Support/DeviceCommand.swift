import ArgumentParser
import ZeroMQ

/// A device program (Streamer, Forwarder, QueueDevice): a proxy between a bound frontend and a
/// bound backend, with the options of ``DeviceOptions``.
///
/// A conforming command says only what sets it apart: its sockets (through the signature of
/// ``proxy(frontend:backend:capture:)``), its endpoints (``defaults``) and the counter that
/// `--count` watches (``passed(_:)``). Its `run()` is shared: it binds the frontend and the
/// backend (printing `frontend listening on <endpoint>` and `backend listening on <endpoint>` to
/// standard error), binds `--capture` if given, and runs the proxy until SIGINT or SIGTERM or
/// until `--count` messages have passed, then prints `statistics: ...` to standard error.
public protocol DeviceCommand: AsyncParsableCommand {
    /// The role of the frontend socket, the one managers, publishers or clients connect to.
    associatedtype FrontendRole: SocketRole
    /// The role of the backend socket, the one workers, subscribers or servers connect to.
    associatedtype BackendRole: SocketRole

    /// The default endpoints and the help of the options that differ between devices.
    static var defaults: DeviceDefaults { get }

    /// The parsed options; declare it as `@OptionGroup var options: DeviceOptions<Self>`.
    var options: DeviceOptions<Self> { get }

    /// Makes the device between the two bound sockets.
    ///
    /// - Parameters:
    ///   - frontend: the frontend socket, bound.
    ///   - backend: the backend socket, bound.
    ///   - capture: the socket that gets a copy of every message, when `--capture` was given.
    /// - Throws: what the `Proxy` factory throws.
    static func proxy(
        frontend: Socket<FrontendRole>, backend: Socket<BackendRole>, capture: ProxyCapture?
    ) throws -> Proxy

    /// How many messages have passed so far by the proxy's statistics, compared with `--count`.
    ///
    /// - Parameter statistics: the proxy's counters.
    static func passed(_ statistics: ProxyStatistics) -> UInt64
}

/// What the options of one device say in `--help`: its default endpoints, who connects to each,
/// and what `--count` counts.
public struct DeviceDefaults: Sendable {
    /// The default `--frontend`.
    public var frontend: String
    /// The help of `--frontend`, e.g. `The endpoint managers connect to.`
    public var frontendHelp: String
    /// The default `--backend`.
    public var backend: String
    /// The help of `--backend`, e.g. `The endpoint workers connect to.`
    public var backendHelp: String
    /// The help of `--count`.
    public var countHelp: String

    /// The help of `--count` for a device that counts messages passed from frontend to backend.
    public static let messagesPassedHelp = "Stop after this many messages have passed from frontend to backend (0: never)."

    /// Describes a device's options.
    ///
    /// - Parameters:
    ///   - frontend: the default `--frontend`.
    ///   - frontendHelp: the help of `--frontend`.
    ///   - backend: the default `--backend`.
    ///   - backendHelp: the help of `--backend`.
    ///   - countHelp: the help of `--count`; by default ``messagesPassedHelp``.
    public init(
        frontend: String, frontendHelp: String, backend: String, backendHelp: String,
        countHelp: String = DeviceDefaults.messagesPassedHelp
    ) {
        self.frontend = frontend
        self.frontendHelp = frontendHelp
        self.backend = backend
        self.backendHelp = backendHelp
        self.countHelp = countHelp
    }

    /// The discussion of a device's `--help`: what it binds and prints, and when it stops.
    ///
    /// - Parameter stopping: when `--count` is reached, e.g. `--count messages have passed from
    ///   frontend to backend`.
    public static func discussion(countReachedWhen stopping: String) -> String {
        """
        Binds --frontend and --backend and prints `frontend listening on <endpoint>` and \
        `backend listening on <endpoint>` to standard error. Stops on SIGINT or SIGTERM, or once \
        \(stopping), and prints a statistics line to standard error.
        """
    }
}

/// The options every device takes: `--frontend`, `--backend`, `--capture` and `--count`, with
/// the defaults and help of `Device`'s ``DeviceCommand/defaults``.
public struct DeviceOptions<Device: DeviceCommand>: ParsableArguments, Sendable {
    /// `--frontend`: the endpoint the frontend socket binds.
    @Option(help: ArgumentHelp(Device.defaults.frontendHelp))
    public var frontend = Device.defaults.frontend

    /// `--backend`: the endpoint the backend socket binds.
    @Option(help: ArgumentHelp(Device.defaults.backendHelp))
    public var backend = Device.defaults.backend

    /// `--capture`: an endpoint for a PUB socket that gets a copy of every message, if any.
    @Option(help: "An endpoint for a PUB socket that gets a copy of every message.")
    public var capture: String?

    /// `--count`: how many messages to let through before stopping; 0 for no limit.
    @Option(help: ArgumentHelp(Device.defaults.countHelp))
    public var count = 0

    /// Options with every default; ArgumentParser fills them in from the command line.
    public init() {}

    /// Refuses a negative `--count`.
    ///
    /// - Throws: `ValidationError` when `--count` is below 0.
    public func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
    }
}

extension DeviceCommand {
    /// Binds the device's sockets, announces them, and runs it until a signal or `--count`; see
    /// ``DeviceCommand``.
    ///
    /// - Throws: ``ZeroMQError`` when a socket cannot be made or bound, or the proxy fails.
    public func run() async throws {
        useLineBufferedStandardOutput()
        let options = self.options
        // The context, and every socket made on it, is shut down when the closure ends.
        try await Context.withContext { context in try await Self.relay(options, in: context) }
    }

    private static func relay(_ options: DeviceOptions<Self>, in context: Context) async throws {
        let frontend = try Socket<FrontendRole>(context)
        announceListening(on: try await frontend.bind(options.frontend), role: "frontend")
        let backend = try Socket<BackendRole>(context)
        announceListening(on: try await backend.bind(options.backend), role: "backend")
        let capture = try await bindCapture(options.capture, in: context)
        let proxy = try proxy(frontend: frontend, backend: backend, capture: capture)
        // Stop at Ctrl-C or SIGTERM; with --count, also once enough messages have passed.
        try await runUntilSignal(proxy, stopAfter: options.count) { passed($0) }
    }
}
