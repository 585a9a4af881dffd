extension PollLoop {
    /// Suspends the calling task until the continuation handed to `register` is resumed (by
    /// code on this loop), and continues on this loop's thread; `onCancel` runs, on any thread,
    /// if the task is cancelled meanwhile.
    ///
    /// This is the one way the library waits for the loop. Swift resumes a continuation on the
    /// generic executor and only then hops back to the waiting actor: two thread hand-offs (a
    /// futex wake and an eventfd write) per wait, even though the loop thread resumed it. Under a
    /// preference for this loop's ``taskExecutor``, "generic" means the loop itself, so the task
    /// continues on the loop directly.
    ///
    /// ```swift
    /// let reply = await loop.withContinuation(isolation: self) { continuation in
    ///     waiters[id] = continuation  // resumed later, on the loop
    /// } onCancel: {
    ///     loop.execute { self.assumeIsolated { $0.cancel(id) } }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - isolation: the actor the caller runs on, which runs `register` (pass it explicitly
    ///     from an actor whose executor is this loop: inside closures `#isolation` is not the
    ///     actor).
    ///   - register: keeps the continuation where the loop will find it, or resumes it at once.
    ///     Resume it exactly once.
    ///   - onCancel: runs when the task is cancelled while waiting; it must get onto the loop
    ///     (``execute(_:)``) to resume the continuation.
    /// - Returns: the value the continuation was resumed with.
    @inlinable
    public func withContinuation<Value: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        _ register: (UnsafeContinuation<Value, Never>) -> Void,
        onCancel: @escaping @Sendable () -> Void
    ) async -> Value {
        await withTaskExecutorPreference(taskExecutor, isolation: isolation) {
            await withTaskCancellationHandler(
                operation: { await withUnsafeContinuation(isolation: isolation) { register($0) } },
                onCancel: onCancel,
                isolation: isolation
            )
        }
    }

    /// ``withContinuation(isolation:_:onCancel:)`` for a continuation that may be resumed with an
    /// error.
    ///
    /// - Throws: the error the continuation was resumed with.
    @inlinable
    public func withThrowingContinuation<Value: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        _ register: (UnsafeContinuation<Value, any Error>) -> Void,
        onCancel: @escaping @Sendable () -> Void
    ) async throws -> Value {
        try await withTaskExecutorPreference(taskExecutor, isolation: isolation) {
            try await withTaskCancellationHandler(
                operation: { try await withUnsafeThrowingContinuation(isolation: isolation) { register($0) } },
                onCancel: onCancel,
                isolation: isolation
            )
        }
    }
}
