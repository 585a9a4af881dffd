import CZeroMQ

// Part of the socket option catalog (SocketOption+Catalog.swift, this folder): what belongs to one
// transport: TCP and IPC, and multicast (PGM, EPGM, UDP).

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
