import CZeroMQ

// The catalog: every non-draft socket option of libzmq 4.3.4, typed.
//
// Access (read, write or both) follows what libzmq 4.3.4 actually accepts in
// `zmq_setsockopt` / `zmq_getsockopt`; durations are `Duration`, rounded down to libzmq's unit.
//
// Left out on purpose:
// - `ZMQ_FD` and `ZMQ_EVENTS`: the poll loop owns readiness; exposing them would let callers
//   race it.
// - `ZMQ_RCVTIMEO` and `ZMQ_SNDTIMEO`: this library never blocks in libzmq. It sends and
//   receives with `ZMQ_DONTWAIT` and does timeouts with its own timers, so these would have no
//   effect (or, worse, a confusing one).
// - `ZMQ_VMCI_*`: the VMCI transport is not built into Debian's libzmq.
// - `ZMQ_IPV4ONLY`: deprecated; it is the negation of ``SocketOption/ipv6``.
// - `ZMQ_BLOCKY`: a context option, not a socket option.
// - Aliases (`ZMQ_IDENTITY`, `ZMQ_CONNECT_RID`, `ZMQ_DELAY_ATTACH_ON_CONNECT`,
//   `ZMQ_FAIL_UNROUTABLE`, `ZMQ_ROUTER_BEHAVIOR`): same numbers as options listed here.
// - Everything under `ZMQ_BUILD_DRAFT_API` in zmq.h (`ZMQ_ROUTER_NOTIFY`, `ZMQ_METADATA`, ...):
//   draft API is not in Debian's libzmq build.

// MARK: - High-water marks and buffers

extension SocketOption where Value == Int {
    /// The send high-water mark: the most outstanding messages libzmq queues per peer for
    /// sending (`ZMQ_SNDHWM`). 0 means no limit. Default 1000 messages.
    ///
    /// When it is reached the socket blocks or drops, depending on its type. Takes effect for
    /// later binds and connects.
    public static var sendHighWaterMark: SocketOption<Int> {
        .int("ZMQ_SNDHWM", ZMQ_SNDHWM, .readWrite, range: 0...Int(Int32.max))
    }

    /// The receive high-water mark: the most outstanding messages libzmq queues per peer on
    /// the receiving side (`ZMQ_RCVHWM`). 0 means no limit. Default 1000 messages.
    ///
    /// Takes effect for later binds and connects.
    public static var receiveHighWaterMark: SocketOption<Int> {
        .int("ZMQ_RCVHWM", ZMQ_RCVHWM, .readWrite, range: 0...Int(Int32.max))
    }

    /// The kernel send buffer size (`SO_SNDBUF`) in bytes (`ZMQ_SNDBUF`). -1 leaves the OS
    /// default. Default -1.
    public static var sendBufferSize: SocketOption<Int> {
        .int("ZMQ_SNDBUF", ZMQ_SNDBUF, .readWrite, range: -1...Int(Int32.max))
    }

    /// The kernel receive buffer size (`SO_RCVBUF`) in bytes (`ZMQ_RCVBUF`). -1 leaves the OS
    /// default. Default -1.
    public static var receiveBufferSize: SocketOption<Int> {
        .int("ZMQ_RCVBUF", ZMQ_RCVBUF, .readWrite, range: -1...Int(Int32.max))
    }
}

extension SocketOption where Value == Int64 {
    /// The largest inbound message accepted, in bytes (`ZMQ_MAXMSGSIZE`). A peer that sends a
    /// larger one is disconnected. -1 means no limit. Default -1.
    public static var maximumMessageSize: SocketOption<Int64> {
        .int64("ZMQ_MAXMSGSIZE", ZMQ_MAXMSGSIZE, .readWrite)
    }
}

extension SocketOption where Value == Bool {
    /// Whether the socket keeps only the last message in its queues (`ZMQ_CONFLATE`).
    /// Default `false`.
    ///
    /// The high-water marks are then ignored and multipart messages are not supported. For
    /// PUSH, PULL, PUB, SUB and DEALER sockets.
    public static var conflate: SocketOption<Bool> {
        .flag("ZMQ_CONFLATE", ZMQ_CONFLATE, .readWrite)
    }
}

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

