import Foundation
import Testing
@testable import ZeroMQ

/// Fails the test (instead of hanging it) when `body` takes longer than `seconds`.
func withDeadline<T: Sendable>(
    _ seconds: Double = 30,
    _ body: @escaping @Sendable () async throws -> T,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            Issue.record("deadline of \(seconds) s exceeded", sourceLocation: sourceLocation)
            throw DeadlineExceeded()
        }
        return value
    }
}

struct DeadlineExceeded: Error {}

/// The transports every test runs over.
enum Transport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inproc, ipc, tcp

    var testDescription: String { rawValue }

    /// A bindable endpoint unique to this call.
    func endpoint() -> String {
        switch self {
        case .inproc: "inproc://test-\(UUID().uuidString)"
        case .ipc: "ipc://\(TemporaryDirectory.shared.path)/\(UUID().uuidString.prefix(8)).sock"
        case .tcp: "tcp://127.0.0.1:*"
        }
    }
}

/// One temporary directory for the ipc endpoints of this test process.
final class TemporaryDirectory: Sendable {
    static let shared = TemporaryDirectory()
    let path: String

    private init() {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/zmq-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
}

/// A context configured for tests: a short linger cap so teardown is quick.
func makeContext(_ configure: (inout ContextConfiguration) -> Void = { _ in }) throws -> Context {
    var configuration = ContextConfiguration()
    configuration.shutdownLinger = .milliseconds(100)
    configure(&configuration)
    return try Context(configuration: configuration)
}

/// Encodes an integer as a 4-byte big-endian frame.
func frame(_ value: Int) -> Frame {
    let v = UInt32(value)
    return Frame([UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)])
}

/// Decodes a frame made by `frame(_:)`.
func number(_ frame: Frame?) -> Int? {
    guard let bytes = frame?.bytes, bytes.count == 4 else { return nil }
    return bytes.reduce(0) { $0 << 8 | Int($1) }
}

/// Where a test's `messages` loop runs: the two paths of ``MessageBatch``.
enum IteratorPlace: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// A task without executor preference: batches are the socket's read-ahead inbox.
    case ordinaryTask = "ordinary task"
    /// A task preferring the loop's task executor: batches come straight from libzmq.
    case onLoop = "task preferring the loop"

    var testDescription: String { rawValue }

    /// Runs `body` in a task of this kind and returns its result.
    func run<T: Sendable>(on loop: PollLoop, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        switch self {
        case .ordinaryTask:
            return try await Task { try await body() }.value
        case .onLoop:
            return try await Task(executorPreference: loop.taskExecutor) {
                #expect(loop.isCurrentThread)
                return try await body()
            }.value
        }
    }
}
