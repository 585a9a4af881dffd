import DequeModule
import ZeroMQSupport

/// Work handed to a poll loop from any thread.
enum LoopWork: Sendable {
    /// An actor job: run isolated to the loop's serial executor.
    case serial(UnownedJob)
    /// A job of a task that prefers the loop's task executor.
    case task(UnownedJob)
    /// Internal housekeeping (closing a dropped socket, cancelling a waiter, shutdown).
    case closure(@Sendable () -> Void)
}

/// The queue shared by a loop's serial executor and its task executor.
///
/// Producers on any thread append under the mutex; the loop thread takes the whole queue at once
/// at the start of each turn. The wake-up eventfd is written only when the loop has announced that
/// it is going to sleep, so a busy loop (and the loop thread enqueuing to itself) costs no syscall.
final class JobQueue: Sendable {
    private struct State {
        var work = Deque<LoopWork>()
        /// Set by the loop just before it blocks in `zmq_poll`; cleared by the first enqueue that
        /// wakes it (so one sleep costs at most one eventfd write) and by the loop when it wakes.
        var sleeping = false
    }

    private let state = Lock(State())
    let wakeup: Wakeup

    init() throws(ZeroMQError) {
        wakeup = try Wakeup()
    }

    /// Appends work; wakes the loop when it sleeps.
    func enqueue(_ item: LoopWork) {
        let mustWake = state.withLock { state -> Bool in
            state.work.append(item)
            guard state.sleeping else { return false }
            state.sleeping = false
            return true
        }
        if mustWake { wakeup.signal() }
    }

    /// Loop thread: swaps out everything queued so far into `batch` (which must be empty).
    func takeAll(into batch: inout Deque<LoopWork>) {
        state.withLock { state in swap(&state.work, &batch) }
    }

    /// Loop thread: announces sleep. Returns false (and stays awake) when work is already queued.
    func prepareToSleep() -> Bool {
        state.withLock { state -> Bool in
            guard state.work.isEmpty else { return false }
            state.sleeping = true
            return true
        }
    }

    /// Loop thread: back from `zmq_poll`.
    func awoke() {
        state.withLock { $0.sleeping = false }
    }
}