// MARK: - TCP and IPC

extension SocketOption where Value == Int {
    /// Overrides `SO_KEEPALIVE` on TCP connections (`ZMQ_TCP_KEEPALIVE`): 1 turns keepalives
    /// on, 0 off, -1 leaves the OS default. Default -1.
    public static var tcpKeepalive: SocketOption<Int> {
        .int("ZMQ_TCP_KEEPALIVE", ZMQ_TCP_KEEPALIVE, .readWrite, range: -1...1)
    }

    /// Overrides `TCP_KEEPCNT`, the unanswered keepalive probes before the connection is
    /// dropped (`ZMQ_TCP_KEEPALIVE_CNT`). -1 leaves the OS default. Default -1.
    ///
    /// The OS may reject 0 or large counts (Linux takes 1 to 127), failing the connection.
    public static var tcpKeepaliveCount: SocketOption<Int> {
        .int("ZMQ_TCP_KEEPALIVE_CNT", ZMQ_TCP_KEEPALIVE_CNT, .readWrite, range: -1...Int(Int32.max))
    }

    /// The IP type-of-service (DSCP and ECN) byte of outgoing packets (`ZMQ_TOS`), 0 to 255.
    /// Default 0. TCP, UDP and PGM.
    public static var typeOfService: SocketOption<Int> {
        .int("ZMQ_TOS", ZMQ_TOS, .readWrite, range: 0...255)
    }
}

extension SocketOption where Value == Duration? {
    /// Overrides `TCP_KEEPIDLE` (`TCP_KEEPALIVE` on some systems), the idle time before the
    /// first keepalive probe (`ZMQ_TCP_KEEPALIVE_IDLE`), in whole seconds (at least 1).
    /// `nil` leaves the OS default. Default `nil`.
    public static var tcpKeepaliveIdle: SocketOption<Duration?> {
        .optionalSeconds("ZMQ_TCP_KEEPALIVE_IDLE", ZMQ_TCP_KEEPALIVE_IDLE, .readWrite)
    }

    /// Overrides `TCP_KEEPINTVL`, the time between keepalive probes
    /// (`ZMQ_TCP_KEEPALIVE_INTVL`), in whole seconds (at least 1). `nil` leaves the OS
    /// default. Default `nil`.
    public static var tcpKeepaliveInterval: SocketOption<Duration?> {
        .optionalSeconds("ZMQ_TCP_KEEPALIVE_INTVL", ZMQ_TCP_KEEPALIVE_INTVL, .readWrite)
    }
}

extension SocketOption where Value == Duration {
    /// How long sent data may stay unacknowledged before the TCP connection is dropped
    /// (`ZMQ_TCP_MAXRT`): `TCP_USER_TIMEOUT` on Linux, `TCP_MAXRT` on Windows, in
    /// milliseconds. `.zero` leaves the OS default. Default `.zero`.
    public static var tcpMaximumRetransmitTimeout: SocketOption<Duration> {
        .milliseconds("ZMQ_TCP_MAXRT", ZMQ_TCP_MAXRT, .readWrite)
    }
}

extension SocketOption where Value == Bool {
    /// Whether TCP sockets use IPv6 (`ZMQ_IPV6`). When on, the socket connects to and accepts
    /// both IPv4 and IPv6 peers; when off, IPv4 only. Default `false`.
    public static var ipv6: SocketOption<Bool> {
        .flag("ZMQ_IPV6", ZMQ_IPV6, .readWrite)
    }
}

extension SocketOption where Value == String {
    /// The network interface that connections are bound to with `SO_BINDTODEVICE`
    /// (`ZMQ_BINDTODEVICE`), such as `"eth0"`; at most 16 bytes. Default: none (reads as
    /// empty). On Linux this needs `CAP_NET_RAW`.
    public static var bindToDevice: SocketOption<String> {
        .string("ZMQ_BINDTODEVICE", ZMQ_BINDTODEVICE, .readWrite, maximumLength: 16)
    }

