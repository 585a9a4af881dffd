import Foundation
import Testing
@testable import ZeroMQ

@Suite("Messages and frames", .timeLimit(.minutes(5)))
struct MessageTests {
    @Test("frames of any size and origin arrive intact", arguments: [0, 1, 33, 64, 65, 2_048, 2_049, 8_192, 65_536, 1 << 20])
    func sizes(size: Int) async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("tcp://127.0.0.1:*"))
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let inPlace = Frame(unsafeUninitializedCapacity: size) { buffer in
                buffer.copyBytes(from: bytes)
                return size
            }
            try await push.send(Message(frames: [Frame(bytes), Frame(Data(bytes)), Frame(String(repeating: "z", count: size)), inPlace]))
            let message = try await pull.receive(timeout: .seconds(10))
            #expect(message.frameCount == 4)
            #expect(message[0].bytes == bytes)
            #expect(message[1].data == Data(bytes))
            #expect(message[2].string == String(repeating: "z", count: size))
            #expect(message[3] == inPlace)
            #expect(message.byteCount == 4 * size)
            // A received frame can be sent on again (shared with libzmq, not copied).
            let relay = try PushSocket(context), sink = try PullSocket(context)
            try await relay.connect(try await sink.bind("inproc://relay"))
            try await relay.send(message)
            #expect(try await sink.receive(timeout: .seconds(10)) == message)
            await context.shutdown()
        }
    }

    @Test("metadata is available when the socket keeps it")
    func metadata() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            await pull.setKeepsMessageMetadata(true)
            try await push.connect(try await pull.bind("tcp://127.0.0.1:*"))
            try await push.send("hi")
            let message = try await pull.receive(timeout: .seconds(5))
            #expect(message.first?.metadata("Socket-Type") == "PUSH")
            #expect(message.first?.metadata("Peer-Address") == "127.0.0.1")
            await context.shutdown()
        }
    }

    @Test("message conveniences")
    func conveniences() {
        let single: Message = "hello"
        #expect(single.string == "hello")
        #expect(single.frameCount == 1)
        #expect(!single.isMultipart)
        let multi: Message = ["a", "bc"]
        #expect(multi.string == nil)
        #expect(multi.byteCount == 3)
        #expect(multi.last?.string == "bc")
        #expect(multi.bytes == Array("abc".utf8))
        #expect(multi.description == "[\"a\", \"bc\"]")
        #expect(Frame([0, 255]).description == "<2 bytes: 00ff>")
        #expect(Frame([0xC3]).string == nil)
    }

    @Test("a frame made from an array keeps up to 64 bytes inline, and reads back the same", arguments: [0, 1, 63, 64, 65, 300])
    func smallArraysInline(size: Int) {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let frame = Frame(bytes)
        switch frame.storage {
        case .inline: #expect(size <= InlineBytes.capacity)
        case .bytes: #expect(size > InlineBytes.capacity)
        default: Issue.record("storage \(frame.storage) for \(size) bytes")
        }
        #expect(frame.count == size)
        #expect(frame.bytes == bytes)
        #expect(frame == Frame(storage: .bytes(bytes)))
        #expect(frame.withUnsafeBytes { Array($0) } == bytes)
        #expect(Frame(Array("héllo".utf8)).string == "héllo")
    }

    @Test("a frame made from a sequence keeps up to 64 contiguous bytes inline, and reads back the same", arguments: [1, 63, 64, 65, 300])
    func smallSequencesInline(size: Int) {
        let bytes = (0..<(size + 2)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let slice = bytes[1...size]
        let fromSlice = Frame(bytes: slice)
        let fromBuffer = bytes.withUnsafeBytes { Frame(bytes: UnsafeRawBufferPointer(rebasing: $0[1...size])) }
        // Not contiguous: always an array.
        let fromLazy = Frame(bytes: slice.lazy.map { $0 })
        for frame in [fromSlice, fromBuffer] {
            switch frame.storage {
            case .inline: #expect(size <= InlineBytes.capacity)
            case .bytes: #expect(size > InlineBytes.capacity)
            default: Issue.record("storage \(frame.storage) for \(size) bytes")
            }
        }
        guard case .bytes = fromLazy.storage else {
            Issue.record("storage \(fromLazy.storage) for a lazy sequence")
            return
        }
        for frame in [fromSlice, fromBuffer, fromLazy] {
            #expect(frame.count == size)
            #expect(frame.bytes == Array(slice))
        }
    }
}
