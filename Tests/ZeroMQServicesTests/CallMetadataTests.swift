import Testing
import ZeroMQ
@testable import ZeroMQServices

/// The metadata frame of version 2 of the wire protocol (Docs/WireProtocol.md, *Call
/// metadata*) and where it sits in requests and replies: bytes in, bytes out, no sockets.
@Suite("Call metadata: the frame and its place in the envelope", .timeLimit(.minutes(1)))
struct CallMetadataTests {
    /// One entry as the format lays it out.
    static func entry(_ key: String, _ value: String) -> [UInt8] {
        [UInt8(key.utf8.count)] + Array(key.utf8) + withUnsafeBytes(of: UInt32(value.utf8.count).bigEndian, Array.init)
            + Array(value.utf8)
    }

    @Test("the frame is the magic, then the timeout, then the headers in key order, each length-prefixed")
    func exactBytes() {
        let metadata = CallMetadata(headers: ["tenant": "acme", "b": "é"], timeout: .milliseconds(1.5))
        let expected: [UInt8] = [0x5A, 0x4D, 0x44, 0x01] + Self.entry("zmq-timeout-us", "1500") + Self.entry("b", "é")
            + Self.entry("tenant", "acme")
        #expect(metadata.frame().bytes == expected)
        #expect(CallMetadata().frame().bytes == CallMetadata.magic)
    }

