import Foundation
import Logging
import MetricsTestKit
import ServiceLifecycle
import Testing
import ZeroMQ
@testable import ZeroMQServices
// What every test target shares (Tests/Support): withDeadline, withContext, Locked, ...
@_exported import ZeroMQTestSupport

/// Runs `services` in a `ServiceGroup` around `body`, then shuts the group down gracefully
/// (in reverse order: list the service before its clients) and waits for it.
func withServices<T: Sendable>(
    _ services: [any Service],
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            logger: Logger(label: "test")
        )
    )
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// A request the tests send: who sent it, and which of theirs it is.
struct Echo: Codable, Hashable, Sendable {
    var caller: Int
    var index: Int
    var text: String = ""
}

/// What `body` threw, as a ``RequestError`` (a test failure if it threw nothing or another error).
func requestError(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> some Any
) async -> RequestError? {
    do {
        _ = try await body()
        Issue.record("expected a RequestError, got a result", sourceLocation: sourceLocation)
        return nil
    } catch let error as RequestError {
        return error
    } catch {
        Issue.record("expected a RequestError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A free TCP endpoint on loopback for a service that a test stops and binds again: bound by a
/// socket that is closed again.
///
/// The port is below the kernel's ephemeral range (`ip_local_port_range`), not from `*`: a client
/// that keeps reconnecting to a port of that range while nothing listens there can be given that
/// very port as its own and connect to itself (TCP simultaneous open), and the service's next
/// bind then fails with `EADDRINUSE`. It happened under ThreadSanitizer, with the security
/// suites' reconnecting clients churning through ephemeral ports.
func unusedTCPEndpoint(_ context: Context) async throws -> String {
    let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
        .map { $0.split(whereSeparator: \.isWhitespace).compactMap { Int($0) } } ?? []
    let ephemeralStart = range.first ?? 32768
    let candidates = 10_000..<max(ephemeralStart, 10_001)
    let socket = try RouterSocket(context)
    var lastError: (any Error)?
    for _ in 0..<200 {
        do {
            let endpoint = try await socket.bind("tcp://127.0.0.1:\(Int.random(in: candidates))")
            await socket.close()
            return endpoint
        } catch {
            lastError = error  // taken: try another
        }
    }
    await socket.close()
    throw lastError ?? ZeroMQError(code: .invalidArgument, operation: "unusedTCPEndpoint", reason: "no free port")
}

/// An endpoint where nothing listens: an ipc path in a fresh temporary directory.
func silentEndpoint() -> String {
    "ipc://\(FileManager.default.temporaryDirectory.path)/zmq-nobody-\(UUID().uuidString.prefix(8)).sock"
}

/// Counter total for `label` with a `result` dimension.
func total(_ metrics: TestMetrics, _ label: String, result: String) -> Int64 {
    metrics.counters(label: label).filter { $0.dimensions.contains { $0 == ("result", result) } }
        .map { $0.totalValue }.reduce(0, +)
}

/// Counter total for `label` over all dimensions.
func total(_ metrics: TestMetrics, _ label: String) -> Int64 {
    metrics.counters(label: label).map { $0.totalValue }.reduce(0, +)
}