    /// The SOCKS5 proxy, as `"host:port"`, that outgoing TCP connections go through
    /// (`ZMQ_SOCKS_PROXY`). Default: none (reads as empty). An empty value removes the proxy.
    public static var socksProxy: SocketOption<String> {
        .string("ZMQ_SOCKS_PROXY", ZMQ_SOCKS_PROXY, .readWrite, maximumLength: 1024)
    }

    /// Adds a source-address filter, an IPv4 or IPv6 address or CIDR block, that new incoming
    /// TCP connections must match (`ZMQ_TCP_ACCEPT_FILTER`). With no filter every address is
    /// accepted. At most 255 bytes. Write-only.
    @available(*, deprecated, message: "ZMQ_TCP_ACCEPT_FILTER is deprecated in libzmq; authenticate peers with ZAP instead")
    public static var tcpAcceptFilter: SocketOption<String> {
        .string("ZMQ_TCP_ACCEPT_FILTER", ZMQ_TCP_ACCEPT_FILTER, .write, maximumLength: 255)
    }
}

extension SocketOption where Value == Int32 {
    /// Adds a process id that IPC peers must have to be accepted (`ZMQ_IPC_FILTER_PID`).
    /// With no filter every process is accepted. Write-only; Linux only (`SO_PEERCRED`).
    @available(*, deprecated, message: "ZMQ_IPC_FILTER_PID is deprecated in libzmq; authenticate peers with ZAP instead")
    public static var ipcFilterProcessID: SocketOption<Int32> {
        SocketOption(
            name: "ZMQ_IPC_FILTER_PID", code: ZMQ_IPC_FILTER_PID, access: .write, kind: .int32,
            encode: { value throws(OptionValueError) in .int32(value) },
            decode: { raw in
                if case .int32(let value) = raw { return value }
                return 0
            }
        )
    }
}

extension SocketOption where Value == UInt32 {
    /// Adds a user id that IPC peers must run as to be accepted (`ZMQ_IPC_FILTER_UID`).
    /// With no filter every user is accepted. Write-only.
    @available(*, deprecated, message: "ZMQ_IPC_FILTER_UID is deprecated in libzmq; authenticate peers with ZAP instead")
    public static var ipcFilterUserID: SocketOption<UInt32> {
        .unsigned32("ZMQ_IPC_FILTER_UID", ZMQ_IPC_FILTER_UID, .write)
    }

    /// Adds a group id that IPC peers must run as to be accepted (`ZMQ_IPC_FILTER_GID`).
    /// With no filter every group is accepted. Write-only.
    @available(*, deprecated, message: "ZMQ_IPC_FILTER_GID is deprecated in libzmq; authenticate peers with ZAP instead")
    public static var ipcFilterGroupID: SocketOption<UInt32> {
        .unsigned32("ZMQ_IPC_FILTER_GID", ZMQ_IPC_FILTER_GID, .write)
    }
}

// MARK: - Pattern-specific

extension SocketOption where Value == [UInt8] {
    /// Adds a subscription: receive messages whose first frame starts with these bytes
    /// (`ZMQ_SUBSCRIBE`). Empty subscribes to everything. Write-only.
    ///
    /// For SUB sockets (and XPUB sockets in ``xpubManual`` mode). A new SUB socket receives
    /// nothing until it subscribes.
    public static var subscribe: SocketOption<[UInt8]> {
        .bytes("ZMQ_SUBSCRIBE", ZMQ_SUBSCRIBE, .write, maximumLength: 65536)
    }

    /// Removes one earlier, identical subscription (`ZMQ_UNSUBSCRIBE`). Write-only.
    ///
    /// For SUB sockets (and XPUB sockets in ``xpubManual`` mode).
    public static var unsubscribe: SocketOption<[UInt8]> {
        .bytes("ZMQ_UNSUBSCRIBE", ZMQ_UNSUBSCRIBE, .write, maximumLength: 65536)
    }

    /// The message an XPUB socket sends to every new subscriber (`ZMQ_XPUB_WELCOME_MSG`).
    /// Empty turns it off. Default: none. Write-only.
    ///
    /// The subscriber must subscribe to it to receive it.
    public static var xpubWelcomeMessage: SocketOption<[UInt8]> {
        .bytes("ZMQ_XPUB_WELCOME_MSG", ZMQ_XPUB_WELCOME_MSG, .write, maximumLength: 65536)
    }

