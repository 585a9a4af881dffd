import CZeroMQ
import DequeModule
import Logging
import Synchronization
import ZeroMQSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Everything about one libzmq socket: the handle, its waiters, its read-ahead inbox.
///
/// A ``Socket`` actor owns one core and runs on the core's loop, so the actor's isolation is
/// what confines the core to the loop thread. The poll loop calls ``handleReady(_:)`` on the
/// same thread between jobs.
///
/// Thread-safety, field by field:
/// - `let`s are immutable; `inbox` is a `Lock` (filled on the loop, taken from any thread);
/// - everything else lives in ``Confined``, touched only on the loop thread and reached only
///   through ``confined``, which checks the thread on every access in debug builds; every libzmq
///   call on the socket takes its handle from there (``liveHandle(for:)``).
final class SocketCore: @unchecked Sendable {
    let loop: PollLoop
    let type: SocketType
    /// `TYPE#n`, used in errors and logs.
    let label: String
    let context: ContextStorage
    let logger: Logger
    /// How many messages a receive from off the loop takes from libzmq at once (1 for REQ/REP).
    let readAhead: Int
    /// How many payload bytes read-ahead may hold (``ContextConfiguration/receiveBatchByteLimit``);
    /// a batch ends at ``readAhead`` messages or at this, whichever comes first.
    let readAheadBytes: Int
    /// Messages served per readiness event before the loop polls again (fairness between sockets).
    static let servingBudget = 256

    // MARK: Any thread

    struct Inbox {
        var messages = Deque<Message>()
        /// The payload bytes of `messages` (bounded by ``readAheadBytes``, past a first message).
        var bytes = 0
        var closed = false
        /// A refill is queued on the loop (so at most one is).
        var refillScheduled = false
        /// Batches of read-ahead messages that `messages` iterators took whole and have not used
        /// up yet (see ``lendInbox(into:returning:)``): the socket cannot be handed over meanwhile.
        var lentBatches = 0
    }

    struct Outbox {
        /// Messages sent from outside the loop, in order, not yet taken by the loop.
        var messages = Deque<Message>()
        /// Messages accepted and not yet handed to libzmq: these plus the loop's backlog. Bounded
        /// by ``writeBehind``.
        var queued = 0
        var closed = false
        /// A flush is queued on the loop (so at most one is).
        var flushScheduled = false
        /// Sends wait on the loop for room: later sends queue behind them, not here (keeps the
        /// order of sends across tasks). Mirrors `Confined.senders`, set by ``refreshInterest()``.
        var sendersWaiting = false
        /// A ROUTER's `ZMQ_ROUTER_MANDATORY` is on: its sends report errors and wait, so none is
        /// queued (see ``SocketType/allowsWriteBehind``).
        var routerMandatory = false
    }

    /// Sends from outside the loop waiting for the loop to hand them to libzmq (write-behind).
    let outbox = Lock(Outbox())

    /// How many messages ``outbox`` and the backlog may hold together; 0 when write-behind is off.
    let writeBehind: Int

    /// Messages in ``outbox`` (changed under its lock): lets a send on the loop see without the
    /// lock that nothing queued must go first. A send queued by the same task is visible here,
    /// since reaching the loop passed the job queue's lock after it.
    let outboxCount = Atomic<Int>(0)

    /// Messages already taken from libzmq, in order, for the next receives (read-ahead).
    /// Invariant: it is non-empty only while no receiver is waiting (broken only for a moment by
    /// ``restoreLent(_:wasLent:)``, which then serves the waiters first).
    let inbox = Lock(Inbox())

    /// `inbox.messages.count`, stored under the inbox lock after each change: lets a receive see
    /// without the lock that nothing was read ahead (the usual case on the loop). A stale zero is
    /// harmless: the receive then asks the loop, which sees the inbox under the lock.
    let inboxCount = Atomic<Int>(0)

    /// Whether the loop is about to read ahead for this socket, or doing it: set with
    /// `Inbox.refillScheduled`, cleared when a refill has published what it read and no other is
    /// queued. A receive off the loop that finds the inbox empty while this is set waits a moment
    /// for the refill instead of parking its thread (``takeFromInboxDuringRefill()``).
    let refilling = Atomic<Bool>(false)

