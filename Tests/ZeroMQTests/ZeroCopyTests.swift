import Foundation
import Testing
@testable import ZeroMQ

/// Frames whose storage the library owns: built in place, or over the caller's memory with a
/// deallocator. Large ones are handed to libzmq by reference; the memory must come back exactly
/// once, after libzmq is done with it (`make leaks` runs these under AddressSanitizer, which
/// would report a read after the free or a double free).
@Suite("Zero-copy frames", .timeLimit(.minutes(2)))
struct ZeroCopyTests {
    static let large = Frame.zeroCopyThreshold

    @Test("caller memory comes back exactly once, after every send and receipt", arguments: Transport.allCases)
    func deallocatedOnce(over transport: Transport) async throws {
        let ledger = DeallocationLedger()
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind(transport.endpoint()))
            // Sizes on both sides of the threshold: smaller frames are copied, larger referenced.
            let sizes = [0, 1, Self.large - 1, Self.large, Self.large + 1, 65_536, 1 << 20]
            var expected: [[UInt8]] = []
            for (index, size) in sizes.enumerated() {
                let bytes = pattern(index, size: size)
                expected.append(bytes)
                try await push.send(Message(ledger.frame(bytes)))
            }
            // One frame sent many times: one reference per send, one deallocation in all.
            let repeated = pattern(99, size: 3 * Self.large)
            let shared = ledger.frame(repeated)
            for _ in 0..<20 {
                try await push.send(Message(frames: [shared, "tail", shared]))
                expected.append(repeated)
            }
            var received = 0
            for bytes in expected.prefix(sizes.count) {
                let message = try await pull.receive(timeout: .seconds(10))
                #expect(message.first?.bytes == bytes)
                received += 1
            }
            for _ in 0..<20 {
                let message = try await pull.receive(timeout: .seconds(10))
                #expect(message.frameCount == 3)
                #expect(message[0].bytes == repeated && message[2].bytes == repeated && message[1].string == "tail")
                received += 1
            }
            #expect(received == sizes.count + 20)
            await context.shutdown()
        }
        // Every frame and message is gone, and so is the context (its I/O threads with it).
        try await waitUntil("every buffer is deallocated") { ledger.deallocated == ledger.made }
        #expect(ledger.made == 8)
        #expect(ledger.callsPerBuffer.allSatisfy { $0 == 1 }, "deallocations per buffer: \(ledger.callsPerBuffer)")
    }

    @Test("inproc delivers the sender's own buffer when the frame is large, a copy when small")
    func inprocReferencesTheBuffer() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind(Transport.inproc.endpoint()))
            for size in [Self.large - 1, Self.large, 100_000] {
                let frame = Frame(unsafeUninitializedCapacity: size) { buffer in
                    for index in buffer.indices { buffer[index] = UInt8(truncatingIfNeeded: index &* 13) }
                    return size
                }
                let sentBase = frame.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
                try await push.send(Message(frame))
                let message = try await pull.receive(timeout: .seconds(10))
                let receivedBase = try #require(message.first).withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
                #expect(message.first == frame)
                #expect((receivedBase == sentBase) == (size >= Self.large), "size \(size): copied or not as expected")
            }
            await context.shutdown()
        }
    }

    @Test("a send that waits and times out gives the buffer back once")
    func refusedSend() async throws {
        let ledger = DeallocationLedger()
        try await withDeadline {
            let context = try makeContext { $0.sendBatchSize = 1 }  // no write-behind: the send waits
            let push = try PushSocket(context)  // no peer: libzmq refuses with EAGAIN
            let frame = ledger.frame(pattern(1, size: 2 * Self.large))
            await #expect(throws: ZeroMQError.self) {
                try await push.send(Message(frame), timeout: .milliseconds(20))
            }
            withExtendedLifetime(frame) {
                #expect(ledger.deallocated == 0, "the frame is still alive")
            }
            await context.shutdown()
        }
        try await waitUntil("the buffer is deallocated") { ledger.deallocated == 1 }
        #expect(ledger.callsPerBuffer == [1])
    }

    @Test("messages queued for sending and dropped at close give their buffers back once")
    func droppedAtClose() async throws {
        let ledger = DeallocationLedger()
        try await withDeadline {
            let context = try makeContext()
            let push = try PushSocket(context)  // no peer: queued (write-behind), never sent
            for index in 0..<5 {
                try await push.send(Message(ledger.frame(pattern(index, size: Self.large))))
            }
            await push.close()
            await context.shutdown()
        }
        try await waitUntil("every buffer is deallocated") { ledger.deallocated == 5 }
        #expect(ledger.callsPerBuffer == [1, 1, 1, 1, 1])
    }

    @Test("a frame built in place holds what the initializer wrote")
    func builtInPlace() throws {
        let partial = Frame(unsafeUninitializedCapacity: 100) { buffer in
            buffer.copyBytes(from: [1, 2, 3])
            return 3
        }
        #expect(partial.count == 3)
        #expect(partial.bytes == [1, 2, 3])
        #expect(partial == Frame([1, 2, 3]))
        #expect(partial.description == "<3 bytes: 010203>")

        let empty = Frame(unsafeUninitializedCapacity: 0) { _ in 0 }
        #expect(empty.isEmpty)
        #expect(Frame(unsafeUninitializedCapacity: 5) { buffer in
            buffer.copyBytes(from: "hello".utf8)
            return 5
        }.string == "hello")

        struct Refused: Error {}
        #expect(throws: Refused.self) {
            _ = try Frame(unsafeUninitializedCapacity: 64) { _ in throw Refused() }
        }
    }

    @Test("a frame over caller memory gives it back when dropped unsent")
    func droppedUnsent() {
        let ledger = DeallocationLedger()
        do {
            let frame = ledger.frame([7, 8, 9])
            withExtendedLifetime(frame) {
                #expect(frame.bytes == [7, 8, 9])
                #expect(ledger.deallocated == 0)
            }
        }
        #expect(ledger.callsPerBuffer == [1])
    }
}

/// `size` bytes that differ with `index` and with position.
private func pattern(_ index: Int, size: Int) -> [UInt8] {
    (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
}

/// Counts the buffers it hands out and every call of their deallocators, per buffer.
final class DeallocationLedger: Sendable {
    private let calls = Locked<[Int]>([])

    /// A frame over a fresh copy of `bytes`, whose deallocator is counted.
    func frame(_ bytes: [UInt8]) -> Frame {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        memory.copyBytes(from: bytes)
        let index = calls.withLock { calls in
            calls.append(0)
            return calls.count - 1
        }
        return Frame(bytesNoCopy: UnsafeRawBufferPointer(rebasing: memory[0..<bytes.count])) { [calls] bytes in
            bytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0).deallocate() }
            calls.withLock { $0[index] += 1 }
        }
    }

    var made: Int { calls.withLock { $0.count } }
    var deallocated: Int { calls.withLock { $0.reduce(0, +) } }
    var callsPerBuffer: [Int] { calls.withLock { $0 } }
}
