import CoreMetrics
import ZeroMQ

/// How a ``RequestClient`` times, retries and reports its requests.
public struct RequestClientConfiguration: Sendable {
    /// How long one attempt may take: to hand the request to a connected peer, and then for
    /// the reply. A call may override it. Default: 5 seconds.
    public var timeout: Duration = .seconds(5)

    /// When to try again (default: ``RetryPolicy/none``).
    public var retryPolicy: RetryPolicy = .none

    /// Heartbeats, handshake bound and message size limit of each connection (default
    /// ``/ZeroMQ/ConnectionHardening/standard``: a frozen or vanished service is noticed within about
    /// 20 s, and attempts then fail over instead of waiting on it); `nil` keeps libzmq's
    /// defaults (no heartbeats). See Docs/Monitoring.md.
    public var connectionHardening: ConnectionHardening? = .standard

    /// Where the client's metrics go; `nil` (the default) uses `MetricsSystem.factory`, the
    /// one the process bootstrapped.
    public var metricsFactory: (any MetricsFactory)?

    /// Dimensions added to every metric of the client, such as `[("client", "billing")]`.
    public var metricsDimensions: [(String, String)] = []

    /// Find services by name on the LAN with a ``/ZeroMQ/Beacon`` and connect to them as they are
    /// discovered (disconnecting those lost), besides the fixed endpoints if any. `nil` (the
    /// default): only the fixed endpoints. See ``RequestClientDiscovery``.
    public var discovery: RequestClientDiscovery?

    /// Whether each attempt tells the service how long the client will wait for its reply
    /// (`zmq-timeout-us` in the request's metadata frame, Docs/WireProtocol.md): a
    /// ``RequestService`` then does not start a handler whose caller has given up, and cancels
    /// one still running when that time is up. Default: true. Off, a request carries a metadata
    /// frame only when the call passes headers.
    public var propagatesDeadline = true

    /// Makes the default configuration.
    public init() {}

    /// Makes a configuration with the given timeout and retry policy.
    public init(timeout: Duration, retryPolicy: RetryPolicy = .none) {
        self.timeout = timeout
        self.retryPolicy = retryPolicy
    }

    /// How the client's connections are secured (default ``/ZeroMQ/SocketSecurity/null``): set on every
    /// socket before it connects, such as
    /// `.curveClient(serverKey: serviceKey, clientKeys: myKeys)` or
    /// `.plain(username: "alice", password: secret)`. A handshake the service refuses never
    /// completes, so calls fail with ``RequestError/Code-swift.struct/unreachable`` after their
    /// timeout, with the failed handshake as ``RequestError/underlying``. See
    /// Docs/TypedMessaging.md, "Secure services".
    public var security: SocketSecurity = .null
}
