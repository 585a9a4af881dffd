import CZeroMQ

/// Something that happened to a socket's connections, as libzmq's monitor reports it
/// (`zmq_socket_monitor`); see ``Socket/monitor(_:)``.
public struct SocketEvent: Sendable, Hashable, CustomStringConvertible {
    /// The kinds of event, as a set for choosing which to monitor.
    public struct Kinds: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16

        public init(rawValue: UInt16) {
            self.rawValue = rawValue
        }

        /// A connection was made (`ZMQ_EVENT_CONNECTED`); the ZMTP handshake follows.
        public static let connected = Kinds(rawValue: UInt16(ZMQ_EVENT_CONNECTED))
        /// A connect is pending (`ZMQ_EVENT_CONNECT_DELAYED`).
        public static let connectDelayed = Kinds(rawValue: UInt16(ZMQ_EVENT_CONNECT_DELAYED))
        /// A connect is being retried (`ZMQ_EVENT_CONNECT_RETRIED`); the value is the interval in ms.
        public static let connectRetried = Kinds(rawValue: UInt16(ZMQ_EVENT_CONNECT_RETRIED))
        /// The socket is bound and listening (`ZMQ_EVENT_LISTENING`).
        public static let listening = Kinds(rawValue: UInt16(ZMQ_EVENT_LISTENING))
        /// A bind failed (`ZMQ_EVENT_BIND_FAILED`); the value is the errno.
        public static let bindFailed = Kinds(rawValue: UInt16(ZMQ_EVENT_BIND_FAILED))
        /// A connection was accepted (`ZMQ_EVENT_ACCEPTED`).
        public static let accepted = Kinds(rawValue: UInt16(ZMQ_EVENT_ACCEPTED))
        /// Accepting a connection failed (`ZMQ_EVENT_ACCEPT_FAILED`); the value is the errno.
        public static let acceptFailed = Kinds(rawValue: UInt16(ZMQ_EVENT_ACCEPT_FAILED))
        /// A listening or connected socket was closed (`ZMQ_EVENT_CLOSED`).
        public static let closed = Kinds(rawValue: UInt16(ZMQ_EVENT_CLOSED))
        /// Closing failed (`ZMQ_EVENT_CLOSE_FAILED`); the value is the errno.
        public static let closeFailed = Kinds(rawValue: UInt16(ZMQ_EVENT_CLOSE_FAILED))
        /// A connection broke (`ZMQ_EVENT_DISCONNECTED`).
        public static let disconnected = Kinds(rawValue: UInt16(ZMQ_EVENT_DISCONNECTED))
        /// Monitoring stopped (`ZMQ_EVENT_MONITOR_STOPPED`): the socket was closed.
        public static let monitorStopped = Kinds(rawValue: UInt16(ZMQ_EVENT_MONITOR_STOPPED))
        /// The ZMTP handshake failed before it could say why
        /// (`ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL`).
        public static let handshakeFailedNoDetail = Kinds(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL))
        /// The ZMTP handshake succeeded (`ZMQ_EVENT_HANDSHAKE_SUCCEEDED`): messages can flow.
        public static let handshakeSucceeded = Kinds(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_SUCCEEDED))
        /// The handshake failed on a protocol error (`ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`).
        public static let handshakeFailedProtocol = Kinds(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL))
        /// The handshake failed on authentication (`ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`); the value
        /// is the ZAP status code.
        public static let handshakeFailedAuthentication = Kinds(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))

        /// Every event.
        public static let all = Kinds(rawValue: UInt16(truncatingIfNeeded: ZMQ_EVENT_ALL))

        /// The kind's name in words, such as `handshake failed (authentication)`, for one kind;
        /// `event N` for a set of several kinds or an unknown one.
        public var name: String {
            let names: [(Kinds, String)] = [
                (.connected, "connected"), (.connectDelayed, "connect delayed"), (.connectRetried, "connect retried"),
                (.listening, "listening"), (.bindFailed, "bind failed"), (.accepted, "accepted"),
                (.acceptFailed, "accept failed"), (.closed, "closed"), (.closeFailed, "close failed"),
                (.disconnected, "disconnected"), (.monitorStopped, "monitor stopped"),
                (.handshakeFailedNoDetail, "handshake failed"), (.handshakeSucceeded, "handshake succeeded"),
                (.handshakeFailedProtocol, "handshake failed (protocol)"),
                (.handshakeFailedAuthentication, "handshake failed (authentication)"),
            ]
            return names.first { self == $0.0 }?.1 ?? "event \(rawValue)"
        }
    }

    /// What happened: exactly one of ``Kinds``.
    public var kind: Kinds
    /// The event's number: a file descriptor, an errno, an interval in ms or a status code,
    /// depending on the kind (see `zmq_socket_monitor(3)`).
    public var value: UInt32
    /// The endpoint concerned, such as `tcp://127.0.0.1:5555`.
    public var endpoint: String

    /// Makes an event.
    public init(kind: Kinds, value: UInt32, endpoint: String) {
        self.kind = kind
        self.value = value
        self.endpoint = endpoint
    }

    /// Reads an event from the two frames libzmq sends (`[event: UInt16 LE, value: UInt32 LE]`
    /// and `[endpoint]`), or `nil` when they are not in that form.
    init?(_ message: Message) {
        guard message.frameCount == 2, message[0].count == 6 else { return nil }
        let bytes = message[0].bytes
        kind = Kinds(rawValue: UInt16(bytes[0]) | UInt16(bytes[1]) << 8)
        value = UInt32(bytes[2]) | UInt32(bytes[3]) << 8 | UInt32(bytes[4]) << 16 | UInt32(bytes[5]) << 24
        endpoint = message[1].string ?? ""
    }

    public var description: String {
        "\(kind.name) \(endpoint) (\(value))"
    }
}
