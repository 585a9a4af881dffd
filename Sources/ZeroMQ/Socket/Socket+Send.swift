extension Socket where Role: SendingRole {
    /// Sends `message`, all frames or none.
    ///
    /// Returns as soon as libzmq has queued the message; suspends only while libzmq is at its
    /// high-water mark (or, for REQ/REP and ROUTER with `routerMandatory`, when libzmq says so).
    /// Sends from several tasks go out in the order they were called.
    ///
    /// From outside the socket's loop (an ordinary task), a PUSH, PUB, XPUB, DEALER, PAIR or XSUB
    /// send, and a ROUTER send while ``SocketOption/routerMandatory`` is off (libzmq then drops a
    /// message for an unknown peer silently anyway), returns once the message is queued in the
    /// socket for its loop, without a thread hop
    /// (write-behind, at most ``ContextConfiguration/sendBatchSize`` messages; beyond that the
    /// send waits for room). A queued message counts as sent: it goes to libzmq in order, before
    /// any later send, and at ``close()`` unless libzmq is at its high-water mark then.
    ///
    /// - Parameters:
    ///   - message: the frames to send.
    ///   - timeout: how long to wait for room; `nil` waits as long as it takes.
    /// - Throws: ``ZeroMQError`` (``ZeroMQError/Code-swift.struct/timedOut``: nothing was sent;
    ///   `EFSM` for a REQ that has not received its reply; `EHOSTUNREACH` for an unknown ROUTER
    ///   peer with `routerMandatory`), or `CancellationError`, after which nothing was sent.
    @inlinable
    nonisolated(nonsending) public func send(_ message: Message, timeout: Duration? = nil) async throws {
        if try sendWithoutWaiting(message) { return }
        try await sendOnLoop(message, timeout: timeout)
    }

    /// The fast path, run on the caller's executor: no suspension and no actor call (inlined
    /// into the caller, so a send that finds room costs no async call either).
    ///
    /// On the loop thread the core is ours to touch (see `receiveWithoutWaiting()`): libzmq is
    /// given the message directly. Elsewhere the message is queued for the loop when the socket
    /// writes behind. False when the caller must wait on the loop.
    @usableFromInline
    nonisolated func sendWithoutWaiting(_ message: Message) throws -> Bool {
        if core.loop.isCurrentThread { return try core.sendImmediately(message) }
        return core.queueForSending(message)
    }

    /// The slow path, on the loop: send now, or wait for room.
    @usableFromInline
    func sendOnLoop(_ message: Message, timeout: Duration?) async throws {
        let core = self.core
        if try core.sendImmediately(message) { return }
        let id = core.makeWaiterID()
        try await waitOnLoop(
            register: { self.core.enqueueSender(id: id, continuation: $0, message: message, timeout: timeout) },
            onCancel: { core.loop.execute { core.cancelSender(id) } }
        )
    }

    /// Sends one frame holding the UTF-8 bytes of `text`.
    ///
    /// - Throws: as ``send(_:timeout:)-(Message,_)``.
    @inlinable
    nonisolated(nonsending) public func send(_ text: String, timeout: Duration? = nil) async throws {
        try await send(Message(text), timeout: timeout)
    }

    /// Sends one frame holding `bytes`.
    ///
    /// - Throws: as ``send(_:timeout:)-(Message,_)``.
    @inlinable
    nonisolated(nonsending) public func send(_ bytes: [UInt8], timeout: Duration? = nil) async throws {
        try await send(Message(bytes), timeout: timeout)
    }

    /// Sends several messages in order with one hop to the loop: the fast way to send a burst
    /// from a task that is not isolated to the socket.
    ///
    /// - Throws: as ``send(_:timeout:)-(Message,_)``; messages before the failing one were sent.
    public func send<Messages: Sequence & Sendable>(contentsOf messages: Messages) async throws where Messages.Element == Message {
        for message in messages {
            try await send(message)
        }
    }
}
