/// What ``MessageSequence/mapped(_:)``'s transform made of one message.
public enum MessageMapping<Element> {
    /// The message became `Element`.
    case element(Element)
    /// The message is skipped; the sequence goes on with the next one.
    case skip
    /// The message became `Element`, the sequence's last: it finishes after it.
    case last(Element)
}

extension MessageMapping: Sendable where Element: Sendable {}

extension MessageSequence {
    /// The messages turned into other elements by `transform`, which may also skip a message or
    /// end the sequence after one.
    ///
    /// ```swift
    /// let temperatures = sub.messages.mapped { message in
    ///     guard let reading = Reading(message) else { return .skip }
    ///     return .element(reading.celsius)
    /// }
    /// for try await celsius in temperatures { print(celsius) }
    /// ```
    ///
    /// Unlike the standard library's `compactMap`, the result keeps what makes ``Socket/messages``
    /// fast and safe: batches taken in one step, no hop on the socket's loop (the caller's
    /// isolation is forwarded), and nothing lost when you break out. ``SocketEventSequence``,
    /// ``SubscriptionSequence`` and ``RequestSequence`` are made this way.
    ///
    /// - Parameter transform: what a message becomes; its errors end the iteration (they are
    ///   thrown from `next()`).
    /// - Returns: a sequence that finishes when the socket closes or after a ``MessageMapping/last(_:)``.
    public func mapped<Element: Sendable>(
        _ transform: @escaping @Sendable (Message) throws -> MessageMapping<Element>
    ) -> MappedMessageSequence<Role, Element> {
        MappedMessageSequence(messages: self, transform: transform)
    }
}

/// A socket's messages turned into other elements; see ``MessageSequence/mapped(_:)``.
public struct MappedMessageSequence<Role: ReceivingRole, Element: Sendable>: AsyncSequence, Sendable {
    public typealias Failure = any Error

    let messages: MessageSequence<Role>
    let transform: @Sendable (Message) throws -> MessageMapping<Element>
    /// Rewrites an error of the message sequence (not of `transform`), to say what it means for
    /// this kind of element.
    let explain: (@Sendable (any Error) -> any Error)?

    init(
        messages: MessageSequence<Role>,
        transform: @escaping @Sendable (Message) throws -> MessageMapping<Element>,
        explain: (@Sendable (any Error) -> any Error)? = nil
    ) {
        self.messages = messages
        self.transform = transform
        self.explain = explain
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(messages: messages.makeAsyncIterator(), transform: transform, explain: explain)
    }

    /// Iterates over the elements.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var messages: MessageSequence<Role>.AsyncIterator
        let transform: @Sendable (Message) throws -> MessageMapping<Element>
        let explain: (@Sendable (any Error) -> any Error)?
        var finished = false

        /// The next element, or `nil` once the socket is closed or after the last element.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Element? {
            while !finished {
                let message: Message?
                do {
                    message = try await messages.next(isolation: actor)
                } catch {
                    throw explain?(error) ?? error
                }
                guard let message else { break }
                switch try transform(message) {
                case .element(let element):
                    return element
                case .skip:
                    continue
                case .last(let element):
                    finished = true
                    return element
                }
            }
            finished = true
            return nil
        }

        /// The next element, or `nil` once the socket is closed or after the last element.
        public mutating func next() async throws -> Element? {
            try await next(isolation: nil)
        }
    }
}
