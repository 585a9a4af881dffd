extension Socket where Role: ReceivingRole {
    /// Receives the next message.
    ///
    /// Takes a message the socket has already read ahead when there is one (no thread hop, from
    /// any task); otherwise waits on the loop until one arrives. Receives from several tasks are
    /// served in the order they started waiting.
    ///
    /// On the socket's loop (code isolated to a socket of the loop, tasks preferring its task
    /// executor), a receive that finds a message takes it without suspending; after 1 024 such
    /// messages it yields until the loop has polled, so that a flooded socket cannot starve the
    /// loop's other sockets.
    ///
    /// - Returns: the next whole message (all its frames).
    /// - Throws: ``ZeroMQError`` (``ZeroMQError/Code-swift.struct/socketClosed`` when the
    ///   socket is or gets closed; `EFSM` for a REP that owes a reply), or `CancellationError`.
    ///   A cancelled receive takes no message.
    @inlinable
    nonisolated(nonsending) public func receive() async throws -> Message {
        if let message = try receiveWithoutWaiting() { return message }
        let onLoop = isOnLoopThread
        return try await receiveOnLoop(timeout: nil, readAhead: onLoop ? 1 : readAhead, askedLibzmq: onLoop)
    }

    /// Receives the next message, waiting at most `timeout`.
    ///
    /// - Throws: ``ZeroMQError/Code-swift.struct/timedOut`` when nothing came in time (no
    ///   message was taken: the next receive gets it), and the errors of ``receive()``.
    @inlinable
    nonisolated(nonsending) public func receive(timeout: Duration) async throws -> Message {
        if let message = try receiveWithoutWaiting() { return message }
        let onLoop = isOnLoopThread
        return try await receiveOnLoop(timeout: timeout, readAhead: onLoop ? 1 : readAhead, askedLibzmq: onLoop)
    }

    /// How many messages a hop to the loop takes at once (``SocketCore/readAhead``).
    ///
    /// Only for callers off the loop: one on the loop thread asks libzmq for each message itself,
    /// so a batch read ahead for it would only pass through the inbox (a lock, a deque and
    /// refill jobs per batch: about 15 % of the samples of a busy `zmq pull`'s loop thread).
    @usableFromInline
    nonisolated var readAhead: Int { core.readAhead }

    /// Whether the caller runs on this socket's loop thread (where ``receiveWithoutWaiting()``
    /// asks libzmq itself).
    @usableFromInline
    nonisolated var isOnLoopThread: Bool { core.loop.isCurrentThread }

    /// The fast path, run on the caller's executor: no suspension and no actor call.
    ///
    /// On the loop thread — code isolated to this socket or any socket of the loop, and tasks
    /// preferring the loop's task executor — the core is ours to touch (the loop runs one job at a
    /// time), so libzmq is asked directly; calling into the actor instead would cost a job
    /// switch back to a task executor on return. Elsewhere only the read-ahead inbox is looked at
    /// (waiting a moment for a refill the loop is making).
    @usableFromInline
    nonisolated func receiveWithoutWaiting() throws -> Message? {
        if core.loop.isCurrentThread {
            // The loop's hand-out budget is spent: the slow path yields first.
            if core.loop.mustYield { return nil }
            let message = try core.receiveImmediately(readAhead: 1)
            if message != nil { core.loop.countHandedOut(1) }
            return message
        }
        return core.takeFromInbox() ?? core.takeFromInboxDuringRefill()
    }

    /// The messages of this socket, for `for try await`.
    ///
    /// The sequence reads ahead at most ``ContextConfiguration/receiveBatchSize`` messages and
    /// ``ContextConfiguration/receiveBatchByteLimit`` bytes (the backpressure: the rest stay in
    /// libzmq, which applies its high-water mark to the sender), ends when the socket is
    /// closed, and loses nothing when you break out of the loop: messages read ahead go to the
    /// next receive.
    public nonisolated var messages: MessageSequence<Role> {
        MessageSequence(socket: self)
    }

    /// The slow path: on the loop, take a message or wait for one.
    ///
    /// - Parameters:
    ///   - readAhead: how many messages to take from libzmq once one is there: the first is
    ///     returned, the rest go to the inbox, so that the next receives (which, off the loop,
    ///     would each pay a hop) find them there.
    ///   - askedLibzmq: the caller found libzmq empty a moment ago, on the loop thread; it is not
    ///     asked again (an `EAGAIN` costs libzmq a `poll` system call), only the inbox is looked
    ///     at. A message that came in meanwhile is seen by the loop's level-triggered poll.
    @usableFromInline
    func receiveOnLoop(timeout: Duration?, readAhead: Int, askedLibzmq: Bool) async throws -> Message {
        let core = self.core
        var askedLibzmq = askedLibzmq
        if core.loop.mustYield {
            // Fairness: this loop handed out its budget of messages without a poll.
            await core.loop.yieldUntilPolled(isolation: self)
            askedLibzmq = false
        }
        if let message = try core.receiveImmediately(readAhead: readAhead, askingLibzmq: !askedLibzmq) {
            return message
        }
        let id = core.makeWaiterID()
        return try await waitOnLoop(
            register: { self.core.enqueueReceiver(id: id, continuation: $0, timeout: timeout, readAhead: readAhead) },
            onCancel: { core.loop.execute { core.cancelReceiver(id) } }
        )
    }
}