    /// The routing id the next `connect` gives its peer (`ZMQ_CONNECT_ROUTING_ID`), so that
    /// messages can be sent to it at once. 1 to 255 bytes, not starting with a zero byte, and
    /// unique on the socket. Applies to the next connect only. Write-only.
    ///
    /// For ROUTER and STREAM sockets.
    public static var connectRoutingID: SocketOption<[UInt8]> {
        .boundedBytes("ZMQ_CONNECT_ROUTING_ID", ZMQ_CONNECT_ROUTING_ID, .write, lengths: 1...255, readLength: 255)
    }
}

extension SocketOption where Value == Bool {
    /// Whether a PUB, XPUB, SUB or XSUB socket inverts prefix matching, delivering only
    /// messages that match no subscription (`ZMQ_INVERT_MATCHING`). Publishers and subscribers
    /// must agree. Default `false`.
    public static var invertMatching: SocketOption<Bool> {
        .flag("ZMQ_INVERT_MATCHING", ZMQ_INVERT_MATCHING, .readWrite)
    }

    /// Whether an XPUB socket passes every subscribe message up to the application, not only
    /// new ones (`ZMQ_XPUB_VERBOSE`). Default `false`. Write-only.
    public static var xpubVerbose: SocketOption<Bool> {
        .flag("ZMQ_XPUB_VERBOSE", ZMQ_XPUB_VERBOSE, .write)
    }

    /// Whether an XPUB socket passes every subscribe and unsubscribe message up to the
    /// application (`ZMQ_XPUB_VERBOSER`). Default `false`. Write-only.
    public static var xpubVerboser: SocketOption<Bool> {
        .flag("ZMQ_XPUB_VERBOSER", ZMQ_XPUB_VERBOSER, .write)
    }

    /// Whether an XPUB socket fails sends with `EAGAIN` when a subscriber reaches its
    /// high-water mark, instead of dropping the message (`ZMQ_XPUB_NODROP`). Default `false`.
    /// Write-only.
    public static var xpubNoDrop: SocketOption<Bool> {
        .flag("ZMQ_XPUB_NODROP", ZMQ_XPUB_NODROP, .write)
    }

    /// Whether an XPUB socket leaves subscriptions to the application, which applies them with
    /// ``subscribe`` and ``unsubscribe`` after reading them (`ZMQ_XPUB_MANUAL`). Default
    /// `false`. Write-only.
    public static var xpubManual: SocketOption<Bool> {
        .flag("ZMQ_XPUB_MANUAL", ZMQ_XPUB_MANUAL, .write)
    }

    /// Whether a ROUTER socket fails sends to unknown routing ids with `EHOSTUNREACH` (and
    /// blocks or fails with `EAGAIN` at the high-water mark) instead of silently dropping them
    /// (`ZMQ_ROUTER_MANDATORY`). Default `false`. Write-only.
    public static var routerMandatory: SocketOption<Bool> {
        .flag("ZMQ_ROUTER_MANDATORY", ZMQ_ROUTER_MANDATORY, .write)
    }

    /// Whether a ROUTER socket hands a routing id over to a new peer that claims it, closing
    /// the old connection, instead of rejecting the newcomer (`ZMQ_ROUTER_HANDOVER`). Default
    /// `false`. Write-only.
    public static var routerHandover: SocketOption<Bool> {
        .flag("ZMQ_ROUTER_HANDOVER", ZMQ_ROUTER_HANDOVER, .write)
    }

    /// Whether a ROUTER socket works in raw mode, exchanging bare TCP data without ZMTP
    /// (`ZMQ_ROUTER_RAW`). Default `false`. Write-only.
    @available(*, deprecated, message: "ZMQ_ROUTER_RAW is deprecated in libzmq; use a STREAM socket")
    public static var routerRaw: SocketOption<Bool> {
        .flag("ZMQ_ROUTER_RAW", ZMQ_ROUTER_RAW, .write)
    }

