import ArgumentParser
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `zmq monitor`: a socket that only connects or binds, printing what happens to its connections.
struct Monitor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open a socket, bind or connect it, and print each event of its connections (libzmq's monitor).",
        discussion: """
            Opens one socket of --type (default dealer), starts libzmq's monitor on it, then binds \
            (--bind) and connects (--connect) it like the other commands, and prints each event as \
            one line: the event, the endpoint and, where libzmq gives one, what it means:

              listening tcp://127.0.0.1:5555
              connected tcp://127.0.0.1:5555
              handshake succeeded tcp://127.0.0.1:5555
              handshake failed (authentication) tcp://127.0.0.1:5555: ZAP status 400
              handshake failed (protocol) tcp://127.0.0.1:5555: ZMTP_CRYPTOGRAPHIC (0x11000001)
              connect retried tcp://127.0.0.1:5555: next in 200 ms
              bind failed tcp://127.0.0.1:5555: EADDRINUSE

            The socket sends and receives nothing: use it to see whether a server is there, \
            whether its handshake (and with the security options, its keys or password) works, \
            and when connections drop. Stops after --count events (forever without it: stop with \
            Ctrl-C), or when no event comes for --timeout seconds (an error).

            Examples:
              zmq monitor --connect tcp://127.0.0.1:5678 --type req
              zmq monitor --connect tcp://127.0.0.1:5678 --type req \\
                  --curve-client client.key_secret --server-key server.key
              zmq monitor --bind 'tcp://127.0.0.1:*' --type rep --count 10
            """
    )

    /// The socket types a monitor can open.
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case req, rep, dealer, router, pub, sub, push, pull, pair
    }

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var options: RunOptions

    @Option(name: .customLong("type"), help: "The socket's type: req, rep, dealer, router, pub, sub, push, pull or pair.")
    var kind: Kind = .dealer

    func run() async throws {
        let (endpoints, kind) = (endpoints, kind)
        try await Session.run(options.settings()) { session in
            switch kind {
            case .req: try await Self.watch(ReqSocket.self, endpoints, session)
            case .rep: try await Self.watch(RepSocket.self, endpoints, session)
            case .dealer: try await Self.watch(DealerSocket.self, endpoints, session)
            case .router: try await Self.watch(RouterSocket.self, endpoints, session)
            case .pub: try await Self.watch(PubSocket.self, endpoints, session)
            case .sub: try await Self.watch(SubSocket.self, endpoints, session)
            case .push: try await Self.watch(PushSocket.self, endpoints, session)
            case .pull: try await Self.watch(PullSocket.self, endpoints, session)
            case .pair: try await Self.watch(PairSocket.self, endpoints, session)
            }
        }
    }

    /// Opens the socket with its monitor started before it binds or connects (so that the
    /// first events are seen), then prints events until `--count` (or forever).
    private static func watch<Role: SocketRole>(_ kind: Socket<Role>.Type, _ endpoints: EndpointOptions, _ session: Session) async throws {
        let socket = try await session.prepare(kind, endpoints)
        let monitor = try await socket.monitor()
        defer { monitor.close() }
        try await endpoints.attach(socket)
        guard let timeout = session.timeout else {
            return try await printEvents(monitor, session)
        }
        // --timeout: an idle watch beside the printing loop; whichever ends first ends both.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await printEvents(monitor, session) }
            group.addTask {
                var seen = session.meter.count
                while true {
                    try await Task.sleep(for: timeout)
                    let now = session.meter.count
                    if now == seen {
                        throw CommandError(
                            "timed out: no event on the monitored socket within \(CommandError.seconds(session.options.timeout ?? 0)) s (--timeout)")
                    }
                    seen = now
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Prints each event of `monitor` until `--count` of them, or until monitoring stops.
    private static func printEvents(_ monitor: SocketMonitor, _ session: Session) async throws {
        for try await event in monitor.events {
            session.meter.record()
            if session.printsMessages { Terminal.printLine(EventLine.line(for: event)) }
            if session.options.count > 0, session.meter.count >= session.options.count { return }
        }
    }
}

/// How `zmq monitor` prints an event: `<event> <endpoint>`, then `: <what the value means>` for
/// the events whose value says something (an errno, an interval, a protocol error, a status).
enum EventLine {
    static func line(for event: SocketEvent) -> String {
        let head = "\(event.kind.name) \(event.endpoint)"
        return detail(event).map { "\(head): \($0)" } ?? head
    }

    static func detail(_ event: SocketEvent) -> String? {
        switch event.kind {
        case .connectRetried: "next in \(event.value) ms"
        case .bindFailed, .acceptFailed, .closeFailed: errnoName(Int32(bitPattern: event.value))
        case .handshakeFailedProtocol: protocolError(event.value)
        case .handshakeFailedAuthentication: "ZAP status \(event.value)"
        default: nil
        }
    }

    /// `ZMTP_CRYPTOGRAPHIC (0x11000001)` for libzmq's `ZMQ_PROTOCOL_ERROR_*` codes (zmq.h 4.3).
    static func protocolError(_ code: UInt32) -> String {
        let names: [UInt32: String] = [
            0x1000_0000: "ZMTP_UNSPECIFIED", 0x1000_0001: "ZMTP_UNEXPECTED_COMMAND",
            0x1000_0002: "ZMTP_INVALID_SEQUENCE", 0x1000_0003: "ZMTP_KEY_EXCHANGE",
            0x1000_0011: "ZMTP_MALFORMED_COMMAND_UNSPECIFIED", 0x1000_0012: "ZMTP_MALFORMED_COMMAND_MESSAGE",
            0x1000_0013: "ZMTP_MALFORMED_COMMAND_HELLO", 0x1000_0014: "ZMTP_MALFORMED_COMMAND_INITIATE",
            0x1000_0015: "ZMTP_MALFORMED_COMMAND_ERROR", 0x1000_0016: "ZMTP_MALFORMED_COMMAND_READY",
            0x1000_0017: "ZMTP_MALFORMED_COMMAND_WELCOME", 0x1000_0018: "ZMTP_INVALID_METADATA",
            0x1100_0001: "ZMTP_CRYPTOGRAPHIC", 0x1100_0002: "ZMTP_MECHANISM_MISMATCH",
            0x2000_0000: "ZAP_UNSPECIFIED", 0x2000_0001: "ZAP_MALFORMED_REPLY", 0x2000_0002: "ZAP_BAD_REQUEST_ID",
            0x2000_0003: "ZAP_BAD_VERSION", 0x2000_0004: "ZAP_INVALID_STATUS_CODE", 0x2000_0005: "ZAP_INVALID_METADATA",
        ]
        let hex = "0x" + String(code, radix: 16)
        return names[code].map { "\($0) (\(hex))" } ?? hex
    }

    /// The errno's symbolic name where it is a common one, its number otherwise.
    static func errnoName(_ code: Int32) -> String {
        let names: [Int32: String] = [
            EADDRINUSE: "EADDRINUSE", EADDRNOTAVAIL: "EADDRNOTAVAIL", EACCES: "EACCES", EINVAL: "EINVAL",
            EMFILE: "EMFILE", ENFILE: "ENFILE", ENOBUFS: "ENOBUFS", ECONNREFUSED: "ECONNREFUSED",
            ECONNRESET: "ECONNRESET", ECONNABORTED: "ECONNABORTED", ETIMEDOUT: "ETIMEDOUT",
            EHOSTUNREACH: "EHOSTUNREACH", ENETUNREACH: "ENETUNREACH", ENODEV: "ENODEV",
        ]
        return names[code] ?? "errno \(code)"
    }
}
