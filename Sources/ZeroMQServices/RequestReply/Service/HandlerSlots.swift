/// How many requests a ``RequestService`` handles at once, as a pure state machine: the free
/// slots, and who waits for one, in order.
///
/// ``ConcurrencyLimit`` is its shell (a lock, continuations as the waiters); the service's
/// reader takes a slot before it reads each request, and the request's task gives it back when
/// the reply is sent. Unit-tested with plain values (`HandlerSlotsTests`).
struct HandlerSlots<Waiter> {
    /// Slots nobody holds.
    private(set) var available: Int
    /// The waiters, oldest first from `next`; the array is emptied when all have had a slot.
    private var waiters: [Waiter] = []
    private var next = 0

    /// `count` slots (at least one), all free.
    init(count: Int) {
        available = max(1, count)
    }

    /// How many wait for a slot.
    var waiterCount: Int { waiters.count - next }

    /// Takes a free slot if there is one.
    ///
    /// - Returns: whether the caller holds a slot now.
    mutating func tryAcquire() -> Bool {
        guard available > 0 else { return false }
        available -= 1
        return true
    }

    /// Takes a free slot, or queues `waiter` for the next one given back.
    ///
    /// - Returns: whether the caller holds a slot now (then `waiter` is not kept: resume it).
    mutating func acquire(_ waiter: Waiter) -> Bool {
        if tryAcquire() { return true }
        waiters.append(waiter)
        return false
    }

    /// A holder gives its slot back.
    ///
    /// - Returns: the oldest waiter, who holds the slot now (resume it), or `nil` when nobody
    ///   waits and the slot is free.
    mutating func release() -> Waiter? {
        guard next < waiters.count else {
            available += 1
            return nil
        }
        let waiter = waiters[next]
        next += 1
        if next == waiters.count {
            waiters.removeAll(keepingCapacity: true)
            next = 0
        }
        return waiter
    }
}

extension HandlerSlots: Sendable where Waiter: Sendable {}
