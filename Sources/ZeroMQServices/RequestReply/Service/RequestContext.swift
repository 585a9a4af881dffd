import ZeroMQ

/// Who sent a request, as far as the connection tells, and what the caller sent with it (its
/// headers and deadline): what a ``RequestService`` handler of the form
/// `(Request, RequestContext)` receives besides the request.
///
/// ```swift
/// let service = try await RequestService<Order, Receipt>(
///     context, endpoints: [.bind("tcp://*:5555")], configuration: secured
/// ) { order, request in
///     guard let customer = request.userID else { throw RemoteError(code: "forbidden", message: "who are you?") }
///     return try await book(order, for: customer)
/// }
/// ```
///
/// The values come from the libzmq metadata of the request's frames: ``userID`` is the
/// `User-Id` the ZAP handler gave the connection (see ``/ZeroMQ/ZAPAuthenticator``): the PLAIN user
/// name, the CURVE client key in Z85, or what a policy chose; `nil` when no ZAP handler was
/// consulted (a NULL service without a ZAP domain, or a CURVE service with
/// ``/ZeroMQ/CurveClientPolicy/anyClient`` and no authenticator).
public struct RequestContext: Sendable {
    /// The authenticated identity of the client's connection (`User-Id`), or `nil` when the
    /// connection was not authenticated.
    public let userID: String?

    /// The client's address without the port, such as `127.0.0.1` (libzmq's `Peer-Address`);
    /// `nil` when the transport has none (inproc).
    public let peerAddress: String?

    /// The headers the caller passed to ``RequestClient/request(_:headers:timeout:idempotent:)``
    /// (empty when it passed none, or when it does not send the metadata frame of
    /// Docs/WireProtocol.md).
    public let headers: [String: String]

    /// When the caller stops waiting for the reply: the moment the service received the request
    /// plus the time the caller said it would wait; `nil` when it did not say. The service
    /// cancels the handler's task at this instant; a handler that fans out can pass the rest of
    /// it on.
    public let deadline: ContinuousClock.Instant?

    /// The routing id of the connection the request came on (the first frame the service's
    /// ROUTER received: a broker's, when one sits in between); `nil` in a context made with
    /// ``init(userID:peerAddress:metadata:headers:deadline:)``.
    public var routingID: [UInt8]? { routingFrame?.bytes }

    /// The frame of ``routingID``, copied out only when asked for.
    private let routingFrame: Frame?

    /// A frame of the request that kept its libzmq metadata.
    private let frame: Frame?
    /// Properties given by ``init(userID:peerAddress:metadata:)``.
    private let given: [String: String]

    /// A context for calling a handler yourself, in tests: `metadata` answers
    /// ``metadata(_:)``.
    public init(
        userID: String? = nil,
        peerAddress: String? = nil,
        metadata: [String: String] = [:],
        headers: [String: String] = [:],
        deadline: ContinuousClock.Instant? = nil
    ) {
        self.userID = userID
        self.peerAddress = peerAddress
        self.frame = nil
        self.given = metadata
        self.headers = headers
        self.deadline = deadline
        self.routingFrame = nil
    }

    /// The context of a request as the service's ROUTER received it.
    ///
    /// - Parameters:
    ///   - connection: the message, when the service keeps libzmq's metadata: the frame after
    ///     the routing id is the client's own (a request id or the delimiter), with the
    ///     connection's metadata. A message of one frame (never a request) has none.
    ///   - routingID: the first envelope frame.
    ///   - call: the request's metadata frame, read.
    ///   - deadline: when the caller stops waiting.
    init(connection message: Message?, routingID: Frame?, call: CallMetadata?, deadline: ContinuousClock.Instant?) {
        let frame = message.flatMap { $0.frameCount > 1 ? $0[1] : nil }
        self.frame = frame
        self.userID = frame?.userID.flatMap { $0.isEmpty ? nil : $0 }
        self.peerAddress = frame?.metadata("Peer-Address").flatMap { $0.isEmpty ? nil : $0 }
        self.given = [:]
        self.headers = call?.headers ?? [:]
        self.deadline = deadline
        self.routingFrame = routingID
    }

    /// A metadata property of the client's connection: `User-Id`, `Peer-Address`,
    /// `Socket-Type`, or one a ZAP policy attached (``/ZeroMQ/AuthenticationDecision/allow(userID:metadata:)``);
    /// `nil` when it is not set.
    public func metadata(_ property: String) -> String? {
        frame?.metadata(property) ?? given[property]
    }
}
