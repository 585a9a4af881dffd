extension Socket where Role == ReqRole {
    /// Sends `message` and returns its reply: the request/reply round trip in one call.
    ///
    /// ```swift
    /// let reply = try await client.request("hello", timeout: .seconds(2))
    /// ```
    ///
    /// A request that times out or is cancelled is abandoned, and the socket is at once ready for
    /// the next one: the zguide's Lazy Pirate rule without recreating the socket. The first call
    /// turns on libzmq's `ZMQ_REQ_RELAXED` (a new request may follow an unanswered one) and
    /// `ZMQ_REQ_CORRELATE` (each request carries an id the reply must echo), so a late reply to an
    /// abandoned request is dropped by libzmq and never returned for a newer request. Both options
    /// are wire-compatible with any REP or ROUTER peer (a ROUTER sees the request id as a 4-byte
    /// frame before the empty delimiter, which ``RoutedMessage`` keeps in the envelope); don't mix
    /// `request` with plain `send` and `receive` on the same socket.
    ///
    /// An abandoned request may still reach a server and be answered (the answer is dropped); if
    /// the server may be gone for good, keep the timeout and retry or give up, as Lazy Pirate does.
    ///
    /// - Parameters:
    ///   - message: the request.
    ///   - timeout: how long to wait for the whole round trip; `nil` waits as long as it takes.
    /// - Returns: the reply.
    /// - Throws: ``ZeroMQError/Code-swift.struct/timedOut`` when no reply came in time,
    ///   `CancellationError` when the task was cancelled (the request is abandoned in both cases),
    ///   and the errors of ``send(_:timeout:)-(Message,_)`` and ``receive()``.
    public func request(_ message: Message, timeout: Duration? = nil) async throws -> Message {
        try enableAbandonableRequests()
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now.advanced(by: $0) }
        func remaining() -> Duration? { deadline.map { max(.zero, clock.now.duration(to: $0)) } }
        do {
            try await send(message, timeout: remaining())
            if let left = remaining() {
                return try await receive(timeout: left)
            }
            return try await receive()
        } catch let error as ZeroMQError where error.code == .timedOut {
            throw ZeroMQError(
                code: .timedOut, operation: "request", socket: core.label,
                reason: "no reply within \(timeout ?? .zero); the request was abandoned and the socket is ready for the next one"
            )
        }
    }

    /// Sends the UTF-8 bytes of `text` as a one-frame request and returns the reply.
    ///
    /// - Throws: as ``request(_:timeout:)-(Message,_)``.
    public func request(_ text: String, timeout: Duration? = nil) async throws -> Message {
        try await request(Message(text), timeout: timeout)
    }

    /// Turns on `ZMQ_REQ_RELAXED` and `ZMQ_REQ_CORRELATE`, once per socket.
    private func enableAbandonableRequests() throws(ZeroMQError) {
        guard !core.confined.abandonableRequests else { return }
        try setOption(.requestRelaxed, to: true)
        try setOption(.requestCorrelate, to: true)
        core.confined.abandonableRequests = true
    }
}
