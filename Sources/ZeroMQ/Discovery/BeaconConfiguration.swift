/// Where a ``Beacon`` sends and listens, how often, and how long a silent peer is kept.
public struct BeaconConfiguration: Sendable {
    /// The UDP port beacons use unless told otherwise: 5679.
    ///
    /// Near ZRE's 5670 (czmq's Zyre) but not on it, so the two never share a port by default.
    public static let defaultPort: UInt16 = 5679

    /// The UDP port to send to and listen on; every beacon of a system uses the same one.
    /// 0 binds any free port (read it back from ``Beacon/port``; for tests). Default: 5679.
    public var port: UInt16 = defaultPort

    /// Where datagrams are sent: the limited broadcast `255.255.255.255` (the default; it
    /// needs a route, which a host without a default route or an address on the link may lack:
    /// then sending fails with `ENETUNREACH`), a subnet's broadcast address (`10.0.0.255`, which
    /// picks the interface), or `127.255.255.255` for loopback only (every beacon on the host,
    /// nothing leaves it). A unicast address also works, for one listener only.
    public var broadcastAddress = "255.255.255.255"

    /// The local IPv4 address the UDP socket binds to. Keep the default `0.0.0.0`: on Linux a
    /// socket bound to an interface's own address does not receive broadcasts.
    public var listenAddress = "0.0.0.0"

    /// How often an announcement is sent. Default: 1 second.
    public var interval: Duration = .seconds(1)

    /// How long a peer may stay silent before it is reported lost. Default: 5 seconds (five
    /// intervals: one or two lost datagrams lose no peer). Keep it several times the interval
    /// of the beacons you listen to.
    public var silenceTimeout: Duration = .seconds(5)

    /// Whether the beacon ignores the datagrams it sent itself (they come back to it, as to
    /// every listener on the port). Default: `true`.
    public var ignoresOwnBeacons = true

    /// The most peers held at once; beacons from further peers are ignored (and counted in
    /// ``BeaconStatistics/ignoredFull``) until some are lost. Default: 1024.
    public var maximumPeers = 1024

    /// The default configuration.
    public init() {}

    /// A configuration with the given port, destination and timing.
    public init(
        port: UInt16 = defaultPort,
        broadcastAddress: String = "255.255.255.255",
        interval: Duration = .seconds(1),
        silenceTimeout: Duration = .seconds(5)
    ) {
        self.port = port
        self.broadcastAddress = broadcastAddress
        self.interval = interval
        self.silenceTimeout = silenceTimeout
    }
}

/// What a ``Beacon`` announces: a service name, the TCP port it listens on, and optionally its
/// CURVE public key.
public struct BeaconAnnouncement: Sendable, Hashable {
    /// The name listeners look for (1 to 255 UTF-8 bytes, no control characters).
    public var serviceName: String
    /// The TCP port of the service, at the address the beacon is sent from.
    public var port: UInt16
    /// The service's CURVE public key, 32 raw bytes, or `nil`.
    public var publicKey: [UInt8]?

    /// An announcement of `serviceName` on `port`, with an optional 32-byte public key.
    public init(serviceName: String, port: UInt16, publicKey: [UInt8]? = nil) {
        self.serviceName = serviceName
        self.port = port
        self.publicKey = publicKey
    }

    /// An announcement of `serviceName` on the port of a bound TCP endpoint, such as one of
    /// `RequestService.boundEndpoints` (`tcp://0.0.0.0:41234`).
    ///
    /// - Throws: ``ZeroMQError/Code-swift.struct/invalidEndpoint`` when `endpoint` is not
    ///   `tcp://HOST:PORT` with a numeric port.
    public init(serviceName: String, endpoint: String, publicKey: [UInt8]? = nil) throws(ZeroMQError) {
        guard endpoint.hasPrefix("tcp://"), let colon = endpoint.lastIndex(of: ":"),
            let port = UInt16(endpoint[endpoint.index(after: colon)...]), port != 0
        else {
            throw ZeroMQError(
                code: .invalidEndpoint, operation: "announce", endpoint: endpoint,
                reason: "a beacon announces a tcp://HOST:PORT endpoint with a numeric port"
            )
        }
        self.init(serviceName: serviceName, port: port, publicKey: publicKey)
    }
}

/// What a ``Beacon`` has sent and received since it was made.
public struct BeaconStatistics: Sendable, Hashable {
    /// Datagrams sent (announcements and goodbyes).
    public var sent = 0
    /// Sends that failed (`ENETUNREACH` without a route, say); the first is logged as a warning.
    public var sendFailures = 0
    /// Datagrams received, valid or not, own ones included.
    public var received = 0
    /// Datagrams that were not valid beacons (foreign, truncated, malformed).
    public var rejected = 0
    /// This beacon's own datagrams, ignored.
    public var ignoredOwn = 0
    /// Beacons from new peers ignored because the table was full.
    public var ignoredFull = 0

    /// All zero.
    public init() {}
}
