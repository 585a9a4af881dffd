extension IncomingRequest {
    /// The `User-Id` the ZAP authenticator gave the requester's connection (``Frame/userID``),
    /// or `nil`: who asked, on a secured ``RepSocket``.
    ///
    /// Kept only while the socket's ``Socket/keepsMessageMetadata`` is on:
    ///
    /// ```swift
    /// await server.setKeepsMessageMetadata(true)
    /// try await server.setSecurity(.curveServer(keys: serverKeys))
    /// try await server.bind("tcp://*:5555")
    /// for try await request in server.requests {
    ///     try await request.reply("hello, \(request.userID ?? "stranger")")
    /// }
    /// ```
    public var userID: String? { message.frames.first?.userID }
}

extension RoutedMessage {
    /// The `User-Id` the ZAP authenticator gave the sender's connection (``Frame/userID``), or
    /// `nil`; read from the body, whose frames came from the sender. Kept only while the
    /// socket's ``Socket/keepsMessageMetadata`` is on.
    public var userID: String? { body.frames.first?.userID }
}
