import ZeroMQSupport

/// The tasks handling a ``RequestService``'s requests while it runs: one task per request,
/// tracked here so that `run()` can wait for them all when it shuts down, cancel them all when
/// it is cancelled, and a request's deadline can cancel its own task.
///
/// A task group would track them too, but it hands out no handle to one child: cancelling a
/// request at its deadline would then take a second task per request (measured: 11–21 % of the
/// calls per second with 64 in flight, Docs/Performance.md).
final class HandlerTasks: Sendable {
    private struct State: Sendable {
        var nextID: UInt64 = 0
        var running: [UInt64: Task<Void, Never>] = [:]
        /// `run()` was cancelled: tasks started from now on are cancelled at once.
        var cancelledAll = false
        /// `run()`, waiting for the last task to finish.
        var allFinished: UnsafeContinuation<Void, Never>?
    }

    /// One request's task, for its deadline to cancel.
    struct Handle: Sendable {
        fileprivate let id: UInt64
        fileprivate let tasks: HandlerTasks

        /// Cancels the request's task (a no-op once it has finished).
        func cancel() {
            tasks.cancel(id)
        }
    }

    private let state = Lock(State())

    /// Starts `work` in a task of its own that prefers `executor` and inherits the caller's
    /// task-local values (its trace context among them).
    func start(on executor: any TaskExecutor, _ work: @escaping @Sendable (Handle) async -> Void) {
        let cancelNow = state.withLock { state -> Task<Void, Never>? in
            let id = state.nextID
            state.nextID &+= 1
            // Made under the lock, so the task is in `running` before it can finish or be
            // cancelled (its body runs on `executor`, never here).
            let task = Task(executorPreference: executor) { [self] in
                await work(Handle(id: id, tasks: self))
                finish(id)
            }
            state.running[id] = task
            return state.cancelledAll ? task : nil
        }
        cancelNow?.cancel()
    }

    /// Cancels every running task, and those started later.
    func cancelAll() {
        let tasks = state.withLock { state in
            state.cancelledAll = true
            return Array(state.running.values)
        }
        // Outside the lock: cancellation handlers run synchronously, in this call.
        for task in tasks { task.cancel() }
    }

    /// Returns once no task runs: at once when none does.
    func waitUntilAllFinished() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                guard !state.running.isEmpty else { return true }
                state.allFinished = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// How many tasks run (for tests).
    var runningCount: Int { state.withLock { $0.running.count } }

    /// Whether `waitUntilAllFinished()` waits (for tests).
    var isWaitingUntilAllFinished: Bool { state.withLock { $0.allFinished != nil } }

    private func cancel(_ id: UInt64) {
        state.withLock { $0.running[id] }?.cancel()
    }

    private func finish(_ id: UInt64) {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            state.running[id] = nil
            guard state.running.isEmpty else { return nil }
            defer { state.allFinished = nil }
            return state.allFinished
        }
        waiter?.resume()
    }
}
