import ZeroMQ

extension ConnectionMonitor {
    /// Reads updates until `done` holds for those read so far, and returns them; throws
    /// ``ConditionTimedOut`` (listing what came) when it does not within `timeout`.
    ///
    /// For assertions such as "the server reports the handshake failed with `ZMTP_CRYPTOGRAPHIC`":
    ///
    /// ```swift
    /// let seen = try await monitor.updates(until: { $0.contains { $0.change == .handshakeFailed(reason) } })
    /// ```
    public func updates(
        timeout: Duration = .seconds(10),
        until done: @escaping @Sendable ([ConnectionUpdate]) -> Bool
    ) async throws -> [ConnectionUpdate] {
        let seen = Locked<[ConnectionUpdate]>([])
        let sequence = updates
        let finished: Bool = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for try await update in sequence {
                    if seen.withLock({ $0.append(update); return done($0) }) { return true }
                }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        let updates = seen.withLock { $0 }
        guard finished else {
            throw ConditionTimedOut(
                description: "timed out after \(timeout) (or the monitor ended) waiting for connection updates; saw:\n"
                    + updates.map { "  \($0)" }.joined(separator: "\n")
            )
        }
        return updates
    }

    /// The first handshake outcome of any connection (`.handshakeSucceeded` or
    /// `.handshakeFailed`), waiting up to `timeout`.
    public func firstHandshake(timeout: Duration = .seconds(10)) async throws -> ConnectionUpdate {
        let seen = try await updates(timeout: timeout) { $0.last?.isHandshakeOutcome == true }
        return seen[seen.count - 1]
    }
}

extension ConnectionUpdate {
    /// Whether this update is a handshake's outcome.
    public var isHandshakeOutcome: Bool {
        switch change {
        case .handshakeSucceeded, .handshakeFailed: true
        case .opened, .closed: false
        }
    }
}
