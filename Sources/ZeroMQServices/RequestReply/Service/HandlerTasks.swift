import ZeroMQSupport

/// The tasks handling a ``RequestService``'s requests while it runs: one task per request,
/// tracked here so that `run()` can wait for them all when it shuts down, cancel them all when
/// it is cancelled, and a request's deadline can cancel its own task.
///
/// A task group would track them too, but it hands out no handle to one child: cancelling a
/// request at its deadline would then take a second task per request (measured: 11–21 % of the
/// calls per second with 64 in flight, Docs/Performance.md).
///
/// The bookkeeping is ``HandlerTable``, a pure state machine; this class is its shell: a lock,
/// the tasks, and the continuation of `run()` waiting for them.
final class HandlerTasks: Sendable {
    /// One request's task, for its deadline to cancel.
    struct Handle: Sendable {
        fileprivate let id: UInt64
        fileprivate let tasks: HandlerTasks

        /// Cancels the request's task (a no-op once it has finished).
        func cancel() {
            tasks.cancel(id)
        }
    }

    private let table = Lock(HandlerTable<Task<Void, Never>, UnsafeContinuation<Void, Never>>())

    /// Starts `work` in a task of its own that prefers `executor` and inherits the caller's
    /// task-local values (its trace context among them).
    func start(on executor: any TaskExecutor, _ work: @escaping @Sendable (Handle) async -> Void) {
        let (task, cancelAtOnce) = table.withLock { table in
            // Made under the lock, so the task is in the table before it can finish or be
            // cancelled (its body runs on `executor`, never here).
            table.add { id in
                Task(executorPreference: executor) { [self] in
                    await work(Handle(id: id, tasks: self))
                    finish(id)
                }
            }
        }
        if cancelAtOnce { task.cancel() }
    }

    /// Cancels every running task, and those started later.
    func cancelAll() {
        let tasks = table.withLock { $0.cancelAll() }
        // Outside the lock: cancellation handlers run synchronously, in this call.
        for task in tasks { task.cancel() }
    }

    /// Returns once no task runs: at once when none does.
    func waitUntilAllFinished() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            if table.withLock({ $0.waitUntilAllFinished(continuation) }) { continuation.resume() }
        }
    }

    /// How many tasks run (for tests).
    var runningCount: Int { table.withLock { $0.runningCount } }

    /// Whether `waitUntilAllFinished()` waits (for tests).
    var isWaitingUntilAllFinished: Bool { table.withLock { $0.hasWaiter } }

    private func cancel(_ id: UInt64) {
        table.withLock { $0.handle(id) }?.cancel()
    }

    private func finish(_ id: UInt64) {
        table.withLock { $0.finish(id) }?.resume()
    }
}