    /// The longest a receive off the loop waits for a refill in progress before it waits on the
    /// loop instead.
    static let refillWaitLimit = Duration.microseconds(100)

    // MARK: Loop thread only

    /// The state only the loop thread may touch. It is reached through ``confined``, which checks
    /// the thread on every access in debug builds.
    struct Confined {
        /// The libzmq socket; nil once closed.
        var handle: UnsafeMutableRawPointer?
        /// The `zmq_poll` events this socket waits for (set only by ``refreshInterest()``).
        var pollEvents: Int16 = 0
        /// Whether the loop polls this socket (the answer of ``PollLoop/updateInterest(_:)``).
        var isPolled = false
        /// The receives waiting for `POLLIN`, first come first served.
        var receivers = Waiters<ReceiveWaiter>()
        /// The sends waiting for `POLLOUT`, first come first served.
        var senders = Waiters<SendWaiter>()
        /// Write-behind messages taken from the outbox that libzmq has not accepted yet (it was at
        /// its high-water mark). Sent before anything else.
        var backlog = Deque<Message>()
        /// The value last given to ``Outbox/sendersWaiting``.
        var sendersWaitingPublished = false
        var nextWaiterID: UInt64 = 0
        /// Where read-ahead collects messages before they go to the inbox in one locked step
        /// (swapped in whole when the inbox is empty). Buffers rotate between this, the inbox
        /// and the iterators' batches, so filling allocates nothing in steady state.
        var readAheadScratch = Deque<Message>()
        /// Keep every received frame's libzmq message, so ``Frame/metadata(_:)`` works.
        var keepsMetadata = false
        var closeReason = "the socket is closed"
        /// REQ only: `ZMQ_REQ_RELAXED` and `ZMQ_REQ_CORRELATE` are on (see `request(_:timeout:)`).
        var abandonableRequests = false
    }

    /// Behind a pointer rather than in a stored `var`: confinement to one thread already rules
    /// out overlapping access, and this spares every access a dynamic exclusivity check.
    private let _confined: UnsafeMutablePointer<Confined>

    /// The loop-confined state; traps in debug builds when touched off the loop thread.
    var confined: Confined {
        _read {
            loop.preconditionOnLoop()
            yield _confined.pointee
        }
        _modify {
            loop.preconditionOnLoop()
            yield &_confined.pointee
        }
    }

    init(handle: UnsafeMutableRawPointer, type: SocketType, label: String, loop: PollLoop, context: ContextStorage, logger: Logger) {
        _confined = .allocate(capacity: 1)
        _confined.initialize(to: Confined(handle: handle))
        self.type = type
        self.label = label
        self.loop = loop
        self.context = context
        self.readAhead = type.isLockstep ? 1 : context.configuration.receiveBatchSize
        self.readAheadBytes = context.configuration.receiveBatchByteLimit
        let sendBatch = context.configuration.sendBatchSize
        self.writeBehind = type.allowsWriteBehind && sendBatch > 1 ? sendBatch : 0
        var logger = logger
        logger[metadataKey: "zmq.socket"] = "\(label)"
        self.logger = logger
        loop.retainUser()
    }

    deinit {
        // No other reference exists any more, so the confined state can be read from any thread.
        defer {
            _confined.deinitialize(count: 1)
            _confined.deallocate()
        }
        if let handle = _confined.pointee.handle {
            // Dropped without close(): close on the loop thread, which owns the handle.
            let socket = SocketHandle(raw: handle)
            let cap = context.configuration.shutdownLinger
            if loop.isCurrentThread {
                Self.closeHandle(socket, lingerCap: cap)
            } else {
                loop.execute { Self.closeHandle(socket, lingerCap: cap) }
            }
        }
        loop.releaseUser()
    }

    // MARK: Handle access

    /// The open handle, checked to be on the loop thread in debug builds.
    @inline(__always)
    func liveHandle(for operation: @autoclosure () -> String) throws(ZeroMQError) -> UnsafeMutableRawPointer {
        guard let handle = confined.handle else {
            throw ZeroMQError(code: .socketClosed, operation: operation(), socket: label, reason: confined.closeReason)
        }
        return handle
    }


