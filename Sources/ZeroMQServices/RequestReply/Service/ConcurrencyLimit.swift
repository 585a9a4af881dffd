import ZeroMQ
import ZeroMQSupport

/// A counting semaphore for async code: at most `limit` holders at once; others wait in order.
/// The shell of ``HandlerSlots``, which decides; this type holds it under a lock and resumes
/// the continuations it hands back.
///
/// Guarded by ZeroMQ's `Lock` (a pthread mutex) rather than `Synchronization.Mutex`, whose
/// futex-based Linux implementation ThreadSanitizer cannot see.
final class ConcurrencyLimit: Sendable {
    private let slots: Lock<HandlerSlots<UnsafeContinuation<Void, Never>>>

    init(_ limit: Int) {
        slots = Lock(HandlerSlots(count: limit))
    }

    /// Takes a slot, waiting for one if all are held.
    func acquire() async {
        if slots.withLock({ $0.tryAcquire() }) { return }
        await withUnsafeContinuation { continuation in
            // A slot may have come back between the two locks.
            if slots.withLock({ $0.acquire(continuation) }) { continuation.resume() }
        }
    }

    /// Gives a slot back, to the longest waiter if there is one.
    func release() {
        slots.withLock { $0.release() }?.resume()
    }
}
