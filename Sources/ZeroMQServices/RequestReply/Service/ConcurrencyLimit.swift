import ZeroMQ
import ZeroMQSupport

/// A counting semaphore for async code: at most `limit` holders at once; others wait in order.
///
/// Guarded by ZeroMQ's `Lock` (a pthread mutex) rather than `Synchronization.Mutex`, whose
/// futex-based Linux implementation ThreadSanitizer cannot see.
final class ConcurrencyLimit: Sendable {
    private struct State {
        var available: Int
        var waiters: [UnsafeContinuation<Void, Never>] = []
        var next = 0
    }

    private let state: Lock<State>

    init(_ limit: Int) {
        state = Lock(State(available: max(1, limit)))
    }

    /// Takes a slot, waiting for one if all are held.
    func acquire() async {
        let took = state.withLock { state -> Bool in
            guard state.available > 0 else { return false }
            state.available -= 1
            return true
        }
        if took { return }
        await withUnsafeContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                // A slot may have come back between the two locks.
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Gives a slot back, to the longest waiter if there is one.
    func release() {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            if state.next < state.waiters.count {
                let waiter = state.waiters[state.next]
                state.next += 1
                if state.next == state.waiters.count {
                    state.waiters.removeAll(keepingCapacity: true)
                    state.next = 0
                }
                return waiter
            }
            state.available += 1
            return nil
        }
        waiter?.resume()
    }
}
