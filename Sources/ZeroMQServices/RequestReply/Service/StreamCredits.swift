/// The server streams a ``RequestService`` is sending, as a pure state machine: for each stream
/// (by its key: the caller's routing ids and request id), the credit its caller granted and the
/// service has not used yet, the sender waiting for more (and which of its waits it is), the
/// handler's task, whether the caller cancelled and whether the stream stalled for want of
/// credit; and whether the service is shutting down.
///
/// The flow control of Docs/WireProtocol.md, *Server streaming*: the service sends an item only
/// against credit, so the items in flight and in the caller's buffer never exceed what the
/// caller granted. ``StreamFlows`` is the shell (a lock, continuations as the waiters, task
/// handles); the service's reader tells it about credit and cancels, each stream's task asks it
/// before sending each item. Unit-tested with plain values (`StreamCreditsTests`).
struct StreamCredits<Key: Hashable, Waiter, Handle> {
    fileprivate struct Stream {
        var credit: Int
        /// The caller's connection, and the credit the stream was opened with: the most items
        /// it can have on their way to the caller at any time.
        var connection: [[UInt8]]
        var window: Int
        var waiter: Waiter?
        var handle: Handle?
        var isCancelled = false
        /// Counts the sender's waits for credit, so that a stall timer of an earlier wait is
        /// told from the current one's (``stall(_:wait:)``).
        var waits = 0
        /// Whether it ended for want of credit: it takes no more.
        var isStalled = false
    }

    private var streams: [Key: Stream] = [:]
    /// Whether the service is shutting down: every stream stops at its next item.
    private(set) var isShuttingDown = false
    /// The most streams open at once (``RequestServiceConfiguration/maximumStreams``).
    let limit: Int
    /// The most the windows of one connection's open streams may add up to
    /// (``RequestServiceConfiguration/maximumStreamCreditPerConnection``).
    let connectionLimit: Int
    /// The windows of each connection's open streams, added up.
    private var windows: [[[UInt8]]: Int] = [:]

    /// No stream open; at most `limit` at once (at least one), and at most `connectionLimit`
    /// items of window for the streams of one connection (at least one).
    init(limit: Int = .max, connectionLimit: Int = .max) {
        self.limit = max(1, limit)
        self.connectionLimit = max(1, connectionLimit)
    }

    /// The windows of `connection`'s open streams, added up (for tests).
    func window(of connection: [[UInt8]]) -> Int { windows[connection] ?? 0 }

    /// Streams open.
    var count: Int { streams.count }

    /// Streams whose sender waits for credit (for tests).
    var waitingCount: Int { streams.values.count { $0.waiter != nil } }

    // MARK: The reader

    /// What became of a request that opens a stream (``open(_:connection:credit:)``).
    enum Opening: Equatable {
        /// The stream is open.
        case opened
        /// A stream of that key is open already (the same caller reusing the id of a stream in
        /// progress): the request is refused and the open stream is left be.
        case duplicate
        /// `limit` streams are open: the request is refused.
        case full
        /// The credit would take the windows of the connection's streams past
        /// `connectionLimit`: the request is refused.
        case overConnectionLimit
    }

    /// A request that opens a stream on `connection` arrived, granting `credit` items.
    ///
    /// The items a stream has on their way to its caller never exceed its window (the credit
    /// it was opened with: later credit only replaces items the caller has taken), so the
    /// windows of a connection's streams bound what the service queues for that connection.
    mutating func open(_ key: Key, connection: [[UInt8]] = [], credit: Int) -> Opening {
        guard streams[key] == nil else { return .duplicate }
        guard streams.count < limit else { return .full }
        let window = max(0, credit)
        let connectionWindow = windows[connection] ?? 0
        guard window <= connectionLimit - connectionWindow else { return .overConnectionLimit }
        windows[connection] = connectionWindow + window
        streams[key] = Stream(credit: window, connection: connection, window: window)
        return .opened
    }

    /// What to do when credit comes.
    enum Grant {
        /// Resume this waiting sender: it may send (one credit is taken for it).
        case resume(Waiter)
        /// Nobody waits; the credit is kept.
        case none
    }

    /// The caller granted `credit` more items. Credit for a stream that is not open (it ended,
    /// or was never opened) is ignored.
    mutating func grant(_ key: Key, credit: Int) -> Grant {
        guard var stream = streams[key] else { return .none }
        // Saturating: a caller granting without end cannot overflow the count.
        let (sum, overflow) = stream.credit.addingReportingOverflow(max(0, credit))
        stream.credit = overflow ? Int.max / 2 : min(sum, Int.max / 2)
        var action = Grant.none
        if let waiter = stream.waiter, !stream.isCancelled, !isShuttingDown {
            stream.waiter = nil
            stream.credit -= 1
            action = .resume(waiter)
        }
        streams[key] = stream
        return action
    }

    /// The caller cancelled its stream.
    ///
    /// - Returns: the sender to resume with ``StreamStop/cancelled`` if it waits, and the handler's
    ///   task to cancel if it has started (both `nil` for a stream that is not open).
    mutating func cancel(_ key: Key) -> (waiter: Waiter?, handle: Handle?) {
        guard var stream = streams[key] else { return (nil, nil) }
        stream.isCancelled = true
        let waiter = stream.waiter
        stream.waiter = nil
        streams[key] = stream
        return (waiter, stream.handle)
    }

