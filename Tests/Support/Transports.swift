import Foundation
import Testing
import ZeroMQ

/// The transports every test runs over.
public enum Transport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inproc, ipc, tcp

    public var testDescription: String { rawValue }

    /// A bindable endpoint unique to this call.
    public func endpoint() -> String {
        switch self {
        case .inproc: "inproc://test-\(UUID().uuidString)"
        case .ipc: "ipc://\(TemporaryDirectory.shared.path)/\(UUID().uuidString.prefix(8)).sock"
        case .tcp: "tcp://127.0.0.1:*"
        }
    }
}

/// One temporary directory for the ipc endpoints of this test process.
public final class TemporaryDirectory: Sendable {
    /// The directory of this process, made on first use.
    public static let shared = TemporaryDirectory()
    /// Its path.
    public let path: String

    private init() {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/zmq-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
}

/// A context configured for tests: a short linger cap so teardown is quick.
public func makeContext(_ configure: (inout ContextConfiguration) -> Void = { _ in }) throws -> Context {
    var configuration = ContextConfiguration()
    configuration.shutdownLinger = .milliseconds(100)
    configure(&configuration)
    return try Context(configuration: configuration)
}

/// A context with a short linger, shut down after `body` (also when it throws).
public func withContext<T: Sendable>(
    _ configure: (inout ContextConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (Context) async throws -> T
) async throws -> T {
    let context = try makeContext(configure)
    do {
        let result = try await body(context)
        await context.shutdown()
        return result
    } catch {
        await context.shutdown()
        throw error
    }
}