    /// Whether a ROUTER, DEALER or REQ socket sends an empty message to each new peer when the
    /// connection is made, so a ROUTER learns of the peer at once (`ZMQ_PROBE_ROUTER`). Only
    /// for sockets that talk to ROUTER sockets. Default `false`. Write-only.
    public static var probeRouter: SocketOption<Bool> {
        .flag("ZMQ_PROBE_ROUTER", ZMQ_PROBE_ROUTER, .write)
    }

    /// Whether a REQ socket tags requests with an id and drops replies that do not match the
    /// latest request (`ZMQ_REQ_CORRELATE`). Default `false`. Write-only.
    public static var requestCorrelate: SocketOption<Bool> {
        .flag("ZMQ_REQ_CORRELATE", ZMQ_REQ_CORRELATE, .write)
    }

    /// Whether a REQ socket may send a new request before the reply to the last one arrives,
    /// abandoning it (`ZMQ_REQ_RELAXED`). Usually set with ``requestCorrelate``. Default
    /// `false`. Write-only.
    public static var requestRelaxed: SocketOption<Bool> {
        .flag("ZMQ_REQ_RELAXED", ZMQ_REQ_RELAXED, .write)
    }

    /// Whether a STREAM socket delivers an empty message when a peer connects or disconnects
    /// (`ZMQ_STREAM_NOTIFY`). Default `true`. Write-only.
    public static var streamNotify: SocketOption<Bool> {
        .flag("ZMQ_STREAM_NOTIFY", ZMQ_STREAM_NOTIFY, .write)
    }
}

// MARK: - Multicast (PGM, EPGM, UDP)

extension SocketOption where Value == Int {
    /// The most data a multicast transport sends or receives per second, in kilobits per
    /// second (`ZMQ_RATE`). Default 100 kbit/s.
    public static var rate: SocketOption<Int> {
        .int("ZMQ_RATE", ZMQ_RATE, .readWrite, range: 1...Int(Int32.max))
    }

    /// The time-to-live (hop limit) of multicast packets (`ZMQ_MULTICAST_HOPS`). Default 1:
    /// packets stay on the local network.
    public static var multicastHops: SocketOption<Int> {
        .int("ZMQ_MULTICAST_HOPS", ZMQ_MULTICAST_HOPS, .readWrite, range: 1...Int(Int32.max))
    }

    /// The largest transport data unit a multicast transport uses, in bytes
    /// (`ZMQ_MULTICAST_MAXTPDU`). Default 1500.
    public static var multicastMaximumTransportDataUnit: SocketOption<Int> {
        .int("ZMQ_MULTICAST_MAXTPDU", ZMQ_MULTICAST_MAXTPDU, .readWrite, range: 1...Int(Int32.max))
    }
}

extension SocketOption where Value == Duration {
    /// How long a receiver may be away from a multicast group before data it missed can no
    /// longer be recovered (`ZMQ_RECOVERY_IVL`), in milliseconds. Default 10 seconds.
    ///
    /// The data for recovery is held in memory: a minute at 1 Gbit/s needs about 7 GB.
    public static var recoveryInterval: SocketOption<Duration> {
        .milliseconds("ZMQ_RECOVERY_IVL", ZMQ_RECOVERY_IVL, .readWrite)
    }
}

// MARK: - Security: PLAIN

extension SocketOption where Value == Bool {
    /// Whether the socket is a PLAIN server, checking client credentials through ZAP
    /// (`ZMQ_PLAIN_SERVER`). Setting it to `false` resets the socket to the NULL mechanism.
    /// Reads `true` only while the mechanism is PLAIN. Default `false`.
    public static var plainServer: SocketOption<Bool> {
        .flag("ZMQ_PLAIN_SERVER", ZMQ_PLAIN_SERVER, .readWrite)
    }
}

extension SocketOption where Value == String {
    /// The user name a PLAIN client sends (`ZMQ_PLAIN_USERNAME`); setting it makes the socket
    /// a PLAIN client. Up to 255 bytes; an empty value returns the socket to the NULL
    /// mechanism. Default: none.
    public static var plainUsername: SocketOption<String> {
        .string("ZMQ_PLAIN_USERNAME", ZMQ_PLAIN_USERNAME, .readWrite, maximumLength: 255)
    }

