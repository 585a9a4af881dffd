import HeapModule

/// One-shot timers for a poll loop: the earliest deadline bounds the `zmq_poll` timeout.
///
/// Touched only on the loop thread (it is a plain value inside the loop's thread-confined state).
/// Cancelling is lazy: the action leaves its slot and its heap entry is skipped when it comes up,
/// so cancel is O(1) and firing is O(log n). Actions live in an array of reusable slots, not a
/// dictionary: a typed call schedules and cancels a timer at each end, and hashing the ids
/// showed in its profile. An entry belongs to its slot only while the slot holds the entry's
/// id, so a slot reused after a cancel never runs the old entry's deadline.
struct TimerHeap {
    /// Identifies a scheduled timer, so it can be cancelled.
    struct ID: Hashable, Sendable {
        fileprivate let raw: UInt64
        fileprivate let slot: Int
    }

    private struct Entry: Comparable {
        /// Since ``origin``: a `Duration` has a layout known at compile time, where
        /// `ContinuousClock.Instant` (resilient) would make every copy of an entry, as the heap
        /// moves them, a call through its value witnesses.
        let deadline: Duration
        /// Unique and increasing: timers with the same deadline fire in the order scheduled.
        let id: UInt64
        let slot: Int

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            (lhs.deadline, lhs.id) < (rhs.deadline, rhs.id)
        }
    }

    private struct Slot {
        /// The id of the timer in this slot; 0 when the slot is free.
        var id: UInt64 = 0
        var action: (() -> Void)?
    }

    private var heap = Heap<Entry>()
    private let origin = ContinuousClock.now
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var nextID: UInt64 = 0

    /// How many timers are scheduled and not cancelled.
    private(set) var count = 0

    /// Schedules `action` to run on the loop at `deadline`.
    mutating func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping () -> Void) -> ID {
        nextID &+= 1
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = Slot(id: nextID, action: action)
        } else {
            slot = slots.count
            slots.append(Slot(id: nextID, action: action))
        }
        heap.insert(Entry(deadline: deadline - origin, id: nextID, slot: slot))
        count += 1
        return ID(raw: nextID, slot: slot)
    }

    /// Cancels a timer; a no-op if it already fired or was cancelled.
    mutating func cancel(_ id: ID) {
        guard take(id.raw, from: id.slot) != nil else { return }
        if count == 0 {
            // Every entry left is dead: drop them rather than pop them one by one, keeping the
            // storage (a new heap would allocate again for the next timer: twice per typed call).
            heap.removeAll { _ in true }
        }
    }

    /// Removes and returns the actions of every timer due at `now`, earliest first.
    mutating func takeExpired(now: ContinuousClock.Instant) -> [() -> Void] {
        var due: [() -> Void] = []
        let now = now - origin
        while let first = heap.min, first.deadline <= now {
            _ = heap.removeMin()
            if let action = take(first.id, from: first.slot) {
                due.append(action)
            }
        }
        return due
    }

    /// Milliseconds until the earliest live timer (rounded up, so the loop never spins), or -1
    /// (wait forever) when there is none.
    mutating func pollTimeout(now: ContinuousClock.Instant) -> Int {
        while let first = heap.min, slots[first.slot].id != first.id {
            _ = heap.removeMin()
        }
        guard let first = heap.min else { return -1 }
        let remaining = first.deadline - (now - origin)
        if remaining <= .zero { return 0 }
        let (seconds, attoseconds) = remaining.components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(clamping: millis)
    }

    /// Frees `slot` and returns its action if it still holds timer `id`.
    private mutating func take(_ id: UInt64, from slot: Int) -> (() -> Void)? {
        // In range unless the id came from another loop's heap (`PollLoop.cancel` is public).
        guard slots.indices.contains(slot), slots[slot].id == id, let action = slots[slot].action else { return nil }
        slots[slot] = Slot()
        freeSlots.append(slot)
        count -= 1
        return action
    }
}
