import DequeModule

/// One server stream a ``RequestClient`` receives, as a pure state machine: the items that came
/// and the caller has not taken yet, the caller waiting for more, how the stream ended, and when
/// to grant the service more credit.
///
/// Flow control (Docs/WireProtocol.md, *Server streaming*): the request grants `window` items.
/// The caller takes items in batches of up to half a window (one hop to the client's loop for
/// many items) and says, when it comes back for more, how many it has used; each time it has
/// used half a window since the last grant, the receiver says to grant that many again. So the
/// service never has more than `window` items sent and not yet used, and this process never
/// holds more (buffered here or in the caller's batch): a service that sends beyond its credit
/// fails the stream. The shell (the client actor) keeps the waiters' continuations and sends the
/// grants; the unit tests (`StreamReceiverTests`) use plain values.
struct StreamReceiver<Item, Waiter> {
    /// How many items the caller lets the service send ahead of it.
    let window: Int
    private var buffer: Deque<Item> = []
    private var waiter: Waiter?
    /// How the stream ended, once it has.
    private(set) var end: End?
    /// Whether the end (or the error) has been handed to the caller.
    private var endTaken = false
    /// Items the service may still send: granted and not yet received.
    private(set) var credit: Int
    /// Items the caller has used since the last grant.
    private var usedSinceGrant = 0

    /// How a stream ends.
    enum End {
        /// The service ended it; every item came before.
        case finished
        /// It failed: a remote error, a timeout, a cancel, the client's close, a reply that
        /// could not be read.
        case failed(RequestError)
    }

    /// A receiver whose request granted `window` items (at least one).
    init(window: Int) {
        self.window = max(1, window)
        self.credit = self.window
    }

    /// Items received and not yet taken.
    var bufferedCount: Int { buffer.count }

    /// The most items one batch holds: half a window, so that the caller's use of one batch
    /// is worth a grant while the other half is on its way.
    var batchLimit: Int { max(1, window / 2) }

    /// The caller has used `count` more of the items it took.
    ///
    /// - Returns: the credit to grant the service now (0: none yet).
    mutating func use(_ count: Int) -> Int {
        usedSinceGrant += max(0, count)
        guard end == nil, usedSinceGrant >= batchLimit else { return 0 }
        let grant = usedSinceGrant
        usedSinceGrant = 0
        // Saturating: a stream may run long.
        let (sum, overflow) = credit.addingReportingOverflow(grant)
        credit = overflow ? Int.max / 2 : min(sum, Int.max / 2)
        return grant
    }

    /// The caller asks for more.
    ///
    /// - Returns: what to give it at once (a batch of items, or the end), or `nil` when it
    ///   waits (then `waiter` is kept until an item or the end comes).
    mutating func next(_ waiter: Waiter) -> StreamNext<Item>? {
        if let now = nextNow() { return now }
        precondition(self.waiter == nil, "a server stream is read by one caller at a time")
        self.waiter = waiter
        return nil
    }

    /// What the caller gets at once, if anything: the next batch, or the end.
    private mutating func nextNow() -> StreamNext<Item>? {
        if !buffer.isEmpty {
            let count = min(buffer.count, batchLimit)
            let batch = Array(buffer.prefix(count))
            buffer.removeFirst(count)
            return .items(batch)
        }
        guard let end else { return nil }
        if endTaken { return .finished }
        endTaken = true
        switch end {
        case .finished: return .finished
        case .failed(let error): return .failed(error)
        }
    }

    /// What to do when something arrives.
    enum Delivery {
        /// Resume the waiting caller with this.
        case resume(Waiter, StreamNext<Item>)
        /// Nothing to do now: kept for the caller, or dropped because the stream had ended.
        case none
    }

    /// An item arrived.
    ///
    /// An item beyond the credit the service had fails the stream with `violation`, which the
    /// caller gets after the items before it: a service that ignores flow control cannot fill
    /// this process's memory.
    mutating func received(_ item: Item, violation: @autoclosure () -> RequestError) -> Delivery {
        guard end == nil else { return .none }
        guard credit > 0 else { return ended(.failed(violation())) }
        credit -= 1
        if let waiter {
            self.waiter = nil
            return .resume(waiter, .items([item]))
        }
        buffer.append(item)
        return .none
    }

    /// The stream ended: the service's end, or a failure. Only the first end counts.
    mutating func ended(_ end: End) -> Delivery {
        guard self.end == nil else { return .none }
        self.end = end
        guard let waiter, let next = nextNow() else { return .none }
        self.waiter = nil
        return .resume(waiter, next)
    }
}

/// What the caller of a server stream gets when it asks for more (``StreamReceiver``).
enum StreamNext<Item> {
    /// These items, in order (at least one).
    case items([Item])
    /// The stream ended (returned once; afterwards `finished` again).
    case finished
    /// The stream failed with this error (thrown once; afterwards `finished`).
    case failed(RequestError)
}

extension StreamNext: Sendable where Item: Sendable {}
