extension Socket where Role: SubscribingRole {
    /// Receives messages whose first frame starts with `prefix` (`ZMQ_SUBSCRIBE`). The empty
    /// prefix receives everything. A new SUB socket receives nothing until it subscribes.
    ///
    /// ```swift
    /// for try await update in try await subscriber.subscribe(to: "1") {
    ///     print(update.string ?? "")
    /// }
    /// ```
    ///
    /// - Returns: the socket's ``messages``, for `for try await`. Subscriptions add up: the
    ///   sequence yields what matches any of them.
    /// - Throws: ``ZeroMQError`` when the socket is closed.
    @discardableResult
    public func subscribe(to prefix: [UInt8]) throws(ZeroMQError) -> MessageSequence<Role> {
        try setOption(.subscribe, to: prefix)
        return messages
    }

    /// Receives messages whose first frame starts with the UTF-8 bytes of `prefix`.
    ///
    /// - Returns: the socket's ``messages``.
    /// - Throws: ``ZeroMQError`` when the socket is closed.
    @discardableResult
    public func subscribe(to prefix: String) throws(ZeroMQError) -> MessageSequence<Role> {
        try subscribe(to: Array(prefix.utf8))
    }

    /// Removes one earlier subscription to `prefix` (`ZMQ_UNSUBSCRIBE`).
    ///
    /// - Throws: ``ZeroMQError`` when the socket is closed.
    public func unsubscribe(from prefix: [UInt8]) throws(ZeroMQError) {
        try setOption(.unsubscribe, to: prefix)
    }

    /// Removes one earlier subscription to the UTF-8 bytes of `prefix`.
    ///
    /// - Throws: ``ZeroMQError`` when the socket is closed.
    public func unsubscribe(from prefix: String) throws(ZeroMQError) {
        try unsubscribe(from: Array(prefix.utf8))
    }
}
