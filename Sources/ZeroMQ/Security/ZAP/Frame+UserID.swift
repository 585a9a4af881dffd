extension Frame {
    /// The `User-Id` the ZAP handler gave the connection this frame came on (for example the
    /// PLAIN user name or the CURVE client key in Z85; see ``ZAPAuthenticator``), or `nil`.
    ///
    /// Like every ``metadata(_:)`` property it is kept only when the receiving socket's
    /// ``Socket/keepsMessageMetadata`` is on (or the frame is larger than ``copyLimit``):
    /// call `setKeepsMessageMetadata(true)` on a server that needs to know who sent what.
    public var userID: String? { metadata("User-Id") }
}
