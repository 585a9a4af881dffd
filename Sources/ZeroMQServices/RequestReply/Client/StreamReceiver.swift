import DequeModule

/// One server stream a ``RequestClient`` receives, as a pure state machine: the items that came
/// and the caller has not taken yet, the caller waiting for the next one, how the stream ended,
/// and when to grant the service more credit.
///
/// Flow control (Docs/WireProtocol.md, *Server streaming*): the request grants `window` items;
/// each time the caller has taken half a window since the last grant, the receiver says to
/// grant that many again. So the service never has more than `window` items sent and not yet
/// taken, and the buffer here never holds more: a service that sends beyond its credit fails
/// the stream. The shell (the client actor) keeps the waiters' continuations and sends the
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
    /// Items taken since the last grant.
    private var takenSinceGrant = 0

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

    /// The caller asks for the next item.
    ///
    /// - Returns: what to give it now, or `nil` when it waits (then `waiter` is kept until an
    ///   item or the end comes).
    mutating func next(_ waiter: Waiter) -> StreamNext<Item>? {
        if let now = nextNow() { return now }
        precondition(self.waiter == nil, "a server stream is read by one caller at a time")
        self.waiter = waiter
        return nil
    }

    /// What the caller gets at once, if anything.
    private mutating func nextNow() -> StreamNext<Item>? {
        if let item = buffer.popFirst() { return .item(item, grant: taken()) }
        guard let end else { return nil }
        if endTaken { return .finished }
        endTaken = true
        switch end {
        case .finished: return .finished
        case .failed(let error): return .failed(error)
        }
    }

    /// One item is taken: the credit to grant now.
    private mutating func taken() -> Int {
        takenSinceGrant += 1
        guard end == nil, takenSinceGrant >= max(1, window / 2) else { return 0 }
        let grant = takenSinceGrant
        takenSinceGrant = 0
        credit += grant
        return grant
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
            return .resume(waiter, .item(item, grant: taken()))
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

/// What the caller of a server stream gets for its next item (``StreamReceiver``).
enum StreamNext<Item> {
    /// This item, and credit to grant the service (0: none yet).
    case item(Item, grant: Int)
    /// The stream ended (returned once; afterwards `finished` again).
    case finished
    /// The stream failed with this error (thrown once; afterwards `finished`).
    case failed(RequestError)
}

extension StreamNext: Sendable where Item: Sendable {}
