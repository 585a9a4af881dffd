/// A call waiting on the loop for its socket to become ready: resumed once, with its result or
/// an error, by whoever takes it out of its ``WaiterQueue``.
protocol LoopWaiter {
    /// What the call returns.
    associatedtype Success
    /// Resumed exactly once.
    var continuation: UnsafeContinuation<Success, any Error> { get }
}

extension SocketCore {
    /// A `receive` waiting for `POLLIN`.
    struct ReceiveWaiter: LoopWaiter {
        let continuation: UnsafeContinuation<Message, any Error>
        /// How many messages to take from libzmq once one is there (the rest go to the inbox).
        let readAhead: Int
    }

    /// A `send` waiting for `POLLOUT`, with its message.
    struct SendWaiter: LoopWaiter {
        let continuation: UnsafeContinuation<Void, any Error>
        let message: Message
    }

    typealias Waiters<Waiter> = WaiterQueue<Waiter, TimerHeap.ID>

    /// Where a direction's waiters live in the confined state: `\.receivers` or `\.senders`.
    typealias WaiterQueuePath<Waiter> = WritableKeyPath<Confined, Waiters<Waiter>>

    // MARK: The shell around the waiter queues (loop thread)

    /// Why a call cannot start waiting now (its task is cancelled, or the socket closed), or `nil`.
    func refusalToWait(_ operation: String) -> (any Error)? {
        if Task.isCancelled { return CancellationError() }
        if confined.handle == nil { return ZeroMQError.closed(operation, socket: label) }
        return nil
    }

    /// Queues `waiter` behind the others in `queue`, with a timer that fails it with
    /// ``ZeroMQError/Code-swift.struct/timedOut`` after `timeout`, and polls for its readiness.
    func wait<Waiter: LoopWaiter>(
        _ waiter: Waiter, id: UInt64, timeout: Duration?, in queue: WaiterQueuePath<Waiter>, operation: String
    ) {
        var timer: TimerHeap.ID?
        if let timeout {
            timer = loop.schedule(after: timeout) { [self] in
                self.remove(id, from: queue)?.continuation.resume(
                    throwing: ZeroMQError.timedOut(operation, socket: self.label, after: timeout)
                )
            }
        }
        confined[keyPath: queue].append(waiter, id: id, timer: timer)
        refreshInterest()
    }

    /// Takes waiter `id` out of `queue`, cancelling its timer, for the caller to resume; `nil`
    /// when it has completed already.
    func remove<Waiter>(_ id: UInt64, from queue: WaiterQueuePath<Waiter>) -> Waiter? {
        guard let removed = confined[keyPath: queue].remove(id: id) else { return nil }
        if let timer = removed.timer { loop.cancelTimer(timer) }
        refreshInterest()
        return removed.waiter
    }

    /// Takes the first waiter of `queue` out to be served, cancelling its timer. The caller
    /// resumes it and refreshes the poll interest when it is done serving.
    func takeFirst<Waiter>(from queue: WaiterQueuePath<Waiter>) -> Waiter? {
        guard let removed = confined[keyPath: queue].removeFirst() else { return nil }
        if let timer = removed.timer { loop.cancelTimer(timer) }
        return removed.waiter
    }

    /// Fails every waiter of `queue` with `error` (the socket is closing).
    func failAll<Waiter: LoopWaiter>(in queue: WaiterQueuePath<Waiter>, with error: any Error) {
        for removed in confined[keyPath: queue].removeAll() {
            if let timer = removed.timer { loop.cancelTimer(timer) }
            removed.waiter.continuation.resume(throwing: error)
        }
    }
}
