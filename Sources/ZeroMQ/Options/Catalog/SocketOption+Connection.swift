import CZeroMQ

// Part of the socket option catalog (SocketOption+Catalog.swift, this folder): connecting,
// reconnecting, heartbeats, linger and handshakes.

// MARK: - Connection and reconnection

extension SocketOption where Value == UInt64 {
    /// The I/O threads that handle new connections, as a bitmap (`ZMQ_AFFINITY`): bit 0 is
    /// thread 1, bit 1 thread 2, and so on. 0 spreads connections over all threads. Default 0.
    ///
    /// Takes effect for later binds and connects.
    public static var affinity: SocketOption<UInt64> {
        .uint64("ZMQ_AFFINITY", ZMQ_AFFINITY, .readWrite)
    }
}

extension SocketOption where Value == [UInt8] {
    /// The socket's routing id, which a ROUTER peer uses to address it (`ZMQ_ROUTING_ID`,
    /// formerly `ZMQ_IDENTITY`). 1 to 255 bytes; ids starting with a zero byte are reserved for
    /// the ids libzmq generates. Default: none (reads as empty).
    ///
    /// For REQ, REP, ROUTER and DEALER sockets; takes effect for later connects.
    public static var routingID: SocketOption<[UInt8]> {
        .boundedBytes("ZMQ_ROUTING_ID", ZMQ_ROUTING_ID, .readWrite, lengths: 1...255, readLength: 255)
    }
}

extension SocketOption where Value == Duration? {
    /// How long pending outbound messages are kept after the socket is closed or disconnected
    /// (`ZMQ_LINGER`), in milliseconds. `nil` means forever; `.zero` discards them at once.
    /// Default `nil` (infinite).
    ///
    /// A socket that lingers keeps the context from terminating until it is done.
    public static var linger: SocketOption<Duration?> {
        .optionalMilliseconds("ZMQ_LINGER", ZMQ_LINGER, .readWrite)
    }

    /// The initial wait before reconnecting a disconnected peer (`ZMQ_RECONNECT_IVL`), in
    /// milliseconds. `nil` turns reconnection off. Default 100 ms.
    ///
    /// libzmq may randomize it to avoid reconnection storms. Connection-oriented transports
    /// only.
    public static var reconnectInterval: SocketOption<Duration?> {
        .optionalMilliseconds("ZMQ_RECONNECT_IVL", ZMQ_RECONNECT_IVL, .readWrite)
    }

    /// How long to wait for any traffic after sending a ZMTP PING before closing the connection
    /// (`ZMQ_HEARTBEAT_TIMEOUT`), in milliseconds. `nil` (the default) means the same as
    /// ``heartbeatInterval``.
    ///
    /// libzmq cannot be put back to `nil` once set: writing `nil` throws.
    public static var heartbeatTimeout: SocketOption<Duration?> {
        SocketOption(
            name: "ZMQ_HEARTBEAT_TIMEOUT", code: ZMQ_HEARTBEAT_TIMEOUT, access: .readWrite, kind: .int32,
            encode: { value throws(OptionValueError) in
                guard let value else {
                    throw OptionValueError(reason: "libzmq cannot reset the heartbeat timeout; set a duration")
                }
                return try encodeMilliseconds(value, maximum: Int64(Int32.max))
            },
            decode: { raw in
                if case .int32(let value) = raw, value >= 0 { return .milliseconds(Int64(value)) }
                return nil
            }
        )
    }
}

extension SocketOption where Value == Duration {
    /// The most the reconnection interval grows to (`ZMQ_RECONNECT_IVL_MAX`), in milliseconds:
    /// each attempt doubles the wait, starting from ``reconnectInterval``, up to this. `.zero`
    /// means no back-off: always wait ``reconnectInterval``. Values below
    /// ``reconnectInterval`` are ignored. Default `.zero`.
    public static var reconnectIntervalMax: SocketOption<Duration> {
        .milliseconds("ZMQ_RECONNECT_IVL_MAX", ZMQ_RECONNECT_IVL_MAX, .readWrite)
    }

    /// The longest a new connection may take to finish the ZMTP handshake (socket type,
    /// routing id, security) before it is closed (`ZMQ_HANDSHAKE_IVL`), in milliseconds.
    /// `.zero` means no limit. Default 30 seconds.
    ///
    /// Not for STREAM sockets; connection-oriented transports only.
    public static var handshakeInterval: SocketOption<Duration> {
        .milliseconds("ZMQ_HANDSHAKE_IVL", ZMQ_HANDSHAKE_IVL, .readWrite)
    }

    /// How long `connect()` may take on a TCP connection before libzmq gives up on that attempt
    /// (`ZMQ_CONNECT_TIMEOUT`), in milliseconds. `.zero` leaves it to the OS. Default `.zero`.
    public static var connectTimeout: SocketOption<Duration> {
        .milliseconds("ZMQ_CONNECT_TIMEOUT", ZMQ_CONNECT_TIMEOUT, .readWrite)
    }

    /// How often to send a ZMTP PING on each connection (`ZMQ_HEARTBEAT_IVL`), in
    /// milliseconds. `.zero` turns heartbeats off. Default `.zero`.
    public static var heartbeatInterval: SocketOption<Duration> {
        .milliseconds("ZMQ_HEARTBEAT_IVL", ZMQ_HEARTBEAT_IVL, .readWrite)
    }

    /// The time-to-live sent to peers in ZMTP PINGs (`ZMQ_HEARTBEAT_TTL`): a peer closes the
    /// connection when it gets no traffic for this long. `.zero` means no limit. Default
    /// `.zero`.
    ///
    /// Given in milliseconds, but libzmq keeps it in whole deciseconds (16 bits), so it is
    /// rounded down to 100 ms and can be at most 6553.599 seconds; reading returns the rounded
    /// value.
    public static var heartbeatTTL: SocketOption<Duration> {
        SocketOption(
            name: "ZMQ_HEARTBEAT_TTL", code: ZMQ_HEARTBEAT_TTL, access: .readWrite, kind: .int32,
            encode: { value throws(OptionValueError) in
                try encodeMilliseconds(value, maximum: 6_553_599)
            },
            decode: { raw in
                if case .int32(let value) = raw { return .milliseconds(Int64(value)) }
                return .zero
            }
        )
    }
}

extension SocketOption where Value == Int {
    /// The listen queue length for incoming connections (`ZMQ_BACKLOG`); see `listen(2)`.
    /// Default 100 connections. Connection-oriented transports only.
    public static var backlog: SocketOption<Int> {
        .int("ZMQ_BACKLOG", ZMQ_BACKLOG, .readWrite, range: 0...Int(Int32.max))
    }

    /// A file descriptor of an already bound (and listening) socket for the next bind to use
    /// instead of creating its own (`ZMQ_USE_FD`), as with systemd socket activation. -1
    /// means none. Default -1. TCP and IPC only.
    public static var useFileDescriptor: SocketOption<Int> {
        .int("ZMQ_USE_FD", ZMQ_USE_FD, .readWrite, range: -1...Int(Int32.max))
    }
}

extension SocketOption where Value == Bool {
    /// Whether to queue outbound messages only to connections that have completed
    /// (`ZMQ_IMMEDIATE`, formerly `ZMQ_DELAY_ATTACH_ON_CONNECT`). Default `false`.
    ///
    /// With it, round-robin sockets (REQ, PUSH, DEALER) do not lose messages to pipes still
    /// waiting to connect; they block instead when no peer is connected.
    public static var immediate: SocketOption<Bool> {
        .flag("ZMQ_IMMEDIATE", ZMQ_IMMEDIATE, .readWrite)
    }
}
