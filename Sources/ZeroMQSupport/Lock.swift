#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a `pthread_mutex_t`.
///
/// Used instead of `Synchronization.Mutex` because its Linux implementation (raw futex calls)
/// is invisible to ThreadSanitizer, which then reports every hand-off through it as a race;
/// pthread mutexes are understood by TSan, so the suite can prove the executor race-free.
/// Uncontended, both cost one atomic instruction pair.
///
/// `package`: ZeroMQ, ZeroMQServices and the CLI use it; it is not public API (this target is
/// not a product).
@usableFromInline
package final class Lock<State> {
    @usableFromInline
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Kept behind a pointer rather than in a stored `var`, so that reaching it costs no dynamic
    /// exclusivity check (the mutex already guarantees exclusive access).
    @usableFromInline
    let state: UnsafeMutablePointer<State>

    package init(_ state: State) {
        self.state = .allocate(capacity: 1)
        self.state.initialize(to: state)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let rc = pthread_mutex_init(mutex, nil)
        precondition(rc == 0, "pthread_mutex_init failed: \(rc)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Runs `body` with exclusive access to the state.
    ///
    /// Inlinable (with the class and its two pointers `@usableFromInline`: a `package` class
    /// alone is not enough for Swift 6.3 to specialise across modules), so that callers in other
    /// modules get it specialised to their state and result instead of a generic call that
    /// moves the result through value-witness calls.
    @inlinable
    package func withLock<Result, Failure: Error>(_ body: (inout State) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state.pointee)
    }
}

// @unchecked Sendable: `state` is only reached inside `withLock`, under `mutex`, so threads take
// turns with it; and only where `State` is Sendable (as swift-nio's `NIOLockedValueBox`), since a
// lock cannot make a value safe to use from another thread once `withLock` has handed it out.
extension Lock: @unchecked Sendable where State: Sendable {}
