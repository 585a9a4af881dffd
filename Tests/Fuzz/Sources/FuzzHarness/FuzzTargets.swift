// The fuzz targets' shared part: how a fuzz input becomes a multipart message, and what each
// target feeds the library's decoders and checks about their results.
//
// One file, used twice: by the libFuzzer executables of the package in Tests/Fuzz (module
// FuzzHarness) and by the normal suite's corpus replay (Tests/ZeroMQServicesTests/FuzzTargets.swift
// is a symbolic link to this file), so the committed corpus runs on every `swift test`.
// The decoders are internal: both builds reach them with `@testable import` (debug builds).

import CZeroMQ
import Foundation
@testable import ZeroMQ
@testable import ZeroMQServices

/// How fuzz bytes become a ``Message`` (Tests/Fuzz/README.md shows the same with an example).
///
/// ```
/// input  := count frame*        count: 1 byte, the number of frames (0–255)
/// frame  := header length bytes
/// header := 1 byte: bits 0–2 the frame's storage; bits 6 and 7 both set: "huge"
///             0, 5–7: as `receive` makes it (by size: empty array, inline ≤ 64 bytes,
///                     array ≤ 2048, libzmq message above)
///             1: [UInt8]   2: Data   3: String (array when not UTF-8)
///             4: a libzmq message at any size (what `keepsMessageMetadata` receives)
/// length := 2 bytes, little-endian
/// bytes  := `length` bytes; when huge, one fill byte repeated (length & 0x0FFF) × 64 times
///           (up to 256 KiB; at most 1 MiB of huge frames per message, so that runs stay
///           fast)
/// ```
///
/// Frames the input has no bytes left for are empty, so a count byte alone makes that many empty
/// frames; bytes after the last frame are ignored. Every byte sequence is a valid input.
public enum FuzzInput {
    /// The message `input` describes.
    public static func message(_ input: UnsafeRawBufferPointer) -> Message {
        var reader = Reader(input: input)
        let count = Int(reader.byte() ?? 0)
        var frames: [Frame] = []
        frames.reserveCapacity(count)
        var hugeBytesLeft = maximumHugeBytes
        for _ in 0..<count {
            let header = reader.byte() ?? 0
            let length = Int(reader.byte() ?? 0) | Int(reader.byte() ?? 0) << 8
            let bytes: [UInt8]
            if header & 0xC0 == 0xC0 {
                let size = min((length & 0x0FFF) * 64, hugeBytesLeft)
                hugeBytesLeft -= size
                bytes = [UInt8](repeating: reader.byte() ?? 0, count: size)
            } else {
                bytes = reader.bytes(length)
            }
            frames.append(frame(bytes, storage: header & 0x07))
        }
        return Message(frames: frames)
    }

    /// The most bytes of huge frames in one message.
    public static let maximumHugeBytes = 1 << 20

    /// The message `input` describes.
    public static func message(_ input: [UInt8]) -> Message {
        input.withUnsafeBytes { message($0) }
    }

    /// A frame holding `bytes` in the storage the header chose.
    static func frame(_ bytes: [UInt8], storage: UInt8) -> Frame {
        switch storage {
        case 1:
            // An array whatever its size (`Frame(_:)` keeps up to 64 bytes inline).
            return Frame(storage: .bytes(bytes))
        case 2:
            return Frame(Data(bytes))
        case 3:
            return String(validating: bytes, as: UTF8.self).map { Frame($0) } ?? Frame(bytes)
        case 4:
            return libzmqFrame(bytes)
        default:
            // What SocketCore.makeFrame does with a received part.
            if bytes.isEmpty { return Frame(storage: .bytes([])) }
            // `Frame(_:)` keeps up to 64 bytes inline, as receive does, and larger ones in an array.
            return bytes.count <= Frame.copyLimit ? Frame(bytes) : libzmqFrame(bytes)
        }
    }

    /// A frame that keeps a libzmq message, as received frames above the copy limit do.
    static func libzmqFrame(_ bytes: [UInt8]) -> Frame {
        var part = zmq_msg_t()
        guard zmq_msg_init_size(&part, bytes.count) == 0 else { return Frame(bytes) }
        if !bytes.isEmpty, let target = zmq_msg_data(&part) {
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress { target.copyMemory(from: base, byteCount: source.count) }
            }
        }
        let frame = Frame(storage: .received(ReceivedMessage(moving: &part)))
        zmq_msg_close(&part)
        return frame
    }

    /// Reads the input front to back; past its end every read is short.
    struct Reader {
        let input: UnsafeRawBufferPointer
        var offset = 0

        mutating func byte() -> UInt8? {
            guard offset < input.count else { return nil }
            defer { offset += 1 }
            return input[offset]
        }

        mutating func bytes(_ count: Int) -> [UInt8] {
            let end = min(input.count, offset + count)
            defer { offset = end }
            return Array(input[offset..<end])
        }
    }
}

