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

    /// The socket's security: CURVE, PLAIN or none.
    @OptionGroup(title: "Security") var security: SecurityOptions

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

    @Option(
        help: ArgumentHelp(
            "At exit, give messages still queued this many seconds to leave (default 1; 0 drops them).",
            valueName: "seconds"
        )
    )
    var linger: Double?

    /// The options as the session takes them, with `framing` for the messages.
    func settings(_ framing: Framing = Framing()) -> Session.Settings {
        Session.Settings(count: count, timeout: timeout, quiet: quiet, linger: linger, framing: framing)
    }

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
        if let timeout {
            guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be more than 0 seconds.") }
        }
        if let linger {
            guard linger >= 0, linger <= 3600 else { throw ValidationError("--linger must be from 0 to 3600 seconds.") }
        }
    }
}

/// `--frames SEP`: multipart messages, split at SEP on the way out and joined with SEP when
/// printed (see ``Framing``).
struct FramesOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Multipart messages: split each message to send at SEP into frames, and print the frames "
                + "of each message received joined by SEP (instead of ` | `).",
            valueName: "SEP"
        )
    )
    var frames: String?

    func validate() throws {
        if let frames, frames.isEmpty { throw ValidationError("--frames needs a separator of at least one character.") }
    }

    /// The separator's bytes, or `nil` without `--frames`.
    var separator: [UInt8]? { frames.map { Array($0.utf8) } }
}

/// `--raw`: print each frame's bytes exactly as received.
struct RawOption: ParsableArguments {
    @Flag(
        help: ArgumentHelp(
            "Print each frame's bytes exactly as received: no escaping, no 0x… for bytes that are "
                + "not UTF-8, an empty frame as nothing. With --frames the output can be sent again as it is."
        )
    )
    var raw = false
}

/// What a sending command sends: positional messages, `--size` payloads, or standard input;
/// and `--interval` between sends.
struct SendOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "The messages to send, one per argument. Without any (and without --size), each line of standard input "
                + "(its bytes as they are, without the newline) is one message. --frames SEP splits each into frames."
        )
    )
    var messages: [String] = []

    @OptionGroup var framing: FramesOption

    @Option(
        help: ArgumentHelp(
            "Send generated payloads of this many bytes (`xxx…`) instead; with --count, that many.", valueName: "bytes")
    )
    var size: Int?

    @Option(help: ArgumentHelp("Seconds to wait between sends.", valueName: "seconds"))
    var interval: Double?

    func validate() throws {
        if let size { guard size >= 0 else { throw ValidationError("--size must be 0 or more bytes.") } }
        if size != nil, !messages.isEmpty { throw ValidationError("Give messages or --size, not both.") }
        if let interval {
            guard interval >= 0, interval.isFinite else {
                throw ValidationError("--interval must be 0 or more seconds.")
            }
        }
        if size != nil, framing.frames != nil {
            throw ValidationError("--frames splits messages given as arguments or lines, not --size payloads.")
        }
    }

    /// The messages to send, at most `limit` (0: no limit), split as `framing` says.
    func outgoing(limit: Int, framing: Framing) -> OutgoingMessages {
        if let size { return OutgoingMessages(origin: .payloads(size: size), limit: limit, framing: framing) }
        if !messages.isEmpty { return OutgoingMessages(origin: .arguments(messages), limit: limit, framing: framing) }
        return OutgoingMessages(origin: .standardInput, limit: limit, framing: framing)
    }

    /// The pause between sends, if any.
    var pause: Duration? { interval.flatMap { $0 > 0 ? .seconds($0) : nil } }
}
