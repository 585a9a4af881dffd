import Foundation
import Testing
import ZeroMQ
@testable import ZeroMQServices

/// The frames of server streaming (Docs/WireProtocol.md, *Server streaming*): bytes in, bytes
/// out, no sockets.
@Suite("Server streaming on the wire", .timeLimit(.minutes(1)))
struct StreamingWireTests {
    static func bytes(hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) ?? 0
        }
    }

    @Test("the examples in Docs/WireProtocol.md are what the client and the service write")
    func documentedExamples() {
        // open with credit 32 and no deadline
        #expect(
            CallMetadata(stream: .open(credit: 32)).frame().bytes
                == Self.bytes(hex: "5a4d4401" + "0a7a6d712d73747265616d000000046f70656e" + "117a6d712d73747265616d2d637265646974000000023332")
        )
        // an item
        #expect(
            CallMetadata(isReply: true, stream: .item).frame().bytes
                == Self.bytes(hex: "5a4d4401" + "097a6d712d7265706c7900000000" + "0a7a6d712d73747265616d000000046974656d")
        )
    }

    @Test("every role is read back as written", arguments: [
        CallMetadata.Stream.open(credit: 1), .open(credit: CallMetadata.maximumStreamCredit), .credit(16), .cancel, .item, .end,
    ])
    func roundTrip(_ stream: CallMetadata.Stream) throws {
        let metadata = CallMetadata(headers: ["k": "v"], timeout: .seconds(2), isReply: !stream.isControl, stream: stream)
        #expect(try CallMetadata(parsing: metadata.frame()) == metadata)
    }

    @Test("a role the protocol does not know, or a credit that is not a count from 1 to 65 536, is refused")
    func malformed() {
        func frame(_ entries: [(String, String)]) -> Frame {
            Frame(entries.reduce(CallMetadata.magic) { $0 + CallMetadataTests.entry($1.0, $1.1) })
        }
        let refused: [[(String, String)]] = [
            [("zmq-stream", "flood")],
            [("zmq-stream", "open")],
            [("zmq-stream", "open"), ("zmq-stream-credit", "0")],
            [("zmq-stream", "credit"), ("zmq-stream-credit", "65537")],
            [("zmq-stream", "credit"), ("zmq-stream-credit", "-3")],
            [("zmq-stream", "open"), ("zmq-stream-credit", "lots")],
        ]
        for entries in refused {
            #expect(throws: CallMetadata.Malformed.self, "\(entries)") { try CallMetadata(parsing: frame(entries)) }
        }
        // A credit without a role is an unknown entry of the protocol's: ignored.
        #expect((try? CallMetadata(parsing: frame([("zmq-stream-credit", "4")])))?.stream == nil)
    }

    @Test("the service's items and end read back at the client; an end with a body, or a role only a client sends, is malformed")
    func itemsAndEnd() throws {
        let open = WireFormat.request(id: 7, metadata: CallMetadata(stream: .open(credit: 4)).frame(), body: [Frame([1, 2])])
        // As the service's ROUTER receives it: a routing id in front.
        let request = try #require(WireFormat.parseRequest(Message(frames: [Frame([0, 9])] + open.frames)))
        #expect(request.stream == .open(credit: 4))
        #expect(request.streamKey == [[0, 9], WireFormat.idFrame(7).bytes])
        // Without the routing id, as the client's DEALER receives the service's answers.
        func atClient(_ message: Message) -> WireFormat.Reply { WireFormat.parseReply(Message(frames: Array(message.frames.dropFirst()))) }
        guard case .streamItem(7, let body) = atClient(WireFormat.streamItem(to: request, body: [Frame([3])])) else {
            Issue.record("the item was not read as one")
            return
        }
        #expect(body == [Frame([3])])
        guard case .streamEnd(7) = atClient(WireFormat.streamEnd(to: request)) else {
            Issue.record("the end was not read as one")
            return
        }
        let endWithBody = Message(frames: [WireFormat.idFrame(7), CallMetadata(isReply: true, stream: .end).frame(), Frame([]), Frame([1])])
        guard case .malformed = WireFormat.parseReply(endWithBody) else {
            Issue.record("an end with a body was read")
            return
        }
        let creditAsReply = Message(frames: [WireFormat.idFrame(7), CallMetadata(isReply: true, stream: .credit(2)).frame(), Frame([])])
        guard case .malformed = WireFormat.parseReply(creditAsReply) else {
            Issue.record("credit from the service was read")
            return
        }
        // Credit and cancel as the client writes them: no body.
        let credit = try #require(WireFormat.parseRequest(Message(frames: [Frame([0, 9])] + WireFormat.streamControl(id: 7, .credit(2)).frames)))
        #expect(credit.stream == .credit(2) && credit.body.isEmpty && credit.streamKey == request.streamKey)
    }
}