/// A property of a decoder that did not hold for some input: a bug, reported as a crash by the
/// fuzzers and as a test failure by the corpus replay.
public struct FuzzFailure: Error, CustomStringConvertible {
    /// The target that found it.
    public var target: FuzzTarget
    /// What did not hold.
    public var property: String
    /// The message, described.
    public var message: String

    public var description: String { "\(target.rawValue): \(property) for \(message)" }
}

/// A JSON type with some shape (strings, numbers, arrays, nesting, optionals), so the JSON
/// decoder gets past the first byte.
struct FuzzProbe: Codable, Equatable {
    var name: String
    var values: [Double]
    var counts: [String: Int]?
    var flag: Bool?
    var child: [FuzzProbe]?
}

/// The fuzz targets: one per decoder of wire data. The raw value names the executable
/// (`fuzz-<raw value>`) and the corpus directory (`Tests/Fuzz/Corpus/<raw value>`).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The typed request/reply frames: `WireFormat.parseReply` (client side),
    /// `WireFormat.parseRequest` (service side), the error reply's JSON (`RemoteErrorJSON`) and
    /// the codecs reading the body.
    case requestReply = "request-reply"
    /// The typed pub/sub frames: `EventSubscriber`'s topic and body decoding with each codec,
    /// and the error it logs or throws for an undecodable event.
    case pubSub = "pub-sub"
    /// Routing envelopes: `RoutedMessage` from a ROUTER's message.
    case routing
    /// Subscription messages: `SubscriptionMessage` from an XPUB's message.
    case subscription
    /// Monitor events: `SocketEvent` from the monitor's two-frame message.
    case monitor
    /// Discovery beacons: `BeaconFrame(decoding:)` on the first frame's bytes (the datagram),
    /// and the peer table fed with what decodes.
    case beacon
    /// ZAP requests: `ZAPRequest(frames:)` and the authenticator's decisions
    /// (`ZAPDecisionCore.handle`) under a policy with an address allow-list, a deny-list, PLAIN
    /// users and CURVE keys, each decision checked against the policy worked out independently.
    case zap

    /// Feeds `message` to this target's decoders; throws when a property does not hold.
    /// Anything else going wrong (a trap, a sanitizer report) is a crash.
    public func check(_ message: Message) throws(FuzzFailure) {
        // What logs and the `zmq` tool print of any message.
        _ = message.description
        _ = (message.string, message.byteCount, message.bytes.count)
        switch self {
        case .requestReply: try checkRequestReply(message)
        case .pubSub: try checkPubSub(message)
        case .routing: try checkRouting(message)
        case .subscription: try checkSubscription(message)
        case .monitor: try checkMonitor(message)
        case .beacon: try checkBeacon(message)
        case .zap: try checkZAP(message)
        }
    }

    /// Runs ``check(_:)`` on the message `input` describes and traps on a failure: the
    /// libFuzzer entry point's body.
    public func fuzz(_ input: UnsafeRawBufferPointer) {
        do {
            try check(FuzzInput.message(input))
        } catch {
            fatalError("\(error)")
        }
    }

    private func expect(_ condition: Bool, _ property: @autoclosure () -> String, _ message: Message) throws(FuzzFailure) {
        guard condition else {
            throw FuzzFailure(target: self, property: property(), message: String(message.description.prefix(2000)))
        }
    }

    // MARK: Request/reply

    /// The headers the fuzzed service sends back with every success.
    private static let replyHeaders = ["served-by": "fuzz", "x.n": ""]

    private func checkRequestReply(_ message: Message) throws(FuzzFailure) {
        let frames = message.frames
        // A request's metadata frame, echoed after the id, is skipped by the client.
        let echoed = frames.count > 2 && CallMetadata.isMetadata(frames[1]) ? 1 : 0
        // The client reads every message on its DEALER as a reply.
        switch WireFormat.parseReply(message) {
        case .success(let id, let body, let headers):
            try expect(frames.count >= 2 + echoed && frames[1 + echoed].isEmpty,
                       "a success has the delimiter after the id (and an echoed metadata frame)", message)
            try expect(headers.isEmpty || CallMetadata.isReplyMetadata(frames[1]),
                       "a success has headers only from a reply's metadata frame", message)
            try expect(headers.keys.allSatisfy { CallMetadata.isValidKey($0) && !$0.hasPrefix("zmq-") },
                       "a reply's headers have valid keys of the handler's own", message)
            try expect(WireFormat.id(in: frames[0]) == id, "a success's id is its first frame", message)
            try expect(body == Array(frames.dropFirst(2 + echoed)), "a success's body is what follows the delimiter", message)
            decodeBody(body)
        case .failure(let id, let body):
            try expect(frames.count >= 3 + echoed && frames[1 + echoed].bytes == WireFormat.errorStatus && frames[2 + echoed].isEmpty,
                       "a failure has the status and the delimiter", message)
            try expect(WireFormat.id(in: frames[0]) == id, "a failure's id is its first frame", message)
            try expect(body == Array(frames.dropFirst(3 + echoed)), "a failure's body is what follows the delimiter", message)
            // As RequestClient.answer reads it.
            if body.count == 1, let remote = try? RemoteErrorJSON.decode(body[0].bytes) {
                _ = RequestError(code: .remote, requestID: id, remoteError: remote).description
                let again = try? RemoteErrorJSON.decode(RemoteErrorJSON.encode(remote))
                try expect(again == remote, "a remote error survives encoding it again", message)
            }
        case .streamItem(let id, let body):
            try expect(frames.count >= 3 && CallMetadata.isReplyMetadata(frames[1]) && frames[2].isEmpty,
                       "a stream's item has the reply's metadata frame and the delimiter after the id", message)
            try expect(WireFormat.id(in: frames[0]) == id, "a stream item's id is its first frame", message)
            try expect(body == Array(frames.dropFirst(3)), "a stream item's body is what follows the delimiter", message)
            decodeBody(body)
        case .streamEnd(let id):
            try expect(frames.count == 3 && CallMetadata.isReplyMetadata(frames[1]) && frames[2].isEmpty,
                       "a stream's end is the id, the reply's metadata frame and the delimiter", message)
            try expect(WireFormat.id(in: frames[0]) == id, "a stream end's id is its first frame", message)
        case .malformed(let id, let malformed):
            try expect(WireFormat.id(in: frames[0]) == id, "a malformed reply's id is its first frame", message)
            try expect(malformed == frames, "a malformed reply keeps its frames", message)
        case .foreign(let reason):
            try expect(!reason.isEmpty, "a foreign message has a reason", message)
        }
        // The client's error for an undecodable reply (thrown and logged).
        _ = RequestError(code: .undecodableReply, replyFrames: frames.map(\.bytes)).description

        // The service reads every message on its ROUTER as a request.
        guard let request = WireFormat.parseRequest(message) else {
            try expect((frames.firstIndex(where: \.isEmpty) ?? 0) == 0,
                       "only a message without a delimiter after its first frame is dropped", message)
            return
        }
        try expect(!request.envelope.isEmpty && !request.envelope.contains(where: \.isEmpty),
                   "a request's envelope is its frames before the first empty one", message)
        try expect(request.envelope + [Frame([])] + request.body == frames, "envelope, delimiter and body make the request", message)
        _ = request.requestID
        // The metadata frame: only the last envelope frame after the first, by its magic.
        let last = request.envelope.count > 1 ? request.envelope.last : nil
        try expect((request.metadata != nil) == (last.map(CallMetadata.isMetadata) ?? false),
                   "a request has metadata exactly when its last envelope frame after the first has the magic", message)
        var malformedMetadata: CallMetadata.Malformed?
        switch request.metadata {
        case .success(let metadata):
            try expect(metadata.headers.keys.allSatisfy { CallMetadata.isValidKey($0) && !$0.hasPrefix("zmq-") },
                       "read headers have valid keys of the caller's own", message)
            // Written again (in key order, the timeout in canonical digits), it reads the same.
            try expect((try? CallMetadata(parsing: metadata.frame())) == metadata, "metadata survives writing it again", message)
        case .failure(let malformed):
            try expect(!malformed.description.isEmpty, "malformed metadata has a reason", message)
            malformedMetadata = malformed
        case nil:
            break
        }
        // As RequestService.handle does: metadata, decode, then reply with the body or the error.
        let reply: Message
        let sentError: RemoteError?
        do {
            if let malformedMetadata { throw malformedMetadata }
            _ = try JSONCodec<FuzzProbe>().decode(request.body)
            reply = WireFormat.success(to: request, body: request.body, headers: Self.replyHeaders)
            sentError = nil
        } catch {
            let remote = RemoteError(code: RemoteError.badRequestCode, message: "the request could not be decoded: \(error)")
            reply = WireFormat.failure(to: request, error: remote)
            sentError = remote
        }
        decodeBody(request.body)
        // The reply goes back through the same envelope: a client that sent [id, "", body] (or
        // [id, metadata, "", body]) reads it as the answer to its id.
        if request.envelope.count == (request.metadata == nil ? 1 : 2), let id = WireFormat.id(in: request.envelope[0]) {
            switch WireFormat.parseReply(reply) {
            case .success(id, let body, let headers):
                try expect(sentError == nil && body == request.body, "the client reads the echoed body", message)
                // Headers go back only to a request with a metadata frame (in its place).
                try expect(headers == (request.metadata == nil ? [:] : Self.replyHeaders),
                           "the client reads the handler's headers when it sent metadata", message)
            case .failure(id, let body):
                let received = body.count == 1 ? try? RemoteErrorJSON.decode(body[0].bytes) : nil
                try expect(sentError != nil && received == sentError, "the client reads the service's error", message)
            default:
                try expect(false, "the client reads its reply as the answer to its request", message)
            }
            // A stream this request opens: its items and its end read back as such.
            if case .open? = request.stream {
                let item = WireFormat.streamItem(to: request, body: request.body)
                guard case .streamItem(id, let body) = WireFormat.parseReply(item), body == request.body else {
                    return try expect(false, "the client reads a stream's item as one", message)
                }
                guard case .streamEnd(id) = WireFormat.parseReply(WireFormat.streamEnd(to: request)) else {
                    return try expect(false, "the client reads a stream's end as one", message)
                }
            }
        }
    }

    /// The body through each codec, as the client's or service's decoder reads it.
    private func decodeBody(_ body: [Frame]) {
        if let probe = try? JSONCodec<FuzzProbe>().decode(body) {
            _ = try? JSONCodec<FuzzProbe>().encode(probe)
        }
        _ = try? JSONCodec<[String: [Int]]>().decode(body)
        _ = try? StringCodec().decode(body)
        _ = try? RemoteErrorJSON.decode(body.first?.bytes ?? [])
    }

    // MARK: Pub/sub

    private func checkPubSub(_ message: Message) throws(FuzzFailure) {
        let frames = message.frames
        _ = try decodeEvent(message, JSONCodec<FuzzProbe>())
        if let text = try decodeEvent(message, StringCodec()) {
            try expect(frames.count == 2 && frames[1].string == text, "a text event is the one body frame", message)
        }
        let passed = try decodeEvent(message, PassthroughCodec())
        try expect((passed != nil) == (frames.count > 1), "every message with a body passes through", message)
        if let passed {
            try expect(passed == Array(frames.dropFirst()), "the body is the frames after the topic", message)
        }
    }

    /// The event `decoder` reads from `message` as an `EventSubscriber` does, or `nil` after
    /// checking the error it would log (policy `.skip`) or throw (`.fail`).
    private func decodeEvent<Decoder: MessageDecoder>(_ message: Message, _ decoder: Decoder) throws(FuzzFailure)
        -> Decoder.Value? where Decoder.Value: Sendable
    {
        do {
            return try EventSubscriber<Decoder.Value>.decode(message, with: decoder)
        } catch {
            try expect(error.frames == message.frames.map(\.bytes), "the error keeps the frames", message)
            try expect((error.underlying == nil) == (message.frameCount < 2), "only a message without body has no cause", message)
            if let topic = error.topic {
                try expect(Array(topic.utf8) == error.frames.first, "the topic is the first frame", message)
            }
            // What the subscriber logs: the topic on one short line, whatever its bytes.
            let logged = error.loggedTopic
            try expect(
                !logged.contains(where: \.isNewline) && logged.count <= UndecodableEventError.loggedTopicLimit * 12 + 3,
                "a logged topic is one short line", message
            )
            _ = error.description
            return nil
        }
    }

    // MARK: Routing

    private func checkRouting(_ message: Message) throws(FuzzFailure) {
        guard let routed = RoutedMessage(message) else {
            try expect(message.frameCount < 2, "only a message of fewer than two frames has no envelope", message)
            return
        }
        try expect(routed.message == message, "envelope and body make the message again", message)
        try expect(routed.body.frameCount >= 1, "a routed body has a frame", message)
        try expect(routed.envelope.peer?.bytes == message.frames.first?.bytes, "the peer is the first frame", message)
        try expect(
            !routed.envelope.isDelimited || routed.envelope.routingIDs.dropFirst().allSatisfy { !$0.bytes.isEmpty },
            "a delimited envelope ends at the first empty frame after the peer", message
        )
        _ = (routed.envelope.routingIDs.map(\.description), routed.body.description)
    }

    // MARK: Subscriptions

    private func checkSubscription(_ message: Message) throws(FuzzFailure) {
        guard let subscription = SubscriptionMessage(message) else {
            let first = message.frameCount == 1 ? message.first?.bytes.first : nil
            try expect((first ?? 2) > 1, "every one-frame message starting with 0 or 1 is a subscription", message)
            return
        }
        try expect(subscription.message == message, "the subscription's wire form is the message", message)
        if let topic = subscription.topicString {
            try expect(Array(topic.utf8) == subscription.topic, "the topic's text is its bytes", message)
        }
        _ = subscription.description
    }

    // MARK: Monitor events

    private func checkMonitor(_ message: Message) throws(FuzzFailure) {
        guard let event = SocketEvent(message) else {
            try expect(message.frameCount != 2 || message.frames[0].count != 6,
                       "every two-frame message with a 6-byte first frame is an event", message)
            return
        }
        let kind = event.kind.rawValue
        let value = event.value
        let encoded: [UInt8] = [
            UInt8(kind & 0xFF), UInt8(kind >> 8),
            UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24),
        ]
        try expect(encoded == message.frames[0].bytes, "kind and value are the first frame, little-endian", message)
        try expect(event.endpoint == (message.frames[1].string ?? ""), "the endpoint is the second frame's text", message)
        _ = event.description
    }

    // MARK: Beacons

    private func checkBeacon(_ message: Message) throws(FuzzFailure) {
        let datagram = message.frames.first?.bytes ?? []
        let frame: BeaconFrame
        do {
            frame = try BeaconFrame(decoding: datagram)
        } catch {
            try expect(!error.description.isEmpty && error.byteCount == datagram.count, "a rejection says why", message)
            return
        }
        // The decoder accepts only what the encoder makes.
        let encoded = try? frame.encoded()
        try expect(encoded == datagram, "a decoded beacon encodes to the same bytes", message)
        try expect((26...BeaconFrame.maximumLength).contains(datagram.count), "a beacon is 26 to 312 bytes", message)
        var table = BeaconPeerTable<ContinuousClock.Instant>(silenceTimeout: .seconds(1), maximumPeers: 2)
        let now = ContinuousClock.now
        switch table.heard(frame, from: "10.0.0.1", at: now) {
        case .discovered(let peer):
            try expect(!frame.isGoodbye && peer.port == frame.port && peer.serviceName == frame.serviceName, "discovered as sent", message)
            _ = peer.description
            try expect(table.expire(at: now + .seconds(1)) == [peer], "lost at the silence timeout", message)
        case .ignored(.unknownGoodbye):
            try expect(frame.isGoodbye, "only a goodbye is an unknown goodbye", message)
        default:
            try expect(false, "a first beacon is discovered or an unknown goodbye", message)
        }
    }

    // MARK: ZAP requests

    /// The fuzzed authenticator's policy. Domain "guarded": only 127.0.0.1, 10.0.0.0/8 and ::1,
    /// no NULL, PLAIN user `admin`, CURVE key ``zapClientKey``. Every other domain: NULL only,
    /// except from 192.168.0.0/16.
    ///
    /// Made anew for each input: a lazily made global would be allocated during the first input
    /// and never freed, which libFuzzer's leak check reports as that input's leak.
    static func makeZAPCore() -> ZAPDecisionCore? {
        guard let allowed = try? AddressRule.allowing(["127.0.0.1", "10.0.0.0/8", "::1"]),
              let denied = try? AddressRule.denying(["192.168.0.0/16"]),
              let key = try? CurvePublicKey(bytes: zapClientKey)
        else { return nil }
        let guarded = ZAPPolicy(
            addresses: allowed, allowsNull: false, plain: PlainPasswords(["admin": zapPassword]), curve: .keys([key])
        )
        return ZAPDecisionCore(configuration: ZAPAuthenticatorConfiguration(
            domains: ["guarded": guarded], defaultPolicy: ZAPPolicy(addresses: denied)
        ))
    }
    static let zapPassword = "s3cret-pw!"
    static let zapClientKey: [UInt8] = (0..<32).map { UInt8(($0 * 37 + 11) & 0xFF) }

    /// The decision the policy above calls for, worked out without the core: the User-Id to give,
    /// or `nil` to deny. `request` is what a well-formed message parses to.
    private static func expectedUserID(_ frames: [[UInt8]]) -> String? {
        guard frames.count >= 6, frames[0] == Array("1.0".utf8),
              let domain = String(validating: frames[2], as: UTF8.self),
              let address = String(validating: frames[3], as: UTF8.self),
              let mechanism = String(validating: frames[5], as: UTF8.self)
        else { return nil }
        let credentials = Array(frames[6...])
        // The address as bytes, an IPv4-mapped IPv6 address as IPv4.
        var bytes = IPAddressRange.parsePeerAddress(address)
        if let mapped = bytes, mapped.count == 16, mapped.prefix(12).elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) {
            bytes = Array(mapped.suffix(4))
        }
        if domain == "guarded" {
            let listed = bytes == [127, 0, 0, 1] || bytes?.first == 10 && bytes?.count == 4
                || bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
            guard listed else { return nil }
            if mechanism == "PLAIN", credentials == [Array("admin".utf8), Array(zapPassword.utf8)] { return "admin" }
            if mechanism == "CURVE", credentials == [zapClientKey], let key = try? CurvePublicKey(bytes: zapClientKey) {
                return key.z85
            }
            return nil
        }
        if let bytes, bytes.count == 4, bytes[0] == 192, bytes[1] == 168 { return nil }
        return mechanism == "NULL" && credentials.isEmpty ? "anonymous" : nil
    }

    private func checkZAP(_ message: Message) throws(FuzzFailure) {
        guard let core = Self.makeZAPCore() else {
            try expect(false, "the fuzzed policy is made", message)
            return
        }
        let frames = message.frames.map(\.bytes)
        let action = core.handle(frames)
        guard case .reply(let reply, let event) = action else {
            if case .ignore(let reason) = action {
                try expect(frames.count < 2 && !reason.isEmpty, "only a request without a request id is ignored, with a reason", message)
            } else {
                try expect(false, "nothing is consulted: the policy has no CURVE callback", message)
            }
            return
        }
        try expect(frames.count >= 2 && reply.requestID == frames[1], "the reply echoes the request id", message)
        try expect(reply.frames.count == 6 && reply.frames[0].bytes == Array("1.0".utf8), "a reply is six frames, version 1.0", message)
        try expect(event.status == reply.status && event.reason == reply.statusText && !reply.statusText.isEmpty,
                   "the event tells what the reply says, with a reason", message)
        // The decision is the policy's, byte for byte.
        let expected = Self.expectedUserID(frames)
        try expect(reply.status == (expected == nil ? .authenticationFailure : .success),
                   "allowed exactly when the policy allows (expected \(expected ?? "a denial"), got \(reply.status): \(reply.statusText))",
                   message)
        try expect(reply.userID == (expected ?? "") && event.userID == expected, "the User-Id is the policy's, and none when denied", message)
        let again = core.handle(frames).replyAndEvent
        try expect(again?.0 == reply && again?.1 == event, "the same request, the same decision", message)
        // Nothing the peer sends can break a log line: what the network controls (the PLAIN user
        // name, the credentials) goes into the reason shown as `Frame` shows it. (The domain, the
        // address and the mechanism come from the server's socket and libzmq.)
        let fromLibzmq = [2, 3, 5].allSatisfy { $0 >= frames.count || Frame(frames[$0]).description.first == "\"" }
        if fromLibzmq {
            try expect(event.description.unicodeScalars.allSatisfy(Frame.isShownAsText), "an event is one printable line", message)
        }
        // A denial says nothing about the password: another password of the same length is
        // denied with the same words.
        if frames.count == 8, !reply.status.isSuccess {
            var other = frames
            other[7] = [UInt8](repeating: 1, count: frames[7].count)
            let otherEvent = core.handle(other).replyAndEvent?.1
            try expect(otherEvent == event, "a denial does not depend on the password", message)
        }
    }
}

extension ZAPDecisionCore.Action {
    /// The reply and event, when the action is a reply.
    fileprivate var replyAndEvent: (ZAPReply, AuthenticationEvent)? {
        if case .reply(let reply, let event) = self { return (reply, event) }
        return nil
    }
}
