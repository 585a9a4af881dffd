import ArgumentParser
import ZeroMQ

/// `zmq proxy`: the seed's three devices.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Run a device between two endpoints, each bound or connected: streamer, forwarder or queue.",
        discussion: """
            streamer:  PULL frontend (pushers connect) → PUSH backend (pullers)
            forwarder: XSUB frontend (publishers) → XPUB backend (subscribers);
                       subscriptions flow back to the publishers
            queue:     ROUTER frontend (REQ or DEALER clients) → DEALER backend
                       (REP servers)

            Binds --frontend and --backend (and --capture, a PUB socket that gets a copy of every \
            message) and prints `frontend listening on <endpoint>` and `backend listening on \
            <endpoint>` to standard error. Either side can connect instead, or as well: \
            --frontend-connect, --backend-connect, --capture-connect (each repeatable; \
            --frontend-bind, --backend-bind and --capture-bind are other names for the binding \
            flags). So a device can reach a broker through a firewall, or be chained behind \
            another device. Runs until Ctrl-C, or until --count messages have passed \
            from frontend to backend (for queue: and as many replies back). Then prints libzmq's \
            counters to standard error: `statistics: frontend in N (B B) out N (B B); backend in ...`. \
            The messages counted (live rate, summary) are those passed frontend to backend.

            The security options (--curve-server with --allow or --any-client, --plain-server, \
            --curve-client, --plain) apply to the frontend; the backend and the capture socket \
            stay NULL.

            libzmq copies the proxy's control commands to the capture socket: a capture \
            subscriber also sees `STATISTICS` (read at the end, and while running with --count or \
            a live rate) and `TERMINATE`.

            Examples:
              zmq proxy streamer --frontend tcp://127.0.0.1:5691 \\
                  --backend tcp://127.0.0.1:5692
              zmq proxy forwarder --frontend tcp://127.0.0.1:5681 \\
                  --backend tcp://127.0.0.1:5682
              zmq proxy queue --frontend 'tcp://127.0.0.1:*' \\
                  --backend 'tcp://127.0.0.1:*' --count 100
              zmq proxy streamer --frontend-connect tcp://127.0.0.1:5692 \\
                  --backend-connect tcp://127.0.0.1:5690
            """
    )

    /// Which device to run.
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case streamer, forwarder, queue
    }

    @Argument(help: "The device: streamer, forwarder or queue.")
    var kind: Kind

    @Option(
        name: [.customLong("frontend"), .customLong("frontend-bind")],
        help: ArgumentHelp(
            "Bind the sending side (pushers, publishers, clients) to this endpoint (repeatable).", valueName: "endpoint"
        )
    )
    var frontendBind: [String] = []

    @Option(
        name: .customLong("frontend-connect"),
        help: ArgumentHelp(
            "Connect the sending side to this endpoint instead (repeatable): a bound pusher, publisher or device.",
            valueName: "endpoint")
    )
    var frontendConnect: [String] = []

    @Option(
        name: [.customLong("backend"), .customLong("backend-bind")],
        help: ArgumentHelp(
            "Bind the receiving side (pullers, subscribers, servers) to this endpoint (repeatable).",
            valueName: "endpoint")
    )
    var backendBind: [String] = []

    @Option(
        name: .customLong("backend-connect"),
        help: ArgumentHelp(
            "Connect the receiving side to this endpoint instead (repeatable): a bound puller, subscriber, server or device.",
            valueName: "endpoint")
    )
    var backendConnect: [String] = []

    @Option(
        name: [.customLong("capture"), .customLong("capture-bind")],
        help: ArgumentHelp(
            "Bind a PUB socket that gets a copy of every message to this endpoint.", valueName: "endpoint")
    )
    var captureBind: [String] = []

    @Option(
        name: .customLong("capture-connect"),
        help: ArgumentHelp("Connect the capture PUB socket to this endpoint (repeatable).", valueName: "endpoint")
    )
    var captureConnect: [String] = []

    @Option(help: "Stop after this many messages have passed from frontend to backend (0: no limit).")
    var count = 0

    @Flag(name: .shortAndLong, help: "Print no statistics line, only the summary line `N messages in S s (R msg/s)`.")
    var quiet = false

    /// The frontend's security (the side clients, pushers or publishers reach).
    @OptionGroup(title: "Security (of the frontend)") var security: SecurityOptions

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
        guard !frontendBind.isEmpty || !frontendConnect.isEmpty else {
            throw ValidationError(
                "Give the frontend an endpoint: --frontend <endpoint> to bind, or --frontend-connect <endpoint>.")
        }
        guard !backendBind.isEmpty || !backendConnect.isEmpty else {
            throw ValidationError(
                "Give the backend an endpoint: --backend <endpoint> to bind, or --backend-connect <endpoint>.")
        }
    }

    func run() async throws {
        let device = Device(
            kind: kind,
            frontend: Device.Side(bind: frontendBind, connect: frontendConnect),
            backend: Device.Side(bind: backendBind, connect: backendConnect),
            capture: Device.Side(bind: captureBind, connect: captureConnect),
            security: security
        )
        try await Session.run(Session.Settings(count: count, quiet: quiet)) { session in
            let proxy = try await device.open(in: session)
            try await device.run(proxy, in: session)
        }
    }
}

