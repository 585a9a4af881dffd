import ArgumentParser
import ZeroMQ

/// `--bind` and `--connect`: where a command's socket listens and what it connects to.
struct EndpointOptions: ParsableArguments {
    @Option(
        name: .customLong("bind"),
        help: ArgumentHelp(
            "Bind to this endpoint (repeatable); `tcp://127.0.0.1:*` picks a free port. "
                + "Prints `listening on <endpoint>` to standard error.",
            valueName: "endpoint"
        )
    )
    var bindEndpoints: [String] = []

    @Option(
        name: .customLong("connect"),
        help: ArgumentHelp("Connect to this endpoint (repeatable).", valueName: "endpoint")
    )
    var connectEndpoints: [String] = []

    func validate() throws {
        guard !bindEndpoints.isEmpty || !connectEndpoints.isEmpty else {
            throw ValidationError("Give at least one --bind or --connect endpoint.")
        }
    }

    /// Binds and connects `socket`, announcing each bound endpoint on standard error.
    func attach<Role: SocketRole>(_ socket: Socket<Role>) async throws {
        for endpoint in bindEndpoints {
            Terminal.printError("listening on \(try await socket.bind(endpoint))")
        }
        for endpoint in connectEndpoints {
            try await socket.connect(endpoint)
        }
    }
}

/// `--count`, `--timeout` and `--quiet`: how long a command runs and what it prints.
struct RunOptions: ParsableArguments {
    @Option(help: "Stop after this many messages (0: no limit). See each command for what counts.")
    var count = 0

    @Option(
        help: ArgumentHelp(
            "Give up with an error (exit status 1) when a send or a receive makes no progress "
                + "for this many seconds.",
            valueName: "seconds"
        )
    )
    var timeout: Double?

    @Flag(name: .shortAndLong, help: "Print no messages, only the summary line `N messages in S s (R msg/s)`.")
    var quiet = false

    /// The options as the session takes them.
    var settings: Session.Settings {
        Session.Settings(count: count, timeout: timeout, quiet: quiet)
    }

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
        if let timeout { guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be more than 0 seconds.") } }
    }
}

/// What a sending command sends: positional messages, `--size` payloads, or standard input;
/// and `--interval` between sends.
struct SendOptions: ParsableArguments {
    @Argument(help: "The messages to send, one per argument. Without any (and without --size), each line of standard input is one message.")
    var messages: [String] = []

    @Option(help: ArgumentHelp("Send generated payloads of this many bytes (`xxx…`) instead; with --count, that many.", valueName: "bytes"))
    var size: Int?

    @Option(help: ArgumentHelp("Seconds to wait between sends.", valueName: "seconds"))
    var interval: Double?

    func validate() throws {
        if let size { guard size >= 0 else { throw ValidationError("--size must be 0 or more bytes.") } }
        if size != nil, !messages.isEmpty { throw ValidationError("Give messages or --size, not both.") }
        if let interval { guard interval >= 0, interval.isFinite else { throw ValidationError("--interval must be 0 or more seconds.") } }
    }

    /// The messages to send, at most `limit` (0: no limit).
    func outgoing(limit: Int) -> OutgoingMessages {
        if let size { return OutgoingMessages(origin: .payloads(size: size), limit: limit) }
        if !messages.isEmpty { return OutgoingMessages(origin: .arguments(messages), limit: limit) }
        return OutgoingMessages(origin: .standardInput, limit: limit)
    }

    /// The pause between sends, if any.
    var pause: Duration? { interval.flatMap { $0 > 0 ? .seconds($0) : nil } }
}
