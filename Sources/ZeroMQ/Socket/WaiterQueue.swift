import DequeModule

/// The calls waiting on one direction of a socket (its receives, or its sends), first come
/// first served, each with the timer of its timeout if it has one.
///
/// A pure structure: no socket, no loop, no continuation. ``SocketCore`` keeps one per direction
/// in its loop-confined state and is the shell around it: it schedules and cancels the timers
/// and resumes the continuations. The rules that make "every waiter is resumed exactly once and
/// leaves no timer behind" hold by construction:
///
/// - a waiter leaves the queue exactly once, through ``removeFirst()``, ``remove(id:)`` or
///   ``removeAll()``, and whoever removes it gets it back to resume;
/// - each removal also hands back the waiter's timer, so the shell cancels it in the same step
///   (a timer that fires finds its waiter gone, and ``remove(id:)`` returns `nil`: nothing to
///   resume twice).
///
/// The tests drive it without sockets (Tests/ZeroMQTests/WaiterQueueTests.swift).
struct WaiterQueue<Waiter, Timer> {
    /// A waiter taken out of the queue, and its timer to cancel.
    struct Removed {
        /// What the call left to be resumed with (its continuation, and what it sends).
        var waiter: Waiter
        /// The timer of its timeout, if it has one: cancel it.
        var timer: Timer?
    }

    private struct Entry {
        let id: UInt64
        let waiter: Waiter
        var timer: Timer?
    }

    private var entries = Deque<Entry>()

    /// An empty queue.
    init() {}

    /// Whether nobody waits.
    var isEmpty: Bool { entries.isEmpty }

    /// How many wait.
    var count: Int { entries.count }

    /// The first waiter, the next to be served; `nil` when nobody waits.
    var first: Waiter? { entries.first?.waiter }

    /// Whether the waiter `id` is in the queue.
    func contains(id: UInt64) -> Bool {
        entries.contains { $0.id == id }
    }

    /// Queues `waiter` behind the others. `id` must be unique among the waiters queued.
    mutating func append(_ waiter: Waiter, id: UInt64, timer: Timer?) {
        assert(!contains(id: id), "waiter \(id) queued twice")
        entries.append(Entry(id: id, waiter: waiter, timer: timer))
    }

    /// Takes the first waiter out: it is being served.
    mutating func removeFirst() -> Removed? {
        guard let entry = entries.popFirst() else { return nil }
        return Removed(waiter: entry.waiter, timer: entry.timer)
    }

    /// Takes the waiter `id` out wherever it stands (it was cancelled, or timed out); `nil` when
    /// it is not there any more (it was served, or removed before).
    mutating func remove(id: UInt64) -> Removed? {
        guard let index = entries.firstIndex(where: { $0.id == id }) else { return nil }
        let entry = entries.remove(at: index)
        return Removed(waiter: entry.waiter, timer: entry.timer)
    }

    /// Takes every waiter out, first come first: the socket is closing.
    mutating func removeAll() -> [Removed] {
        defer { entries.removeAll() }
        return entries.map { Removed(waiter: $0.waiter, timer: $0.timer) }
    }
}
