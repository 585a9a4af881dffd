import Foundation
import Testing
@testable import ZeroMQ
// What every test target shares (Tests/Support): withDeadline, Transport, makeContext, Locked, ...
@_exported import ZeroMQTestSupport

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