    /// The password a PLAIN client sends (`ZMQ_PLAIN_PASSWORD`); setting it makes the socket a
    /// PLAIN client. Up to 255 bytes; an empty value returns the socket to the NULL
    /// mechanism. Default: none.
    ///
    /// PLAIN sends it in clear text.
    public static var plainPassword: SocketOption<String> {
        .string("ZMQ_PLAIN_PASSWORD", ZMQ_PLAIN_PASSWORD, .readWrite, maximumLength: 255)
    }
}

// MARK: - Security: CURVE

extension SocketOption where Value == Bool {
    /// Whether the socket is a CURVE server (`ZMQ_CURVE_SERVER`); a server also needs
    /// ``curveSecretKey``. Setting it to `false` resets the socket to the NULL mechanism. Reads
    /// `true` only while the mechanism is CURVE. Default `false`.
    public static var curveServer: SocketOption<Bool> {
        .flag("ZMQ_CURVE_SERVER", ZMQ_CURVE_SERVER, .readWrite)
    }
}

extension SocketOption where Value == [UInt8] {
    /// The socket's long-term CURVE public key (`ZMQ_CURVE_PUBLICKEY`); clients must set it.
    ///
    /// Write 32 bytes of binary key or the 40 characters of its Z85 text (as UTF-8); reading
    /// always returns the 32 binary bytes (all zeros when unset). Default: none.
    public static var curvePublicKey: SocketOption<[UInt8]> {
        .curveKey("ZMQ_CURVE_PUBLICKEY", ZMQ_CURVE_PUBLICKEY)
    }

    /// The socket's long-term CURVE secret key (`ZMQ_CURVE_SECRETKEY`); clients and servers
    /// must set it.
    ///
    /// Write 32 bytes of binary key or the 40 characters of its Z85 text (as UTF-8); reading
    /// always returns the 32 binary bytes (all zeros when unset). Default: none.
    public static var curveSecretKey: SocketOption<[UInt8]> {
        .curveKey("ZMQ_CURVE_SECRETKEY", ZMQ_CURVE_SECRETKEY)
    }

    /// The server's long-term CURVE public key, which a client must know
    /// (`ZMQ_CURVE_SERVERKEY`); setting it makes the socket a CURVE client.
    ///
    /// Write 32 bytes of binary key or the 40 characters of its Z85 text (as UTF-8); reading
    /// always returns the 32 binary bytes (all zeros when unset). Default: none.
    public static var curveServerKey: SocketOption<[UInt8]> {
        .curveKey("ZMQ_CURVE_SERVERKEY", ZMQ_CURVE_SERVERKEY)
    }
}

// MARK: - Security: GSSAPI

extension SocketOption where Value == Bool {
    /// Whether the socket is a GSSAPI server rather than client (`ZMQ_GSSAPI_SERVER`).
    /// Setting it selects the GSSAPI mechanism. Reads `true` only while the mechanism is
    /// GSSAPI. Default `false`.
    public static var gssapiServer: SocketOption<Bool> {
        .flag("ZMQ_GSSAPI_SERVER", ZMQ_GSSAPI_SERVER, .readWrite)
    }

    /// Whether GSSAPI traffic is sent unencrypted (`ZMQ_GSSAPI_PLAINTEXT`). Default `false`
    /// (encrypted).
    public static var gssapiPlaintext: SocketOption<Bool> {
        .flag("ZMQ_GSSAPI_PLAINTEXT", ZMQ_GSSAPI_PLAINTEXT, .readWrite)
    }
}

extension SocketOption where Value == String {
    /// The principal whose GSSAPI credentials the socket acquires (`ZMQ_GSSAPI_PRINCIPAL`).
    /// Setting it selects the GSSAPI mechanism. 1 to 255 bytes. Default: none.
    public static var gssapiPrincipal: SocketOption<String> {
        .string("ZMQ_GSSAPI_PRINCIPAL", ZMQ_GSSAPI_PRINCIPAL, .readWrite, maximumLength: 255)
    }

