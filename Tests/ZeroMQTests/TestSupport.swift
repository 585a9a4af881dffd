import CZeroMQ
import Foundation
import Testing
@testable import ZeroMQ
// What every test target shares (Tests/Support): withDeadline, Transport, makeContext, Locked, ...
@_exported import ZeroMQTestSupport

extension Socket {
    /// Waits until every message sent from outside the loop has been handed to libzmq (the
    /// write-behind queue is empty): over inproc the peer can then read them all.
    func handedToLibzmq(timeout: Duration = .seconds(10)) async throws {
        try await waitUntil("\(self) handed its queued sends to libzmq", timeout: timeout) {
            core.outbox.withLock { $0.queued } == 0
        }
    }

    /// Waits until at least `count` receives are waiting on this socket.
    func receivesWaiting(_ count: Int = 1, timeout: Duration = .seconds(10)) async throws {
        try await waitUntil("\(count) receives wait on \(self)", timeout: timeout) {
            waitingCalls.receives >= count
        }
    }

    /// Waits until at least `count` sends are waiting on this socket (at its high-water mark).
    func sendsWaiting(_ count: Int = 1, timeout: Duration = .seconds(10)) async throws {
        try await waitUntil("\(count) sends wait on \(self)", timeout: timeout) {
            waitingCalls.sends >= count
        }
    }
}

/// Waits until `sub`'s subscription to `topic` has reached `pub`, and leaves nothing of the wait
/// for `sub` to read: sends probes until one arrives, then a fence, and reads up to the fence (one
/// PUB→SUB pipe keeps order, so every probe comes before it).
func settleSubscription(_ pub: PubSocket, _ sub: SubSocket, topic: String) async throws {
    var arrived = false
    while !arrived {
        try await pub.send("\(topic)-probe")
        arrived = (try? await sub.receive(timeout: .milliseconds(50))) != nil
    }
    try await pub.send("\(topic)-fence")
    while try await sub.receive(timeout: .seconds(10)).string != "\(topic)-fence" {}
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

/// A CURVE key pair in Z85, from libzmq (`zmq_curve_keypair`).
struct TestCurveKeys: Sendable {
    var publicKey: String
    var secretKey: String

    static func generate() -> TestCurveKeys {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        let rc = zmq_curve_keypair(&publicKey, &secretKey)
        precondition(rc == 0, "zmq_curve_keypair failed: this libzmq has no CURVE")
        func text(_ buffer: [CChar]) -> String {
            String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return TestCurveKeys(publicKey: text(publicKey), secretKey: text(secretKey))
    }
}
