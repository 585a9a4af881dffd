extension Socket where Role == RepRole {
    /// Answers requests until the socket is closed or the task is cancelled: each request is
    /// passed to `handler` and what it returns is sent back as the reply.
    ///
    /// ```swift
    /// try await server.serve { request in
    ///     Message("Echo: " + (request.string ?? ""))
    /// }
    /// ```
    ///
    /// Requests are handled one at a time, in order (REP's strict alternation). Cancellation
    /// while waiting for a request ends the loop without taking one, so nothing is lost.
    ///
    /// - Parameter handler: makes the reply to one request.
    /// - Throws: what `handler` throws (the socket then still owes that request a reply: send one
    ///   or close the socket), and ``ZeroMQError`` for failures other than the socket closing.
    nonisolated(nonsending) public func serve(
        _ handler: (Message) async throws -> Message
    ) async throws {
        while !Task.isCancelled {
            let request: Message
            do {
                request = try await receive()
            } catch is CancellationError {
                return
            } catch let error as ZeroMQError where error.isEndOfStream {
                return
            }
            try await send(try await handler(request))
        }
    }

    /// The requests arriving on this socket, each to be answered with ``IncomingRequest/reply(_:)-(Message)``
    /// before the next is taken.
    ///
    /// ```swift
    /// for try await request in server.requests {
    ///     try await request.reply("Echo: " + (request.message.string ?? ""))
    /// }
    /// ```
    ///
    /// The sequence ends when the socket is closed. Taking the next request before replying to
    /// the previous one throws `EFSM`, as libzmq requires.
    public nonisolated var requests: RequestSequence {
        MappedMessageSequence(
            messages: messages,
            transform: { [self] message in .element(IncomingRequest(message: message, socket: self)) },
            explain: { error in
                guard let error = error as? ZeroMQError, error.errno == ErrnoName.EFSM else { return error }
                return ZeroMQError(
                    code: error.code, operation: "next request", socket: error.socket, errno: error.errno,
                    reason: "reply to the previous request before taking the next one"
                )
            }
        )
    }
}

/// A request received by a ``RepSocket``; see ``Socket/requests``.
public struct IncomingRequest: Sendable {
    /// The request.
    public let message: Message
    let socket: RepSocket

    /// Sends `reply` to whoever sent this request.
    ///
    /// - Throws: as ``Socket/send(_:timeout:)-(Message,_)``; `EFSM` when this request was already answered.
    public func reply(_ reply: Message) async throws {
        try await socket.send(reply)
    }

    /// Sends the UTF-8 bytes of `text` as the reply.
    ///
    /// - Throws: as ``reply(_:)-(Message)``.
    public func reply(_ text: String) async throws {
        try await socket.send(Message(text))
    }
}

/// The requests of a ``RepSocket`` as an `AsyncSequence`; see ``Socket/requests``.
public typealias RequestSequence = MappedMessageSequence<RepRole, IncomingRequest>
