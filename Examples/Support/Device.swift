import ZeroMQ

/// Binds a PUB socket at `endpoint` for a device's copies of every message (announcing it as
/// `capture listening on ...`), or returns `nil` when there is no endpoint.
public func bindCapture(_ endpoint: String?, in context: Context) async throws -> ProxyCapture? {
    guard let endpoint else { return nil }
    let capture = try PubSocket(context)
    announceListening(on: try await capture.bind(endpoint), role: "capture")
    return ProxyCapture(capture)
}

/// Runs `proxy` until SIGINT or SIGTERM, or, when `count` is above 0, until `passed` (read from
/// the proxy's statistics every 20 ms) reaches `count`; then prints `statistics: ...` to standard
/// error and ends the proxy, which closes its sockets.
///
/// - Parameters:
///   - proxy: the device, its sockets bound.
///   - count: how many messages to let through; 0 runs until a signal.
///   - passed: how many messages have passed so far, by the statistics.
public func runUntilSignal(
    _ proxy: Proxy,
    stopAfter count: Int,
    passed: @escaping @Sendable (ProxyStatistics) -> UInt64
) async throws {
    let target = UInt64(max(count, 0))
    let enoughPassed: (@Sendable () async -> Bool)? = if target == 0 {
        nil
    } else {
        {
            guard let statistics = try? await proxy.statistics() else { return false }
            return passed(statistics) >= target
        }
    }
    try await withThrowingTaskGroup(of: Void.self) { group in
        // The proxy takes the sockets over and moves messages on a thread of its own.
        group.addTask { try await proxy.run() }
        group.addTask {
            _ = await waitForTerminationSignal(orUntil: enoughPassed)
            if let statistics = try? await proxy.statistics() {
                printToStandardError("statistics: \(statistics)")
            }
            try await proxy.terminate()
        }
        try await group.waitForAll()
    }
}