    /// The principal of the GSSAPI server a client connects to
    /// (`ZMQ_GSSAPI_SERVICE_PRINCIPAL`). Setting it makes the socket a GSSAPI client. 1 to 255
    /// bytes. Default: none.
    public static var gssapiServicePrincipal: SocketOption<String> {
        .string("ZMQ_GSSAPI_SERVICE_PRINCIPAL", ZMQ_GSSAPI_SERVICE_PRINCIPAL, .readWrite, maximumLength: 255)
    }
}

extension SocketOption where Value == Int {
    /// How ``gssapiPrincipal`` is interpreted (`ZMQ_GSSAPI_PRINCIPAL_NAMETYPE`): 0 a host-based
    /// service name (`ZMQ_GSSAPI_NT_HOSTBASED`), 1 a user name (`ZMQ_GSSAPI_NT_USER_NAME`),
    /// 2 a Kerberos principal (`ZMQ_GSSAPI_NT_KRB5_PRINCIPAL`). Default 0.
    public static var gssapiPrincipalNameType: SocketOption<Int> {
        .int("ZMQ_GSSAPI_PRINCIPAL_NAMETYPE", ZMQ_GSSAPI_PRINCIPAL_NAMETYPE, .readWrite, range: 0...2)
    }

    /// How ``gssapiServicePrincipal`` is interpreted
    /// (`ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE`): 0 host-based, 1 user name, 2 Kerberos
    /// principal, as for ``gssapiPrincipalNameType``. Default 0.
    public static var gssapiServicePrincipalNameType: SocketOption<Int> {
        .int(
            "ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE", ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, .readWrite,
            range: 0...2
        )
    }
}

// MARK: - Security: ZAP

extension SocketOption where Value == String {
    /// The ZAP authentication domain the socket's connections are checked in
    /// (`ZMQ_ZAP_DOMAIN`). Up to 255 bytes; an empty value clears it. Default: empty.
    ///
    /// With the NULL mechanism, ZAP is consulted only when a domain is set.
    public static var zapDomain: SocketOption<String> {
        .string("ZMQ_ZAP_DOMAIN", ZMQ_ZAP_DOMAIN, .readWrite, maximumLength: 255)
    }
}

// MARK: - Read-only state

extension SocketOption where Value == Int {
    /// The socket's libzmq type number (`ZMQ_TYPE`), as in ``SocketType/rawValue``: 0 PAIR,
    /// 1 PUB, 2 SUB, 3 REQ, 4 REP, 5 DEALER, 6 ROUTER, 7 PULL, 8 PUSH, 9 XPUB, 10 XSUB,
    /// 11 STREAM. Read-only.
    public static var type: SocketOption<Int> {
        .int("ZMQ_TYPE", ZMQ_TYPE, .read)
    }

    /// The security mechanism in use (`ZMQ_MECHANISM`): 0 NULL (`ZMQ_NULL`), 1 PLAIN
    /// (`ZMQ_PLAIN`), 2 CURVE (`ZMQ_CURVE`), 3 GSSAPI (`ZMQ_GSSAPI`). Follows the last security
    /// option set. Default 0. Read-only.
    public static var mechanism: SocketOption<Int> {
        .int("ZMQ_MECHANISM", ZMQ_MECHANISM, .read)
    }
}

extension SocketOption where Value == Bool {
    /// Whether the frame last received has more frames of the same message after it
    /// (`ZMQ_RCVMORE`). Read-only.
    public static var receiveMore: SocketOption<Bool> {
        .flag("ZMQ_RCVMORE", ZMQ_RCVMORE, .read)
    }

    /// Whether the socket may be used from several threads at once (`ZMQ_THREAD_SAFE`). Only
    /// the draft socket types are, so it is always `false` here. Read-only.
    public static var threadSafe: SocketOption<Bool> {
        .flag("ZMQ_THREAD_SAFE", ZMQ_THREAD_SAFE, .read)
    }
}

extension SocketOption where Value == String {
    /// The endpoint last bound or connected (`ZMQ_LAST_ENDPOINT`), with wildcards resolved,
    /// such as `"tcp://127.0.0.1:41234"` after binding `"tcp://127.0.0.1:*"`. Empty before
    /// any. Read-only.
    public static var lastEndpoint: SocketOption<String> {
        .string("ZMQ_LAST_ENDPOINT", ZMQ_LAST_ENDPOINT, .read, maximumLength: 1024)
    }
}

