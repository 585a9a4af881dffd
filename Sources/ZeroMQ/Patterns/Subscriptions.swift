/// A subscription message: what an XSUB sends and an XPUB receives when a subscriber subscribes
/// to or unsubscribes from a topic prefix (one byte, 1 or 0, then the prefix).
public struct SubscriptionMessage: Sendable, Hashable, CustomStringConvertible {
    /// Whether the subscriber subscribes (true) or unsubscribes (false).
    public var isSubscribe: Bool
    /// The topic prefix; empty means every message.
    public var topic: [UInt8]

    /// A subscription to, or unsubscription from, `topic`.
    public init(isSubscribe: Bool, topic: [UInt8]) {
        self.isSubscribe = isSubscribe
        self.topic = topic
    }

    /// Parses a subscription message, or returns `nil` for any other message (an XPUB also
    /// receives whatever else its XSUB peers send).
    public init?(_ message: Message) {
        guard message.frameCount == 1, let frame = message.first, let kind = frame.bytes.first, kind <= 1 else {
            return nil
        }
        self.init(isSubscribe: kind == 1, topic: Array(frame.bytes.dropFirst()))
    }

    /// The topic as UTF-8 text, or `nil` when it is not valid UTF-8.
    public var topicString: String? {
        String(validating: topic, as: UTF8.self)
    }

    /// The wire form: 1 or 0, then the topic.
    public var message: Message {
        Message([isSubscribe ? 1 : 0] + topic)
    }

    /// `+topic` or `-topic`.
    public var description: String {
        (isSubscribe ? "+" : "-") + (topicString ?? topic.map { String($0, radix: 16) }.joined(separator: " "))
    }
}

extension Socket where Role == XSubRole {
    /// Subscribes to messages whose first frame starts with `prefix`, by sending a subscription
    /// message to every connected publisher (XPUB and PUB peers apply it).
    ///
    /// - Returns: the socket's ``messages``.
    /// - Throws: as ``send(_:timeout:)-(Message,_)``.
    @discardableResult
    public func subscribe(to prefix: [UInt8]) async throws -> MessageSequence<Role> {
        try await send(SubscriptionMessage(isSubscribe: true, topic: prefix).message)
        return messages
    }

    /// Subscribes to messages whose first frame starts with the UTF-8 bytes of `prefix`.
    ///
    /// - Returns: the socket's ``messages``.
    /// - Throws: as ``send(_:timeout:)-(Message,_)``.
    @discardableResult
    public func subscribe(to prefix: String) async throws -> MessageSequence<Role> {
        try await subscribe(to: Array(prefix.utf8))
    }

    /// Removes one earlier subscription to `prefix`.
    ///
    /// - Throws: as ``send(_:timeout:)-(Message,_)``.
    public func unsubscribe(from prefix: [UInt8]) async throws {
        try await send(SubscriptionMessage(isSubscribe: false, topic: prefix).message)
    }

    /// Removes one earlier subscription to the UTF-8 bytes of `prefix`.
    ///
    /// - Throws: as ``send(_:timeout:)-(Message,_)``.
    public func unsubscribe(from prefix: String) async throws {
        try await unsubscribe(from: Array(prefix.utf8))
    }
}

extension Socket where Role == XPubRole {
    /// The subscriptions and unsubscriptions of this publisher's subscribers, as they arrive.
    ///
    /// ```swift
    /// for try await subscription in publisher.subscriptions {
    ///     print(subscription)   // +weather, -weather
    /// }
    /// ```
    ///
    /// libzmq reports a topic's first subscription and last unsubscription only, unless
    /// ``SocketOption/xpubVerbose`` (every subscription) or ``SocketOption/xpubVerboser`` (every
    /// unsubscription too) is set. Messages that are not subscription messages are skipped; read
    /// ``messages`` instead to see them. The sequence ends when the socket is closed.
    public nonisolated var subscriptions: SubscriptionSequence {
        messages.mapped { message in SubscriptionMessage(message).map { .element($0) } ?? .skip }
    }
}

/// The subscription messages an XPUB socket receives; see ``Socket/subscriptions``.
public typealias SubscriptionSequence = MappedMessageSequence<XPubRole, SubscriptionMessage>
