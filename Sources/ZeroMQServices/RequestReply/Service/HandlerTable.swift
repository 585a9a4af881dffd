/// The requests a ``RequestService`` is handling, as a pure state machine: each request's task
/// by id, whether `run()` was cancelled (so a task started later is cancelled at once), and who
/// waits for the last task to finish (a draining `run()`).
///
/// ``HandlerTasks`` is its shell (a lock, real tasks and a continuation); the unit tests
/// (`HandlerSlotsTests`) use plain values.
struct HandlerTable<Handle, Waiter> {
    private var nextID: UInt64 = 0
    private var running: [UInt64: Handle] = [:]
    /// `run()` was cancelled: handles added from now on are to be cancelled at once.
    private(set) var isCancelled = false
    /// Who waits for the last task to finish.
    private var allFinished: Waiter?

    init() {}

    /// How many tasks run.
    var runningCount: Int { running.count }

    /// Whether someone waits for the last task to finish.
    var hasWaiter: Bool { allFinished != nil }

    /// A request's task starts: `makeHandle` makes it with its id.
    ///
    /// - Returns: the handle, and whether to cancel it at once (`run()` was cancelled).
    mutating func add(_ makeHandle: (UInt64) -> Handle) -> (handle: Handle, cancelAtOnce: Bool) {
        let id = nextID
        nextID &+= 1
        let handle = makeHandle(id)
        running[id] = handle
        return (handle, isCancelled)
    }

    /// The task of request `id`, while it runs (for its deadline to cancel it).
    func handle(_ id: UInt64) -> Handle? {
        running[id]
    }

    /// Request `id`'s task finished.
    ///
    /// - Returns: the waiter to resume when it was the last one.
    mutating func finish(_ id: UInt64) -> Waiter? {
        running[id] = nil
        guard running.isEmpty, let waiter = allFinished else { return nil }
        allFinished = nil
        return waiter
    }

    /// `run()` is cancelled: every task, and those started later, are to be cancelled.
    ///
    /// - Returns: the handles of the tasks running now.
    mutating func cancelAll() -> [Handle] {
        isCancelled = true
        return Array(running.values)
    }

    /// `waiter` waits for the last task to finish.
    ///
    /// - Returns: `true` when none runs (then `waiter` is not kept: resume it now).
    mutating func waitUntilAllFinished(_ waiter: Waiter) -> Bool {
        guard !running.isEmpty else { return true }
        precondition(allFinished == nil, "only run() waits for the handlers")
        allFinished = waiter
        return false
    }
}

extension HandlerTable: Sendable where Handle: Sendable, Waiter: Sendable {}