    /// The service shuts down: every stream stops at its next item.
    ///
    /// - Returns: the waiting senders, to resume with ``StreamStop/shuttingDown``.
    mutating func shutDown() -> [Waiter] {
        isShuttingDown = true
        var waiters: [Waiter] = []
        for key in streams.keys {
            if let waiter = streams[key]?.waiter {
                waiters.append(waiter)
                streams[key]?.waiter = nil
            }
        }
        return waiters
    }

    // MARK: The stream's task

    /// The stream's task started; `handle` cancels it.
    ///
    /// - Returns: whether it stops at once: the caller cancelled before it started.
    mutating func attach(_ key: Key, handle: Handle) -> Bool {
        guard streams[key] != nil else { return true }
        streams[key]?.handle = handle
        return streams[key]?.isCancelled ?? true
    }

    /// The sender has an item to send.
    mutating func take(_ key: Key) -> StreamTake {
        guard var stream = streams[key] else { return .stop(.cancelled) }
        if stream.isCancelled { return .stop(.cancelled) }
        if stream.isStalled { return .stop(.stalled) }
        if isShuttingDown { return .stop(.shuttingDown) }
        guard stream.credit > 0 else { return .wait }
        stream.credit -= 1
        streams[key] = stream
        return .send
    }

    /// The sender waits for credit, after ``take(_:)`` said ``StreamTake/wait``.
    ///
    /// - Returns: ``StreamTake/wait`` when `waiter` is kept (until credit, a cancel, a shutdown or
    ///   ``abandon(_:)``); otherwise what the sender does now (something came in between), and
    ///   `waiter` is not kept.
    mutating func wait(_ key: Key, with waiter: Waiter) -> StreamTake {
        let now = take(key)
        guard case .wait = now else { return now }
        streams[key]?.waiter = waiter
        streams[key]?.waits += 1
        return .wait
    }

    /// Which wait for credit the stream's sender is in (1 for its first), or `nil` when it does
    /// not wait: for a timer that ends the wait if no credit comes (``stall(_:wait:)``).
    func currentWait(of key: Key) -> Int? {
        guard let stream = streams[key], stream.waiter != nil else { return nil }
        return stream.waits
    }

    /// No credit came for a while: the sender's wait `wait` (from ``currentWait(of:)``) ends, and
    /// so does the stream. A caller that crashed or lost its connection sends neither credit nor
    /// a cancel, and without a deadline its stream would wait for ever.
    ///
    /// - Returns: the waiter to resume with ``StreamStop/stalled``; `nil` when that wait is over
    ///   (credit, a cancel or a shutdown came first, and perhaps a later wait began).
    mutating func stall(_ key: Key, wait: Int) -> Waiter? {
        guard var stream = streams[key], let waiter = stream.waiter, stream.waits == wait else { return nil }
        stream.waiter = nil
        stream.isStalled = true
        streams[key] = stream
        return waiter
    }

    /// The sender's task was cancelled (its deadline, or `run()`'s cancellation) while it
    /// waited for credit or was about to: the stream stops.
    ///
    /// - Returns: the waiter to resume with ``StreamStop/cancelled``, if it waits. When it does not
    ///   wait yet, its ``wait(_:with:)`` will return ``StreamTake/stop(_:)``.
    mutating func abandon(_ key: Key) -> Waiter? {
        guard var stream = streams[key] else { return nil }
        stream.isCancelled = true
        let waiter = stream.waiter
        stream.waiter = nil
        streams[key] = stream
        return waiter
    }

    /// Whether the stream's caller cancelled it (or its task was cancelled while it waited).
    func isCancelled(_ key: Key) -> Bool { streams[key]?.isCancelled ?? false }

    /// The stream's task ended: the stream is forgotten (its key may open a stream again).
    mutating func close(_ key: Key) {
        guard let stream = streams.removeValue(forKey: key) else { return }
        let left = (windows[stream.connection] ?? 0) - stream.window
        windows[stream.connection] = left > 0 ? left : nil
    }

    /// The credit a stream has left (for tests).
    func credit(of key: Key) -> Int? { streams[key]?.credit }
}

extension StreamCredits: Sendable where Key: Sendable, Waiter: Sendable, Handle: Sendable {}
extension StreamCredits.Stream: Sendable where Key: Sendable, Waiter: Sendable, Handle: Sendable {}

/// Why a server stream stops sending (``StreamCredits``).
enum StreamStop: Hashable, Sendable {
    /// Its caller cancelled (or its task was cancelled: its deadline, or `run()`'s).
    case cancelled
    /// The service is shutting down.
    case shuttingDown
    /// Its caller granted no credit for longer than
    /// ``RequestServiceConfiguration/streamCreditTimeout``.
    case stalled
}

/// What the sender of one item of a server stream does (``StreamCredits``).
enum StreamTake: Hashable, Sendable {
    /// Send it: one credit is used.
    case send
    /// Wait for credit (the waiter is kept).
    case wait
    /// Send nothing more.
    case stop(StreamStop)
}
