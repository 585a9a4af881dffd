import Foundation

/// A value behind a lock, for state shared between the reading threads and the tests.
///
/// `NSLock` (a pthread mutex) rather than `Synchronization.Mutex`: ThreadSanitizer sees pthread
/// locks, and does not see the futex under `Mutex` on Linux, so it would report every guarded
/// access as a race.
final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched with `lock` held.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with the value, under the lock.
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
