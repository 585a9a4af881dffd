import Foundation

/// A value behind a lock, for state that tests share between tasks and threads.
///
/// `NSLock` (a pthread mutex) rather than `Synchronization.Mutex`: ThreadSanitizer sees pthread
/// locks, and does not see the futex under `Mutex` on Linux, so it would report every guarded
/// access as a race.
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched with `lock` held.
    private let lock = NSLock()
    private var value: Value

    /// A lock around `value`.
    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with the value, under the lock.
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Thrown by ``waitUntil(_:timeout:_:)`` when its condition does not come true in time.
public struct ConditionTimedOut: Error, CustomStringConvertible {
    /// What the test waited for, and for how long.
    public var description: String
}

/// Waits until `condition` holds, checking every millisecond, or throws ``ConditionTimedOut``
/// after `timeout` (times ``testTimeout(_:)``'s scale). For conditions with no event to wait on
/// (a counter another thread updates, a process's output); prefer awaiting the event itself where
/// there is one.
public func waitUntil(
    _ what: @autoclosure () -> String,
    timeout: Duration = .seconds(10),
    isolation: isolated (any Actor)? = #isolation,
    _ condition: () async throws -> Bool
) async throws {
    let timeout = testTimeout(timeout)
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while try await !condition() {
        if ContinuousClock.now >= deadline {
            throw ConditionTimedOut(description: "timed out after \(timeout) waiting until \(what())")
        }
        try await Task.sleep(for: .milliseconds(1))
    }
}
