import HeapModule

/// One-shot timers for a poll loop: the earliest deadline bounds the `zmq_poll` timeout.
///
/// Touched only on the loop thread (it is a plain value inside the loop's thread-confined state).
/// Cancelling is lazy: the action is dropped from the table and its heap entry is skipped when it
/// comes up, so cancel is O(1) and firing is O(log n).
struct TimerHeap {
    /// Identifies a scheduled timer, so it can be cancelled.
    struct ID: Hashable, Sendable {
        fileprivate let raw: UInt64
    }

    private struct Entry: Comparable {
        let deadline: ContinuousClock.Instant
        let id: UInt64
        static func < (lhs: Entry, rhs: Entry) -> Bool {
            (lhs.deadline, lhs.id) < (rhs.deadline, rhs.id)
        }
    }

    private var heap = Heap<Entry>()
    private var actions: [UInt64: () -> Void] = [:]
    private var nextID: UInt64 = 0

    /// How many timers are scheduled and not cancelled.
    var count: Int { actions.count }

    /// Schedules `action` to run on the loop at `deadline`.
    mutating func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping () -> Void) -> ID {
        nextID &+= 1
        heap.insert(Entry(deadline: deadline, id: nextID))
        actions[nextID] = action
        return ID(raw: nextID)
    }

    /// Cancels a timer; a no-op if it already fired.
    mutating func cancel(_ id: ID) {
        actions[id.raw] = nil
        if actions.isEmpty { heap = Heap() }
    }

    /// Removes and returns the actions of every timer due at `now`, earliest first.
    mutating func takeExpired(now: ContinuousClock.Instant) -> [() -> Void] {
        var due: [() -> Void] = []
        while let first = heap.min, first.deadline <= now {
            _ = heap.removeMin()
            if let action = actions.removeValue(forKey: first.id) {
                due.append(action)
            }
        }
        return due
    }

    /// Milliseconds until the earliest live timer (rounded up, so the loop never spins), or -1
    /// (wait forever) when there is none.
    mutating func pollTimeout(now: ContinuousClock.Instant) -> Int {
        while let first = heap.min, actions[first.id] == nil {
            _ = heap.removeMin()
        }
        guard let first = heap.min else { return -1 }
        let remaining = first.deadline - now
        if remaining <= .zero { return 0 }
        let (seconds, attoseconds) = remaining.components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(clamping: millis)
    }
}
