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

/// A free TCP endpoint on loopback: bound by a socket that is closed again.
func unusedTCPEndpoint(_ context: Context) async throws -> String {
    let socket = try RouterSocket(context)
    let endpoint = try await socket.bind("tcp://127.0.0.1:*")
    await socket.close()
    return endpoint
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
