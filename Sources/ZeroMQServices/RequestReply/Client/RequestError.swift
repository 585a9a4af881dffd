/// Why a typed request failed: what happened, on which endpoint, after how many attempts.
///
/// Switch on ``code``; the other properties say more when they apply.
public struct RequestError: Error, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The kinds, for exhaustive switches inside the module (``ClientMetrics``).
        enum Kind: String {
            case timedOut = "timed out"
            case unreachable
            case connectionLost = "connection lost"
            case cancelled
            case closed
            case remote = "remote error"
            case undecodableReply = "undecodable reply"
            case unencodableRequest = "unencodable request"
        }

        let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The request was sent, but no reply came within the timeout (per attempt), or the
        /// retry policy's deadline passed. The service may still have handled it.
        public static let timedOut = Code(.timedOut)
        /// The request could not be handed to a connected peer within the timeout: the
        /// endpoint's connection was down the whole time (the client queues nothing for a peer
        /// that is not there), or libzmq stayed at its high-water mark. The request never left
        /// this process.
        public static let unreachable = Code(.unreachable)
        /// The connection that carried a server stream dropped while the stream ran
        /// (``RequestClient/stream(_:headers:timeout:credit:_:)``): the responses that came
        /// before the drop were delivered, the rest cannot come (the service sends a stream's
        /// responses to the connection that opened it). The service may have sent more, and
        /// its handler may still run until the cancel the client sends reaches it, or until
        /// its deadline or ``RequestServiceConfiguration/streamCreditTimeout``.
        public static let connectionLost = Code(.connectionLost)
        /// The calling task was cancelled. The pending entry is gone; a late reply is dropped.
        public static let cancelled = Code(.cancelled)
        /// The client is shutting down or closed (``RequestClient/run()`` ended or never ran).
        public static let closed = Code(.closed)
        /// The service replied with an error: see ``RequestError/remoteError``.
        public static let remote = Code(.remote)
        /// A reply came but could not be decoded: see ``RequestError/replyFrames`` and
        /// ``RequestError/underlying``.
        public static let undecodableReply = Code(.undecodableReply)
        /// The request could not be encoded (nothing was sent): see ``RequestError/underlying``.
        public static let unencodableRequest = Code(.unencodableRequest)

        public var description: String { kind.rawValue }
    }

    /// What failed.
    public var code: Code
    /// The endpoint of the last attempt, when one was made.
    public var endpoint: String?
    /// The request's id on the wire, when one was given (see Docs/WireProtocol.md).
    public var requestID: UInt64?
    /// How many attempts were made (0 when the request was never sent).
    public var attempts: Int
    /// The service's error, for ``Code-swift.struct/remote``.
    public var remoteError: RemoteError?
    /// The frames of a reply that could not be decoded, kept for diagnosis.
    public var replyFrames: [[UInt8]]?
    /// The error beneath: the codec's, or the socket's.
    public var underlying: (any Error)?

    /// Makes an error; the client makes these, tests and wrappers may too.
    public init(
        code: Code,
        endpoint: String? = nil,
        requestID: UInt64? = nil,
        attempts: Int = 0,
        remoteError: RemoteError? = nil,
        replyFrames: [[UInt8]]? = nil,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.endpoint = endpoint
        self.requestID = requestID
        self.attempts = attempts
        self.remoteError = remoteError
        self.replyFrames = replyFrames
        self.underlying = underlying
    }

    public var description: String {
        var text = "request \(code)"
        if let requestID { text += " (id \(requestID))" }
        if let endpoint { text += " on \(endpoint)" }
        if attempts > 1 { text += " after \(attempts) attempts" }
        if let remoteError { text += ": \(remoteError)" }
        if let replyFrames {
            text += ": \(replyFrames.count) frame\(replyFrames.count == 1 ? "" : "s") of "
            text += "\(replyFrames.map(\.count).reduce(0, +)) bytes"
        }
        if let underlying { text += ": \(underlying)" }
        return text
    }
}
