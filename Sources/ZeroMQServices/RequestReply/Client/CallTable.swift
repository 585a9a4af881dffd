/// The calls of a ``RequestClient``, as a pure state machine: which calls are in progress, and
/// for each attempt in flight whether it is being sent, has its reply already, or waits for it.
///
/// The client's shell asks it for a call's id, tells it what happens (an attempt is sent, a
/// reply arrives, a timer fires, a caller is cancelled, the sockets close) and does what the
/// returned values say: resume this waiter with that outcome, drop a reply as late, wake the
/// drain. The waiters (a continuation and its timer in the shell) are opaque to it, so its unit
/// tests (`CallTableTests`) use plain values and need no socket and no clock.
///
/// A call's id is never reused, so a reply to an attempt that has ended finds no entry and is
/// dropped as late: it can never reach another caller.
struct CallTable<Waiter, Reply> {
    /// An attempt in flight.
    private enum Attempt {
        /// The request is being handed to libzmq; a reply may already come.
        case sending
        /// A reply came before the caller started waiting.
        case replied(Reply)
        /// The caller waits.
        case waiting(Waiter)
    }

    private var attempts: [UInt64: Attempt] = [:]
    private var nextID: UInt64 = 1
    /// Calls between their start and their result, backoffs between attempts included.
    private(set) var callsInProgress = 0
    /// Whether ``close()`` ran: the sockets are closed, every attempt failed.
    private(set) var isClosed = false

    init() {}

    /// Attempts in flight: sending, or waiting for their reply.
    var attemptCount: Int { attempts.count }

    /// Whether no call is in progress and no attempt in flight: a draining client may close.
    var isIdle: Bool { callsInProgress == 0 && attempts.isEmpty }

    // MARK: Calls

    /// A call starts.
    ///
    /// - Returns: its id, for all its attempts.
    mutating func startCall() -> UInt64 {
        let id = nextID
        nextID &+= 1
        callsInProgress += 1
        return id
    }

    /// A call ended, with its result or a failure.
    ///
    /// - Returns: whether the table is now idle (``isIdle``): then the drain may end.
    mutating func finishCall() -> Bool {
        precondition(callsInProgress > 0, "a call finished that did not start")
        callsInProgress -= 1
        return isIdle
    }

    // MARK: Attempts

    /// An attempt of call `id` is being sent; its reply may come before the caller waits.
    mutating func sending(_ id: UInt64) {
        attempts[id] = .sending
    }

    /// Sending the attempt failed: nothing waits for its reply.
    mutating func sendFailed(_ id: UInt64) {
        attempts[id] = nil
    }

    /// What the caller does once its attempt is sent.
    enum WaitAction {
        /// Wait: the waiter is kept until a reply, its timer, a cancellation or a close.
        case wait
        /// Return this reply at once: it came while the request was being sent.
        case returnReply(Reply)
        /// Return at once: the caller was cancelled (the attempt is over).
        case returnCancelled
        /// Return at once: the client closed while the request was being sent.
        case returnClosed
    }

    /// The caller of attempt `id` starts waiting with `waiter`, unless there is nothing to wait
    /// for.
    ///
    /// - Parameter isCancelled: whether the caller's task is cancelled already.
    mutating func wait(_ id: UInt64, with waiter: Waiter, isCancelled: Bool) -> WaitAction {
        switch attempts[id] {
        case nil:
            // `close()` removed it while the request was being sent.
            return .returnClosed
        case .replied(let reply):
            attempts[id] = nil
            return .returnReply(reply)
        case .sending where isCancelled:
            attempts[id] = nil
            return .returnCancelled
        case .sending:
            attempts[id] = .waiting(waiter)
            return .wait
        case .waiting:
            preconditionFailure("attempt \(id) waits twice")
        }
    }

    /// What to do with a reply.
    enum ReplyAction {
        /// Resume this waiter with the reply.
        case resume(Waiter)
        /// Nothing now: the reply is kept for the caller, who has not started waiting yet.
        case keep
        /// Drop it: no attempt of its id is in flight (it timed out, was cancelled, or never
        /// was), or the attempt has a reply already.
        case dropLate
    }

    /// A reply for call `id` arrived.
    mutating func received(_ reply: Reply, for id: UInt64) -> ReplyAction {
        switch attempts[id] {
        case nil, .replied:
            return .dropLate
        case .sending:
            attempts[id] = .replied(reply)
            return .keep
        case .waiting(let waiter):
            attempts[id] = nil
            return .resume(waiter)
        }
    }

    /// Attempt `id`'s timer fired.
    ///
    /// - Returns: the waiter to resume with a timeout, or `nil` when the attempt already ended
    ///   (a reply or a cancellation came first).
    mutating func timedOut(_ id: UInt64) -> Waiter? {
        removeWaiter(id)
    }

    /// Attempt `id`'s caller was cancelled.
    ///
    /// - Returns: the waiter to resume as cancelled (its timer to cancel), or `nil` when the
    ///   attempt already ended or its caller does not wait yet (``wait(_:with:isCancelled:)``
    ///   sees the cancellation then).
    mutating func cancelled(_ id: UInt64) -> Waiter? {
        removeWaiter(id)
    }

    private mutating func removeWaiter(_ id: UInt64) -> Waiter? {
        guard case .waiting(let waiter) = attempts[id] else { return nil }
        attempts[id] = nil
        return waiter
    }

    /// The client closes: every attempt in flight ends.
    ///
    /// - Returns: the waiters to resume as closed. Attempts being sent see it in
    ///   ``wait(_:with:isCancelled:)``.
    mutating func close() -> [Waiter] {
        isClosed = true
        let waiters = attempts.values.compactMap { attempt -> Waiter? in
            if case .waiting(let waiter) = attempt { return waiter }
            return nil
        }
        attempts.removeAll()
        return waiters
    }
}
