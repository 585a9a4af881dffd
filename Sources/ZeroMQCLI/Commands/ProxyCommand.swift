import ArgumentParser
import ZeroMQ

/// `zmq proxy`: the seed's three devices.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Run a device between two bound endpoints: streamer, forwarder or queue.",
        discussion: """
            streamer:  PULL frontend (pushers connect) → PUSH backend (pullers)
            forwarder: XSUB frontend (publishers) → XPUB backend (subscribers);
                       subscriptions flow back to the publishers
            queue:     ROUTER frontend (REQ or DEALER clients) → DEALER backend
                       (REP servers)

            Binds --frontend and --backend (and --capture, a PUB socket that gets a copy of every \
            message) and prints `frontend listening on <endpoint>` and `backend listening on \
            <endpoint>` to standard error. Runs until Ctrl-C, or until --count messages have passed \
            from frontend to backend (for queue: and as many replies back). Then prints libzmq's \
            counters to standard error: `statistics: frontend in N (B B) out N (B B); backend in ...`. \
            The messages counted (live rate, summary) are those passed frontend to backend.

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
            """
    )

    /// Which device to run.
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case streamer, forwarder, queue
    }

    @Argument(help: "The device: streamer, forwarder or queue.")
    var kind: Kind

    @Option(help: ArgumentHelp("The endpoint to bind for the sending side (pushers, publishers, clients).", valueName: "endpoint"))
    var frontend: String

    @Option(help: ArgumentHelp("The endpoint to bind for the receiving side (pullers, subscribers, servers).", valueName: "endpoint"))
    var backend: String

    @Option(help: ArgumentHelp("An endpoint to bind for a PUB socket that gets a copy of every message.", valueName: "endpoint"))
    var capture: String?

    @Option(help: "Stop after this many messages have passed from frontend to backend (0: no limit).")
    var count = 0

    @Flag(name: .shortAndLong, help: "Print no statistics line, only the summary line `N messages in S s (R msg/s)`.")
    var quiet = false

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
    }

    func run() async throws {
        let device = Device(kind: kind, frontend: frontend, backend: backend, capture: capture)
        try await Session.run(Session.Settings(count: count, quiet: quiet)) { session in
            let proxy = try await device.open(in: session.context)
            try await device.run(proxy, in: session)
        }
    }
}

/// A device being set up and run by `zmq proxy`.
struct Device: Sendable {
    let kind: ProxyCommand.Kind
    let frontend: String
    let backend: String
    let capture: String?

    /// Binds the device's sockets, announcing each, and makes the proxy.
    func open(in context: Context) async throws -> Proxy {
        let tap = try await openCapture(in: context)
        switch kind {
        case .streamer:
            return try Proxy.streamer(
                frontend: try await bind(PullSocket(context), frontend, as: "frontend"),
                backend: try await bind(PushSocket(context), backend, as: "backend"),
                capture: tap
            )
        case .forwarder:
            return try Proxy.forwarder(
                frontend: try await bind(XSubSocket(context), frontend, as: "frontend"),
                backend: try await bind(XPubSocket(context), backend, as: "backend"),
                capture: tap
            )
        case .queue:
            return try Proxy.queue(
                frontend: try await bind(RouterSocket(context), frontend, as: "frontend"),
                backend: try await bind(DealerSocket(context), backend, as: "backend"),
                capture: tap
            )
        }
    }

    private func openCapture(in context: Context) async throws -> ProxyCapture? {
        guard let capture else { return nil }
        return ProxyCapture(try await bind(PubSocket(context), capture, as: "capture"))
    }

    private func bind<Role: SocketRole>(_ socket: Socket<Role>, _ endpoint: String, as role: String) async throws -> Socket<Role> {
        Terminal.printError("\(role) listening on \(try await socket.bind(endpoint))")
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
                    try? await Task.sleep(for: polls ? (target > 0 ? .milliseconds(20) : .milliseconds(250)) : .seconds(3600))
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
