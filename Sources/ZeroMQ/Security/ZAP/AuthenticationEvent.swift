import ZeroMQSupport
/// One decision of a ``ZAPAuthenticator``: who asked, how, and what was answered.
///
/// Never holds a secret: for PLAIN the user name is here, the password is not.
public struct AuthenticationEvent: Sendable, Hashable, CustomStringConvertible {
    /// The peer's address, without a port (`127.0.0.1`; ipc: `localhost:UID:GID:PID`).
    public var peerAddress: String
    /// The peer's mechanism.
    public var mechanism: ZAPMechanism
    /// Who the peer said it was: the PLAIN user name or the CURVE public key in Z85; `nil` for
    /// NULL and for requests too malformed to tell.
    public var identity: String?
    /// The User-Id given to the connection; `nil` unless allowed.
    public var userID: String?
    /// The server socket's ZAP domain (empty when it has none).
    public var domain: String
    /// The answer: 200 allowed, 300 temporary failure, 400 denied, 500 internal error.
    public var status: ZAPStatus
    /// Why: `OK`, or what failed (also sent as the reply's status text).
    public var reason: String
    /// The connection's routing id as ZAP gives it (usually empty).
    public var routingID: [UInt8]

    /// Makes an event.
    public init(
        peerAddress: String, mechanism: ZAPMechanism, identity: String?, userID: String?, domain: String,
        status: ZAPStatus, reason: String, routingID: [UInt8] = []
    ) {
        self.peerAddress = peerAddress
        self.mechanism = mechanism
        self.identity = identity
        self.userID = userID
        self.domain = domain
        self.status = status
        self.reason = reason
        self.routingID = routingID
    }

    /// Whether the handshake was let through (status 200).
    public var isAllowed: Bool { status.isSuccess }

    /// `400 CURVE 127.0.0.1 domain "x" identity "…": reason`.
    ///
    /// One line whatever the peer sent: a PLAIN user name with a control character or a line
    /// break is shown in hex, as ``Frame`` shows such text.
    public var description: String {
        var text = "\(status) \(mechanism) \(peerAddress) domain \"\(domain)\""
        if let identity { text += " identity \(Self.shown(identity))" }
        if let userID { text += " user \(Self.shown(userID))" }
        return text + ": \(reason)"
    }

    /// Text from the network as a log line may show it: quoted when printable, else in hex.
    static func shown(_ text: String) -> String {
        Frame(text).description
    }
}

/// Hands every event to each subscriber's bounded buffer: a slow subscriber loses its oldest
/// events (counted), and publishing never waits.
final class AuthenticationEventBroadcaster: Sendable {
    private struct State {
        var subscribers: [Int: AsyncStream<AuthenticationEvent>.Continuation] = [:]
        var nextID = 0
        var isFinished = false
        var dropped = 0
    }

    private let state = Lock(State())
    private let onDrop: @Sendable (Int) -> Void

    /// `onDrop` is told how many events a publish dropped (for a metric).
    init(onDrop: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.onDrop = onDrop
    }

    /// A new subscription keeping at most `capacity` unread events (at least 1); finished at
    /// once when the broadcaster is.
    func subscribe(bufferingNewest capacity: Int) -> AsyncStream<AuthenticationEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: AuthenticationEvent.self, bufferingPolicy: .bufferingNewest(max(capacity, 1))
        )
        let id: Int? = state.withLock { state in
            guard !state.isFinished else { return nil }
            defer { state.nextID += 1 }
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Gives `event` to every subscriber, dropping each one's oldest unread event when its buffer
    /// is full.
    func publish(_ event: AuthenticationEvent) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        var dropped = 0
        for subscriber in subscribers {
            if case .dropped = subscriber.yield(event) { dropped += 1 }
        }
        guard dropped > 0 else { return }
        state.withLock { $0.dropped += dropped }
        onDrop(dropped)
    }

    /// How many events subscribers have lost to full buffers, in all.
    var droppedCount: Int { state.withLock { $0.dropped } }

    /// How many subscriptions are live.
    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Ends every subscription (after the events they hold) and refuses new ones.
    func finish() {
        let subscribers = state.withLock { state in
            state.isFinished = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
