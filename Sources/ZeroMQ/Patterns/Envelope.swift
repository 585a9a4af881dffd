/// The identity libzmq gives a ROUTER socket's peer (`ZMQ_ROUTING_ID`): opaque bytes, by which
/// the ROUTER addresses replies.
public struct RoutingID: Hashable, Sendable, CustomStringConvertible {
    /// The identity's bytes (1 to 255 of them; libzmq's generated ones are 5, starting with 0).
    public var bytes: [UInt8]

    /// A routing id from its bytes.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A routing id from the UTF-8 bytes of `text`, as set with ``SocketOption/routingID``.
    public init(_ text: String) {
        self.bytes = Array(text.utf8)
    }

    /// Lowercase hexadecimal, as in `0080000041`.
    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// The routing frames in front of a message's body on ROUTER sockets: who sent it and, behind
/// proxies, the path back.
///
/// A ROUTER receives `[id, body...]` from a DEALER and `[id, "", body...]` from a REQ (the empty
/// frame is the delimiter REQ and REP need); behind a Queue device there are more ids:
/// `[id1, id2, "", body]`. ``RoutedMessage/init(_:)`` takes everything before the first empty frame
/// as the envelope when there is one, otherwise the first frame alone, and
/// ``Socket/send(_:to:timeout:)-(Message,_,_)`` puts the same envelope back in front of the reply.
public struct Envelope: Hashable, Sendable {
    /// The routing ids, the nearest peer first.
    public var routingIDs: [RoutingID]
    /// Whether an empty delimiter frame ends the envelope (REQ and REP peers send and expect one).
    public var isDelimited: Bool

    /// An envelope addressing `routingIDs`, nearest peer first.
    public init(routingIDs: [RoutingID], isDelimited: Bool) {
        self.routingIDs = routingIDs
        self.isDelimited = isDelimited
    }

    /// An envelope addressing one peer directly; delimited for REQ peers.
    public init(peer: RoutingID, isDelimited: Bool = false) {
        self.init(routingIDs: [peer], isDelimited: isDelimited)
    }

    /// The peer the message came from, or goes to (the first routing id).
    public var peer: RoutingID? { routingIDs.first }

    /// The envelope's frames: the ids, then the empty delimiter if there is one.
    public var frames: [Frame] {
        routingIDs.map { Frame($0.bytes) } + (isDelimited ? [Frame([])] : [])
    }
}

/// A message received on a ROUTER socket, split into its ``Envelope`` and its body.
public struct RoutedMessage: Sendable {
    /// Who sent the body, and the path back.
    public var envelope: Envelope
    /// The message itself, without routing frames.
    public var body: Message

    /// A body and the envelope to send it with.
    public init(envelope: Envelope, body: Message) {
        self.envelope = envelope
        self.body = body
    }

    /// Splits a ROUTER message: the frames before the first empty frame are the envelope (when
    /// an empty frame follows the first), otherwise the first frame alone; the rest is the body.
    /// Returns `nil` for a message of one frame, which a ROUTER never receives.
    public init?(_ message: Message) {
        let frames = message.frames
        guard frames.count >= 2 else { return nil }
        if let delimiter = frames.dropFirst().firstIndex(where: \.isEmpty), delimiter < frames.count - 1 {
            envelope = Envelope(routingIDs: frames[..<delimiter].map { RoutingID($0.bytes) }, isDelimited: true)
            body = Message(frames: Array(frames[(delimiter + 1)...]))
        } else {
            envelope = Envelope(routingIDs: [RoutingID(frames[0].bytes)], isDelimited: false)
            body = Message(frames: Array(frames.dropFirst()))
        }
    }

    /// The whole message, envelope frames first: what a ROUTER sends.
    public var message: Message {
        Message(frames: envelope.frames + body.frames)
    }
}

extension Socket where Role == RouterRole {
    /// Receives the next message and splits it into envelope and body.
    ///
    /// ```swift
    /// let request = try await router.receiveRouted()
    /// try await router.send("Echo: " + (request.body.string ?? ""), to: request.envelope)
    /// ```
    ///
    /// - Parameter timeout: how long to wait; `nil` waits as long as it takes.
    /// - Throws: as ``receive()``.
    public func receiveRouted(timeout: Duration? = nil) async throws -> RoutedMessage {
        let message = if let timeout { try await receive(timeout: timeout) } else { try await receive() }
        guard let routed = RoutedMessage(message) else {
            throw ZeroMQError(
                code: .invalidArgument, operation: "receiveRouted", socket: core.label,
                reason: "a message of \(message.frameCount) frame has no routing envelope"
            )
        }
        return routed
    }

    /// Sends `body` to the peer `envelope` names, with the envelope's frames in front.
    ///
    /// A ROUTER drops messages for peers it does not know, unless ``SocketOption/routerMandatory``
    /// is set, in which case this throws `EHOSTUNREACH`.
    ///
    /// - Throws: as ``send(_:timeout:)-(Message,_)``.
    public func send(_ body: Message, to envelope: Envelope, timeout: Duration? = nil) async throws {
        try await send(RoutedMessage(envelope: envelope, body: body).message, timeout: timeout)
    }

    /// Sends the UTF-8 bytes of `text` to the peer `envelope` names.
    ///
    /// - Throws: as ``send(_:timeout:)-(Message,_)``.
    public func send(_ text: String, to envelope: Envelope, timeout: Duration? = nil) async throws {
        try await send(Message(text), to: envelope, timeout: timeout)
    }
}
