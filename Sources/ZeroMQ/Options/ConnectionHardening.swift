/// How a socket guards its connections against dead, frozen, slow or hostile peers: ZMTP
/// heartbeats, a bound on the handshake, and a largest accepted message. Applied in one call,
/// ``Socket/apply(_:)``, before `bind` and `connect`.
///
/// ```swift
/// let router = try RouterSocket(context)
/// try await router.apply(.untrustedNetwork)
/// try await router.bind("tcp://*:5555")
/// ```
///
/// libzmq's own defaults send no heartbeat (a peer that freezes, or a link that drops without a
/// TCP reset, looks connected for as long as the kernel keeps the connection: hours), allow 30 s
/// for a handshake, and accept messages of any size (a peer can announce a frame of 2^63 bytes
/// and libzmq allocates as it arrives). The presets here and why their values were chosen are in
/// Docs/Monitoring.md. The typed services of `ZeroMQServices` apply ``standard`` unless
/// configured otherwise.
public struct ConnectionHardening: Sendable, Hashable {
    /// How often a ZMTP PING goes to each peer (`ZMQ_HEARTBEAT_IVL`); `.zero` sends none (then
    /// the timeout and TTL do nothing either). Default 5 s.
    public var heartbeatInterval: Duration
    /// How long after a PING the connection is closed if nothing at all has come from the peer
    /// (`ZMQ_HEARTBEAT_TIMEOUT`). A dead or frozen peer is noticed within about
    /// `heartbeatInterval + heartbeatTimeout`. `.zero` means the same as the interval.
    /// Default 15 s.
    public var heartbeatTimeout: Duration
    /// The time-to-live sent in each PING (`ZMQ_HEARTBEAT_TTL`): the peer closes the connection
    /// if it hears nothing from this socket for that long, so a peer that sends no heartbeats
    /// itself still notices when this side freezes. Whole deciseconds, at most 6553.5 s.
    /// `.zero` sends none. Default 15 s.
    public var heartbeatTTL: Duration
    /// The longest a new connection may take to complete its handshake before it is closed
    /// (`ZMQ_HANDSHAKE_IVL`); `.zero` means no limit. Default 10 s.
    public var handshakeInterval: Duration
    /// The largest message accepted, in bytes (`ZMQ_MAXMSGSIZE`): a peer that sends a bigger
    /// one is disconnected. `nil` sets no limit. Default `nil`.
    public var maximumMessageSize: Int64?

    /// Makes a setting; every value not given is the ``standard`` one.
    public init(
        heartbeatInterval: Duration = .seconds(5),
        heartbeatTimeout: Duration = .seconds(15),
        heartbeatTTL: Duration = .seconds(15),
        handshakeInterval: Duration = .seconds(10),
        maximumMessageSize: Int64? = nil
    ) {
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatTimeout = heartbeatTimeout
        self.heartbeatTTL = heartbeatTTL
        self.handshakeInterval = handshakeInterval
        self.maximumMessageSize = maximumMessageSize
    }

    /// For services on a network that may drop or freeze peers: heartbeats every 5 s, a peer
    /// silent 15 s after a PING is dropped (noticed within 20 s), the TTL asks peers to do the
    /// same (15 s), handshakes must finish within 10 s, no message size limit (the application
    /// knows its sizes; set one).
    public static let standard = ConnectionHardening()

    /// For endpoints strangers can reach: as ``standard``, but handshakes must finish within 5 s
    /// (a connection that never completes one holds a descriptor) and messages are limited to
    /// 1 MiB (a peer cannot make the process allocate more for one message).
    public static let untrustedNetwork = ConnectionHardening(
        handshakeInterval: .seconds(5), maximumMessageSize: 1 << 20
    )

    /// libzmq's defaults: no heartbeats, 30 s handshakes, no message size limit.
    public static let libzmqDefaults = ConnectionHardening(
        heartbeatInterval: .zero, heartbeatTimeout: .zero, heartbeatTTL: .zero,
        handshakeInterval: .seconds(30), maximumMessageSize: nil
    )
}

extension Socket {
    /// Sets the heartbeat, handshake and message size options of `hardening` on this socket.
    ///
    /// Call it before `bind` and `connect`: libzmq applies these options to connections made
    /// afterwards.
    ///
    /// - Throws: ``ZeroMQError`` when the socket is closed or a value is out of libzmq's range.
    public func apply(_ hardening: ConnectionHardening) throws(ZeroMQError) {
        try setOption(.heartbeatInterval, to: hardening.heartbeatInterval)
        // libzmq cannot unset the timeout; `.zero` there means "the interval", as unset does.
        let timeout = hardening.heartbeatTimeout == .zero ? hardening.heartbeatInterval : hardening.heartbeatTimeout
        try setOption(.heartbeatTimeout, to: timeout)
        try setOption(.heartbeatTTL, to: hardening.heartbeatTTL)
        try setOption(.handshakeInterval, to: hardening.handshakeInterval)
        try setOption(.maximumMessageSize, to: hardening.maximumMessageSize ?? -1)
    }
}
