import ArgumentParser
import ZeroMQ

/// One run of a socket command: the context, the rate meter, `--timeout`, Ctrl-C, the summary
/// and the exit status.
///
/// ``run(_:_:)`` runs the command's body while watching for SIGINT and SIGTERM; a signal
/// cancels the body. Then it prints the summary (to standard output with `--quiet`; to standard
/// error after a signal otherwise), shuts the context down (queued messages get `--linger`
/// seconds to leave), and exits: status 0 when the body finished, 1 with `Error: <reason>` on
/// standard error when it failed, 128 + the signal's number (130 for Ctrl-C) when interrupted.
/// A signal while stopping ends the process at once (see ``SignalWatcher``).
struct Session: Sendable {
    /// What the command line says about the run as a whole.
    struct Settings: Sendable {
        /// `--count`: how many messages to handle; 0 for no limit.
        var count = 0
        /// `--timeout` in seconds: the longest a send or a receive may wait.
        var timeout: Double?
        /// `--quiet`: print the summary only.
        var quiet = false
        /// `--linger` in seconds: how long queued messages get to leave at exit.
        var linger: Double?
        /// `--frames` and `--raw`: how messages are split and printed.
        var framing = Framing()
    }

    let context: Context
    let meter: RateMeter
    let options: Settings
    /// The ZAP authenticator, once a socket's security options need one.
    let authentication = SessionAuthentication()

    private enum Outcome: Sendable {
        case finished
        case interrupted(signal: Int32)
    }

    /// Runs `body` in a new session; see the type's description for what happens around it.
    static func run(_ options: Settings, _ body: @escaping @Sendable (Session) async throws -> Void) async throws {
        // First of all: from here on a signal stops the command cleanly.
        let signals = await SignalWatcher()
        Terminal.useLineBufferedOutput()
        let context = try Context()
        let meter = RateMeter()
        if Terminal.standardErrorIsTerminal, options.quiet || !Terminal.standardOutputIsTerminal {
            meter.startLiveDisplay()
        }
        let session = Session(context: context, meter: meter, options: options)

        let outcome: Outcome
        do {
            outcome = try await withThrowingTaskGroup(of: Outcome.self) { group in
                // On the loop thread that owns the socket (a context has one loop by default), every
                // send and receive is a direct call instead of a thread hop.
                group.addTask(executorPreference: context.loops.first?.taskExecutor) {
                    try await body(session)
                    return .finished
                }
                group.addTask {
                    guard let signal = await signals.nextTerminationSignal() else { return .finished }
                    return .interrupted(signal: signal)
                }
                let first = try await group.next() ?? .finished
                group.cancelAll()  // the body waits for nothing more; a signal cancels it
                return first
            }
        } catch {
            signals.beginStopping()
            meter.stop()
            if options.quiet { Terminal.printLine(meter.summary) }
            await context.shutdown()
            throw CommandError(error, timeout: options.timeout)
        }

        // A signal that came as the body finished still counts as an interruption.
        let late = signals.beginStopping()
        meter.stop()
        switch late.map(Outcome.interrupted(signal:)) ?? outcome {
        case .finished:
            if options.quiet { Terminal.printLine(meter.summary) }
            await context.shutdown()
        case .interrupted(let signal):
            if options.quiet { Terminal.printLine(meter.summary) } else { Terminal.printError(meter.summary) }
            await context.shutdown()
            throw ExitCode(128 + signal)
        }
    }

    /// A socket of the given kind, bound and connected as `--bind` and `--connect` say.
    ///
    /// - Parameter immediate: queue messages only to connections that are up (`ZMQ_IMMEDIATE`),
    ///   so that a send waits until a peer is there (or `--timeout` runs out) instead of going
    ///   into the queue of a connection that may never succeed, to be dropped at exit. Only for
    ///   sockets that never receive: with it, libzmq drops the messages a connection had received
    ///   but not yet handed over when the peer disconnects.
    func open<Role: SocketRole>(
        _ kind: Socket<Role>.Type, _ endpoints: EndpointOptions, immediate: Bool = false
    ) async throws -> Socket<Role> {
        let socket = try await prepare(kind, endpoints, immediate: immediate)
        try await endpoints.attach(socket)
        return socket
    }