/// A device being set up and run by `zmq proxy`.
struct Device: Sendable {
    /// Where one of the device's sockets binds and what it connects to.
    struct Side: Sendable {
        var bind: [String] = []
        var connect: [String] = []

        var isEmpty: Bool { bind.isEmpty && connect.isEmpty }
    }

    let kind: ProxyCommand.Kind
    let frontend: Side
    let backend: Side
    let capture: Side
    /// The frontend's security.
    let security: SecurityOptions

    /// Binds and connects the device's sockets, announcing each bound endpoint, and makes the
    /// proxy. The frontend gets the security options first.
    func open(in session: Session) async throws -> Proxy {
        let context = session.context
        let tap = try await openCapture(in: context)
        switch kind {
        case .streamer:
            return try Proxy.streamer(
                frontend: try await attach(secured(PullSocket(context), session), frontend, as: "frontend"),
                backend: try await attach(PushSocket(context), backend, as: "backend"),
                capture: tap
            )
        case .forwarder:
            return try Proxy.forwarder(
                frontend: try await attach(secured(XSubSocket(context), session), frontend, as: "frontend"),
                backend: try await attach(XPubSocket(context), backend, as: "backend"),
                capture: tap
            )
        case .queue:
            return try Proxy.queue(
                frontend: try await attach(secured(RouterSocket(context), session), frontend, as: "frontend"),
                backend: try await attach(DealerSocket(context), backend, as: "backend"),
                capture: tap
            )
        }
    }

    /// `socket` with the security options applied.
    private func secured<Role: SocketRole>(_ socket: Socket<Role>, _ session: Session) async throws -> Socket<Role> {
        try await security.apply(to: socket, in: session)
        return socket
    }

    private func openCapture(in context: Context) async throws -> ProxyCapture? {
        guard !capture.isEmpty else { return nil }
        return ProxyCapture(try await attach(PubSocket(context), capture, as: "capture"))
    }

    /// Binds `socket` to the side's endpoints (printing `<role> listening on <endpoint>` for
    /// each), then connects it to the others.
    private func attach<Role: SocketRole>(
        _ socket: Socket<Role>, _ side: Side, as role: String
    ) async throws -> Socket<Role> {
        for endpoint in side.bind {
            Terminal.printError("\(role) listening on \(try await socket.bind(endpoint))")
        }
        for endpoint in side.connect {
            try await socket.connect(endpoint)
        }
        return socket
    }

    /// Runs `proxy` until `--count` messages have passed or the session is cancelled (Ctrl-C),
    /// keeping the meter up to date; prints the statistics line, then ends the proxy.
    ///
    /// libzmq copies every control command to the capture socket, so statistics are read only
    /// when needed: for `--count`, for the live rate, and once at the end.
    func run(_ proxy: Proxy, in session: Session) async throws {
        let target = UInt64(session.options.count)
        let waitsForReplies = kind == .queue
        let polls = target > 0 || session.meter.isLive
        // Without polling the count arrives once, at the end: time the whole run instead.
        if !polls { session.meter.startClock() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Not cancelled with the session: the watcher below ends the proxy once it has read the
            // final counters.
            let running = Task { try await proxy.run() }
            group.addTask { try await running.value }
            group.addTask {
                while !Task.isCancelled {
                    if polls, let statistics = try? await proxy.statistics() {
                        session.meter.advance(to: Int(statistics.backend.messagesSent))
                        let passed = statistics.backend.messagesSent
                        let answered = waitsForReplies ? statistics.frontend.messagesSent : passed
                        if target > 0, passed >= target, answered >= target { break }
                    }
                    try? await Task.sleep(
                        for: polls ? (target > 0 ? .milliseconds(20) : .milliseconds(250)) : .seconds(3600))
                }
                // A cancelled task cannot wait on the control socket: read and stop from a fresh one.
                if let final = await Task(operation: { try? await proxy.statistics() }).value {
                    session.meter.advance(to: Int(final.backend.messagesSent))
                    if session.printsMessages { Terminal.printError("statistics: \(final)") }
                }
                try await Task { try await proxy.terminate() }.value
            }
            try await group.waitForAll()
        }
    }
}