    /// Whether ``close(because:)`` has run.
    var isClosed: Bool {
        confined.handle == nil
    }

    func makeWaiterID() -> UInt64 {
        confined.nextWaiterID &+= 1
        return confined.nextWaiterID
    }

    // MARK: Closing

    /// Closes the socket: fails every waiter, drops the read-ahead, closes the handle with a
    /// bounded linger. Loop thread only; idempotent.
    func close(because reason: String) {
        guard let handle = confined.handle else { return }
        flushForClosing()
        confined.handle = nil
        confined.closeReason = reason
        inbox.withLock { inbox in
            inbox.closed = true
            inbox.messages.removeAll()
            inbox.bytes = 0
            inboxCount.store(0, ordering: .relaxed)
        }
        refilling.store(false, ordering: .releasing)
        func closed(_ operation: String) -> ZeroMQError {
            ZeroMQError(code: .socketClosed, operation: operation, socket: label, reason: reason)
        }
        failAll(in: \.receivers, with: closed("receive"))
        failAll(in: \.senders, with: closed("send"))
        refreshInterest()
        Self.closeHandle(SocketHandle(raw: handle), lingerCap: context.configuration.shutdownLinger)
        context.remove(self)
        logger.debug("socket closed", metadata: ["zmq.reason": "\(reason)"])
    }

    /// `zmq_close`, after replacing an infinite linger by `lingerCap` so termination never hangs.
    static func closeHandle(_ socket: SocketHandle, lingerCap: Duration) {
        var linger: Int32 = 0
        var size = MemoryLayout<Int32>.size
        if zmq_getsockopt(socket.raw, ZMQ_LINGER, &linger, &size) == 0, linger < 0 {
            var capped = Int32(clamping: lingerCap.wholeMilliseconds)
            _ = zmq_setsockopt(socket.raw, ZMQ_LINGER, &capped, MemoryLayout<Int32>.size)
        }
        _ = zmq_close(socket.raw)
    }

    // MARK: Poll loop interface

    /// Recomputes what to poll for from the waiter queues and tells the loop.
    func refreshInterest() {
        let sendersWaiting = !confined.senders.isEmpty
        if writeBehind > 0, sendersWaiting != confined.sendersWaitingPublished {
            confined.sendersWaitingPublished = sendersWaiting
            outbox.withLock { $0.sendersWaiting = sendersWaiting }
        }
        var events: Int16 = 0
        if !confined.receivers.isEmpty { events |= Int16(ZMQ_POLLIN) }
        if !confined.senders.isEmpty || !confined.backlog.isEmpty { events |= Int16(ZMQ_POLLOUT) }
        if confined.handle == nil { events = 0 }
        guard events != confined.pollEvents || (events != 0) != confined.isPolled else { return }
        confined.pollEvents = events
        confined.isPolled = loop.updateInterest(self)
    }
}

extension SocketCore: PollSource {
    /// The handle for the poll set (nil once closed). Loop thread only.
    var pollHandle: UnsafeMutableRawPointer? { confined.handle }

    /// What ``refreshInterest()`` last computed. Loop thread only.
    var pollEvents: Int16 { confined.pollEvents }

    /// Called by the loop when `zmq_poll` reports `revents` for this socket.
    func handleReady(_ revents: Int16) {
        if revents & Int16(ZMQ_POLLIN) != 0 { serveReceivers() }
        if revents & Int16(ZMQ_POLLOUT) != 0 { serveSenders() }
        refreshInterest()
    }
}

/// A libzmq socket pointer that moves to the thread that owns it next: the loop thread that
/// closes it (SocketCore.deinit) or a device's proxy thread (SocketCore.handOver(to:)).
struct SocketHandle: @unchecked Sendable {
    // @unchecked Sendable: each handle has one owner at a time. It is only used on the thread it
    // was moved to, and every move passes a full memory barrier (the loop's job-queue lock, or
    // the creation of the proxy thread), which is what libzmq requires to migrate a socket.
    let raw: UnsafeMutableRawPointer
}