// MARK: - Building blocks used only by this catalog

/// Converts a duration to libzmq's whole milliseconds, rejecting negative and too long values.
private func encodeMilliseconds(_ value: Duration, maximum: Int64) throws(OptionValueError) -> RawOptionValue {
    guard value >= .zero else { throw OptionValueError(reason: "\(value) is negative") }
    let millis = value.wholeMilliseconds
    guard millis <= maximum else {
        throw OptionValueError(reason: "\(value) is longer than \(maximum) ms")
    }
    return .int32(Int32(millis))
}

extension SocketOption where Value == [UInt8] {
    /// A binary option whose length must lie in `lengths`.
    fileprivate static func boundedBytes(
        _ name: String, _ code: Int32, _ access: Access, lengths: ClosedRange<Int>, readLength: Int
    ) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .bytes(maximumLength: readLength),
            encode: { value throws(OptionValueError) in
                guard lengths.contains(value.count) else {
                    throw OptionValueError(
                        reason: "\(value.count) bytes is outside \(lengths.lowerBound)...\(lengths.upperBound) bytes"
                    )
                }
                return .bytes(value)
            },
            decode: { raw in
                if case .bytes(let value) = raw { return value }
                return []
            }
        )
    }

    /// A CURVE key: written as 32 binary bytes or 40 Z85 characters (sent to libzmq with a
    /// trailing NUL, its preferred form); read back as 32 binary bytes.
    ///
    /// libzmq returns a key only into a buffer of exactly 32 bytes (binary) or 41 bytes (Z85
    /// text and NUL). Reading asks for text (40 characters plus NUL) and decodes it here.
    fileprivate static func curveKey(_ name: String, _ code: Int32) -> Self {
        SocketOption(
            name: name, code: code, access: .readWrite, kind: .string(maximumLength: CurvePublicKey.z85Length),
            encode: { key throws(OptionValueError) in
                switch key.count {
                case 32:
                    return .bytes(key)
                case CurvePublicKey.z85Length:
                    guard case .success = Z85Codec.decode(String(decoding: key, as: UTF8.self)) else {
                        throw OptionValueError(reason: "the 40-character key is not valid Z85 text")
                    }
                    return .bytes(key + [0])
                default:
                    throw OptionValueError(
                        reason: "a CURVE key is 32 binary bytes or 40 Z85 characters, not \(key.count) bytes"
                    )
                }
            },
            decode: { raw in
                guard case .bytes(var text) = raw else { return [] }
                if text.last == 0 { text.removeLast() }
                return (try? Z85Codec.decode(String(decoding: text, as: UTF8.self)).get()) ?? []
            }
        )
    }
}

extension SocketOption where Value == Duration? {
    /// An `int` option in whole seconds where `-1` means "leave the OS default", written as
    /// `nil`. Values below one second are rejected; fractions of a second are dropped.
    fileprivate static func optionalSeconds(_ name: String, _ code: Int32, _ access: Access) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .int32,
            encode: { value throws(OptionValueError) in
                guard let value else { return .int32(-1) }
                guard value >= .seconds(1) else {
                    throw OptionValueError(reason: "\(value) is shorter than 1 second; use nil for the OS default")
                }
                let seconds = value.components.seconds
                guard seconds <= Int64(Int32.max) else { throw OptionValueError(reason: "\(value) is too long") }
                return .int32(Int32(seconds))
            },
            decode: { raw in
                if case .int32(let value) = raw, value >= 0 { return .seconds(Int64(value)) }
                return nil
            }
        )
    }
}

extension SocketOption where Value == UInt32 {
    /// A 32-bit unsigned option (`uid_t`, `gid_t`), passed to libzmq as 4 bytes.
    fileprivate static func unsigned32(_ name: String, _ code: Int32, _ access: Access) -> Self {
        SocketOption(
            name: name, code: code, access: access, kind: .int32,
            encode: { value throws(OptionValueError) in .int32(Int32(bitPattern: value)) },
            decode: { raw in
                if case .int32(let value) = raw { return UInt32(bitPattern: value) }
                return 0
            }
        )
    }
}
