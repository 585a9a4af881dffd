extension SocketCore {
    /// Lets go of the libzmq socket so that another thread (a device's proxy thread) can own
    /// it whole. Loop thread only.
    ///
    /// Refuses while receives or sends wait on the socket, or while messages it has read ahead
    /// are still unreceived: those would otherwise be lost. Afterwards the core behaves as closed,
    /// with a reason that names the new owner, and the context no longer closes the handle at
    /// shutdown: the new owner must (libzmq's `zmq_ctx_term` waits for it).
    ///
    /// The caller moves the handle to its thread through a full memory barrier (a lock, or the
    /// thread's creation), as libzmq requires.
    func handOver(to owner: String) throws(ZeroMQError) -> SocketHandle {
        let operation = "hand over to \(owner)"
        let handle = try liveHandle(for: operation)
        let waiting = confined.receivers.count + confined.senders.count
        guard waiting == 0 else {
            throw ZeroMQError(
                code: .invalidState, operation: operation, socket: label,
                reason: "\(waiting) receive or send calls are waiting on the socket; end them first"
            )
        }
        // Sends queued from outside the loop go to libzmq first; the queue stays shut from here
        // on, unless the hand-over is refused.
        if writeBehind > 0 {
            outbox.withLock { $0.closed = true }
            flushOutbox()
            guard confined.backlog.isEmpty else {
                let queued = confined.backlog.count
                outbox.withLock { $0.closed = false }
                throw ZeroMQError(
                    code: .invalidState, operation: operation, socket: label,
                    reason: "\(queued) queued messages wait for libzmq's high-water mark; let them go out first"
                )
            }
        }
        // Checked and closed under one lock, so no iterator can take a batch in between.
        let unreceived = inbox.withLock { inbox -> (messages: Int, lentBatches: Int) in
            guard inbox.messages.isEmpty, inbox.lentBatches == 0 else {
                return (inbox.messages.count, inbox.lentBatches)
            }
            inbox.closed = true
            return (0, 0)
        }
        if unreceived != (0, 0), writeBehind > 0 { outbox.withLock { $0.closed = false } }
        guard unreceived.messages == 0 else {
            throw ZeroMQError(
                code: .invalidState, operation: operation, socket: label,
                reason: "\(unreceived.messages) messages the socket read ahead have not been received; receive them first"
            )
        }
        guard unreceived.lentBatches == 0 else {
            throw ZeroMQError(
                code: .invalidState, operation: operation, socket: label,
                reason: "a `messages` loop still holds messages the socket read ahead; finish or leave the loop first"
            )
        }
        confined.handle = nil
        confined.closeReason = "the socket was handed over to \(owner)"
        refreshInterest()
        context.remove(self)
        logger.debug("socket handed over", metadata: ["zmq.owner": "\(owner)"])
        return SocketHandle(raw: handle)
    }
}

extension Socket {
    /// Hands the libzmq socket over to `owner` (see ``SocketCore/handOver(to:)``).
    func handOver(to owner: String) throws(ZeroMQError) -> SocketHandle {
        try core.handOver(to: owner)
    }
}
