/// A gate that tasks wait at until it is opened (or forever): for tests that hold handlers in
/// flight and let them go at a moment of their choosing.
public final class Gate: Sendable {
    private let state = Locked<(open: Bool, waiters: [CheckedContinuation<Void, Never>], entered: Int)>((false, [], 0))

    public init() {}

    /// Waits until the gate is open (returns at once when it is).
    public func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                state.entered += 1
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// How many tasks have come to the gate.
    public var entered: Int { state.withLock { $0.entered } }

    /// Opens the gate: every waiting task goes on, and later ones pass.
    public func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