    @Test("the example in Docs/WireProtocol.md is what the client writes")
    func documentedExample() {
        let hex = "5a4d4401" + "0e7a6d712d74696d656f75742d75730000000731353030303030" + "0674656e616e740000000461636d65"
        let bytes = stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) ?? 0
        }
        #expect(CallMetadata(headers: ["tenant": "acme"], timeout: .milliseconds(1_500)).frame().bytes == bytes)
    }

    @Test("what is written is read back")
    func roundTrip() throws {
        let metadata = CallMetadata(
            headers: ["a": "", "trace.id": String(repeating: "x", count: 70_000 / 2), "k-1_2": "ünïcode ✓"],
            timeout: .seconds(3)
        )
        #expect(try CallMetadata(parsing: metadata.frame()) == metadata)
        let none = CallMetadata(headers: ["only": "headers"])
        #expect(try CallMetadata(parsing: none.frame()) == none)
    }

    @Test("unknown zmq- keys are skipped (a later version may add some); a repeated key keeps its last value")
    func unknownAndRepeatedKeys() throws {
        let frame = Frame(
            CallMetadata.magic + Self.entry("zmq-future", "1") + Self.entry("k", "first") + Self.entry("k", "second")
        )
        let metadata = try CallMetadata(parsing: frame)
        #expect(metadata.headers == ["k": "second"])
        #expect(metadata.timeout == nil)
    }

    /// Frames with the magic that must be refused, by what is wrong with them.
    static let malformedFrames: [String: [UInt8]] = [
        "cut in a key": CallMetadata.magic + [5, 0x61, 0x62],
        "cut in a length": CallMetadata.magic + [1, 0x61, 0, 0],
        "cut in a value": CallMetadata.magic + [1, 0x61, 0, 0, 0, 9, 0x62],
        "empty key": CallMetadata.magic + [0, 0, 0, 0, 0],
        "upper-case key": CallMetadata.magic + entry("Tenant", "x"),
        "key with a space": CallMetadata.magic + entry("a b", "x"),
        "value not UTF-8": CallMetadata.magic + [1, 0x61, 0, 0, 0, 2, 0xC3, 0x28],
        "value a lone continuation byte": CallMetadata.magic + [1, 0x61, 0, 0, 0, 2, 0x61, 0x80],
        "key not UTF-8": CallMetadata.magic + [2, 0x61, 0xFF, 0, 0, 0, 1, 0x62],
        "key in other letters": CallMetadata.magic + entry("clé", "x"),
        "timeout not a number": CallMetadata.magic + entry("zmq-timeout-us", "soon"),
        "negative timeout": CallMetadata.magic + entry("zmq-timeout-us", "-5"),
        "value length near 4 GiB": CallMetadata.magic + [1, 0x61, 0xFF, 0xFF, 0xFF, 0xFF],
        "bigger than 64 KiB": CallMetadata.magic + entry("a", String(repeating: "x", count: 70_000)),
    ]

    @Test("bytes are read as text exactly when they are UTF-8, ASCII or not")
    func utf8Strings() {
        #expect(CallMetadata.utf8String(ArraySlice(Array("zmq-timeout-us".utf8))) == "zmq-timeout-us")
        #expect(CallMetadata.utf8String(ArraySlice(Array("any UTF-8 ✓ é".utf8))) == "any UTF-8 ✓ é")
        #expect(CallMetadata.utf8String([]) == "")
        #expect(CallMetadata.utf8String([0xC3, 0x28]) == nil)
        #expect(CallMetadata.utf8String([0x61, 0xFF]) == nil)
        #expect(CallMetadata.utf8String([0xF0, 0x9F, 0x98]) == nil)
        // A slice that does not start at 0 (as the parser's do).
        let bytes: [UInt8] = [0xFF] + Array("ok".utf8)
        #expect(CallMetadata.utf8String(bytes[1...]) == "ok")
    }

    // The arguments are the names only: a 70 KB frame would otherwise be printed in the log.
    @Test("a malformed frame is refused with a reason, never read halfway", arguments: malformedFrames.keys.sorted())
    func malformed(_ name: String) throws {
        let bytes = try #require(Self.malformedFrames[name])
        #expect(throws: CallMetadata.Malformed.self) { try CallMetadata(parsing: Frame(bytes)) }
    }

    @Test("headers the client refuses to send: bad keys, the protocol's prefix, too many bytes")
    func validation() throws {
        try CallMetadata.validate([:])
        try CallMetadata.validate(["tenant": "acme", "x-1.b_c": "any UTF-8 ✓"])
        for key in ["", "Tenant", "a b", "ключ", String(repeating: "k", count: 256), "zmq-timeout-us", "zmq-anything"] {
            #expect(throws: CallMetadata.InvalidHeader.self, "key \(key)") { try CallMetadata.validate([key: "v"]) }
        }
        #expect(throws: CallMetadata.InvalidHeader.self) {
            try CallMetadata.validate(["big": String(repeating: "x", count: CallMetadata.maximumFrameSize)])
        }
    }

    @Test("a timeout is sent in whole microseconds, rounded down, never negative")
    func microseconds() {
        #expect(CallMetadata.microseconds(.nanoseconds(1_999)) == 1)
        #expect(CallMetadata.microseconds(.seconds(2)) == 2_000_000)
        #expect(CallMetadata.microseconds(.zero) == 0)
        #expect(CallMetadata.microseconds(.seconds(-3)) == 0)
        #expect(CallMetadata.microseconds(.seconds(Int64.max)) == .max)
    }

    @Test("the client's request carries the frame between its id and the delimiter")
    func requestLayout() {
        let metadata = CallMetadata(headers: ["k": "v"]).frame()
        let request = WireFormat.request(id: 7, metadata: metadata, body: [Frame("body")])
        #expect(request.frames.map(\.bytes) == [WireFormat.idFrame(7).bytes, metadata.bytes, [], Array("body".utf8)])
        #expect(WireFormat.request(id: 7, body: [Frame("body")]).frameCount == 3)
    }

    @Test("the service reads the last envelope frame as metadata, and the request id before it")
    func serviceParsing() throws {
        let routing = Frame([0, 1, 2, 3, 4])
        let metadata = CallMetadata(headers: ["k": "v"], timeout: .seconds(1))
        let request = try #require(
            WireFormat.parseRequest(Message(frames: [routing, WireFormat.idFrame(9), metadata.frame(), Frame([]), Frame("b")]))
        )
        #expect(request.requestID == 9)
        #expect(try request.metadata?.get() == metadata)
        #expect(request.envelope.count == 3)  // echoed whole

        // Without it, as version 1: no metadata, the id is the last frame.
        let plain = try #require(WireFormat.parseRequest(Message(frames: [routing, WireFormat.idFrame(9), Frame([]), Frame("b")])))
        #expect(plain.metadata == nil)
        #expect(plain.requestID == 9)

        // A REQ peer's request has only the routing id, which is never read as metadata.
        let fromREQ = try #require(
            WireFormat.parseRequest(Message(frames: [Frame(CallMetadata.magic), Frame([]), Frame("b")]))
        )
        #expect(fromREQ.metadata == nil)

        // A frame with the magic that does not parse is reported, not skipped.
        let broken = try #require(
            WireFormat.parseRequest(Message(frames: [routing, Frame(CallMetadata.magic + [3]), Frame([]), Frame("b")]))
        )
        guard case .failure = broken.metadata else {
            Issue.record("a broken metadata frame should be reported as malformed")
            return
        }
    }

    @Test("the client skips its metadata frame when a peer echoes it (a version 1 service, a plain REP server)")
    func echoedInReplies() {
        let metadata = CallMetadata(timeout: .seconds(1)).frame()
        let id = WireFormat.idFrame(3)
        let success = WireFormat.parseReply(Message(frames: [id, metadata, Frame([]), Frame("r")]))
        guard case .success(3, let body, let headers) = success else {
            Issue.record("expected a success, got \(success)")
            return
        }
        #expect(body.map(\.bytes) == [Array("r".utf8)])
        #expect(headers.isEmpty, "an echoed request's metadata is not the reply's headers")
        let failure = WireFormat.parseReply(Message(frames: [id, metadata, Frame("error"), Frame([]), Frame("{}")]))
        guard case .failure(3, _) = failure else {
            Issue.record("expected a failure, got \(failure)")
            return
        }
        let surprise = WireFormat.parseReply(Message(frames: [id, metadata, Frame("surprise"), Frame([]), Frame("r")]))
        guard case .malformed(3, _) = surprise else {
            Issue.record("expected a malformed reply, got \(surprise)")
            return
        }
    }

    // MARK: Reply headers (version 3)

    @Test("a reply's metadata starts with the zmq-reply marker, then its headers in key order, and reads back")
    func replyFrame() throws {
        let metadata = CallMetadata(headers: ["served-by": "a", "b": "xy"], isReply: true)
        let frame = metadata.frame()
        #expect(frame.bytes == CallMetadata.magic + [9] + Array("zmq-reply".utf8) + [0, 0, 0, 0]
            + [1, 0x62, 0, 0, 0, 2, 0x78, 0x79] + [9] + Array("served-by".utf8) + [0, 0, 0, 1, 0x61])
        #expect(CallMetadata.isMetadata(frame) && CallMetadata.isReplyMetadata(frame))
        #expect(try CallMetadata(parsing: frame) == metadata)
        // A request's frame, headers or not, is never a reply's.
        #expect(!CallMetadata.isReplyMetadata(CallMetadata(headers: ["served-by": "a"], timeout: .seconds(1)).frame()))
        #expect(!CallMetadata.isReplyMetadata(CallMetadata().frame()))
    }

    @Test("the service puts the handler's headers in place of the request's metadata frame, and the client reads them")
    func replyHeadersRoundTrip() throws {
        let request = try #require(WireFormat.parseRequest(Message(frames: [
            Frame("peer"), WireFormat.idFrame(4), CallMetadata(headers: ["tenant": "acme"], timeout: .seconds(1)).frame(),
            Frame([]), Frame("q"),
        ])))
        let reply = WireFormat.success(to: request, body: [Frame("r")], headers: ["served-by": "s1"])
        #expect(reply.frameCount == 5)  // [peer] [id] [reply metadata] [] [body]
        #expect(reply[0].bytes == Array("peer".utf8) && CallMetadata.isReplyMetadata(reply[2]))
        // What the client's DEALER receives: the routing id taken off.
        let received = WireFormat.parseReply(Message(frames: Array(reply.frames.dropFirst())))
        guard case .success(4, let body, let headers) = received else {
            Issue.record("expected a success, got \(received)")
            return
        }
        #expect(headers == ["served-by": "s1"])
        #expect(body.map(\.bytes) == [Array("r".utf8)])

        // Without headers the envelope is echoed as before.
        #expect(WireFormat.success(to: request, body: [Frame("r")]).frames == request.envelope + [Frame([]), Frame("r")])
    }

    @Test("a request without a metadata frame (version 1, a REQ socket) gets no headers back: it could not read them")
    func noReplyHeadersWithoutMetadata() throws {
        let request = try #require(WireFormat.parseRequest(Message(frames: [Frame("peer"), WireFormat.idFrame(4), Frame([]), Frame("q")])))
        let reply = WireFormat.success(to: request, body: [Frame("r")], headers: ["served-by": "s1"])
        #expect(reply.frames == [Frame("peer"), WireFormat.idFrame(4), Frame([]), Frame("r")])
    }

    @Test("a reply whose reply metadata does not parse fails its call as malformed")
    func malformedReplyMetadata() throws {
        // The marker, then an entry cut short.
        let broken = Frame(CallMetadata.replyPrefix + [3, 0x61])
        let parsed = WireFormat.parseReply(Message(frames: [WireFormat.idFrame(8), broken, Frame([]), Frame("r")]))
        guard case .malformed(8, let frames) = parsed else {
            Issue.record("expected a malformed reply, got \(parsed)")
            return
        }
        #expect(frames.count == 4)

        // The error reply to a request whose metadata could not be read leaves that frame out,
        // so that its client reads the error (the fuzzer's request-reply target found this).
        let request = try #require(WireFormat.parseRequest(Message(frames: [Frame("peer"), WireFormat.idFrame(8), broken, Frame([]), Frame("q")])))
        guard case .failure = request.metadata else {
            Issue.record("expected malformed metadata")
            return
        }
        let error = WireFormat.failure(to: request, error: RemoteError(code: "bad-request", message: "no"))
        let read = WireFormat.parseReply(Message(frames: Array(error.frames.dropFirst())))
        guard case .failure(8, _) = read else {
            Issue.record("expected the error reply, got \(read)")
            return
        }
    }

    @Test("an error reply leaves out request metadata that reads as a reply's (zmq-reply first), which its client would take for a stream's end or a broken reply", arguments: [
        CallMetadata(isReply: true, stream: .end), CallMetadata(isReply: true, stream: .credit(1)), CallMetadata(isReply: true),
    ])
    func errorReplyToReplyMetadata(metadata: CallMetadata) throws {
        // The fuzzer's request-reply target found this with version 4's roles: a request whose
        // metadata reads, but as a reply's, and whose body does not decode.
        let frame = metadata.frame()
        let request = try #require(WireFormat.parseRequest(Message(frames: [Frame("peer"), WireFormat.idFrame(9), frame, Frame([])])))
        #expect(request.envelope.last == frame)
        let error = WireFormat.failure(to: request, error: RemoteError(code: "bad-request", message: "no"))
        #expect(error.frames.dropFirst().first == WireFormat.idFrame(9))
        let read = WireFormat.parseReply(Message(frames: Array(error.frames.dropFirst())))
        guard case .failure(9, let body) = read else {
            Issue.record("expected the error reply, got \(read)")
            return
        }
        #expect(try RemoteErrorJSON.decode(#require(body.first).bytes).code == "bad-request")
    }
}