    /// A socket of the given kind with its options and its security (the security options of
    /// `endpoints`) set, not yet bound or connected; see ``open(_:_:immediate:)``.
    func prepare<Role: SocketRole>(
        _ kind: Socket<Role>.Type, _ endpoints: EndpointOptions, immediate: Bool = false
    ) async throws -> Socket<Role> {
        let socket = try Socket<Role>(context)
        if let linger = options.linger {
            try await socket.setOption(.linger, to: .milliseconds(Int64((linger * 1000).rounded())))
        }
        if immediate { try await socket.setOption(.immediate, to: true) }
        try await endpoints.security.apply(to: socket, in: self)
        return socket
    }

    /// `--timeout` as a duration.
    var timeout: Duration? { options.timeout.map { .seconds($0) } }

    /// Whether the command should print each message (not with `--quiet`).
    var printsMessages: Bool { !options.quiet }

    /// Prints the line for `message` (``Framing/line(for:)-(Message)``) unless `--quiet`.
    func show(_ message: Message) {
        if printsMessages { Terminal.printLine(bytes: options.framing.line(for: message)) }
    }

    /// Prints the line for a message received on a ROUTER unless `--quiet`.
    func show(_ routed: RoutedMessage) {
        if printsMessages { Terminal.printLine(bytes: options.framing.line(for: routed)) }
    }

    /// Receives one message within `--timeout`.
    func receive<Role: ReceivingRole>(from socket: Socket<Role>) async throws -> Message {
        if let timeout { try await socket.receive(timeout: timeout) } else { try await socket.receive() }
    }

    /// Sends one message within `--timeout`.
    func send<Role: SendingRole>(_ message: Message, through socket: Socket<Role>) async throws {
        try await socket.send(message, timeout: timeout)
    }

    /// Sends `messages`, pausing `pause` between them, counting each one sent.
    ///
    /// Runs isolated to the socket, on its loop thread, so that each send is a direct call into
    /// libzmq; arguments and payloads come from ``OutgoingMessages/ImmediateIterator``, which
    /// never suspends (see there why). Checks for cancellation (a signal) every
    /// ``cancellationInterval`` messages, as a send that never has to wait would not notice it.
    /// The meter gets the first message at once, then counts in steps of ``meterInterval`` (a
    /// clock read per message held `zmq push` about 14 % below this), and the rest after the last.
    func sendAll<Role: SendingRole>(
        _ messages: OutgoingMessages, through socket: isolated Socket<Role>, pause: Duration?
    ) async throws {
        var sent = 0
        var unrecorded = 0
        defer { meter.record(unrecorded) }
        if var immediate = messages.makeImmediateIterator() {
            while let message = immediate.next() {
                if let pause, sent > 0 { try await Task.sleep(for: pause) }
                if sent % Self.cancellationInterval == 0 { try Task.checkCancellation() }
                try await socket.send(message, timeout: timeout)
                sent += 1
                unrecorded += 1
                if sent == 1 || unrecorded == Self.meterInterval || pause != nil {
                    meter.record(unrecorded)
                    unrecorded = 0
                }
            }
        } else {
            for await message in messages {
                if let pause, sent > 0 { try await Task.sleep(for: pause) }
                if sent % Self.cancellationInterval == 0 { try Task.checkCancellation() }
                try await socket.send(message, timeout: timeout)
                meter.record()
                sent += 1
            }
        }
    }

    /// Receives and prints messages until `--count` of them (forever without it), counting each.
    ///
    /// Runs isolated to the socket, like ``sendAll(_:through:pause:)``: a message libzmq already
    /// has is taken without a suspension or a switch of executor.
    func receiveAll<Role: ReceivingRole>(from socket: isolated Socket<Role>) async throws {
        let count = options.count
        let timeout = self.timeout
        var received = 0
        while count == 0 || received < count {
            if received % Self.cancellationInterval == 0 { try Task.checkCancellation() }
            let message = if let timeout { try await socket.receive(timeout: timeout) } else { try await socket.receive() }
            meter.record()
            received += 1
            show(message)
        }
    }

    /// How many messages ``sendAll(_:through:pause:)`` and ``receiveAll(from:)`` handle between
    /// two checks for cancellation.
    static let cancellationInterval = 256

    /// How many messages ``sendAll(_:through:pause:)`` sends between two updates of the meter.
    static let meterInterval = 64
}
