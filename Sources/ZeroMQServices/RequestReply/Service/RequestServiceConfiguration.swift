import CoreMetrics
import ZeroMQ

/// How a ``RequestService`` bounds and reports its work.
public struct RequestServiceConfiguration: Sendable {
    /// How many requests the handler may work on at once (default 64). At the limit the
    /// service stops reading: further requests wait in libzmq, whose high-water mark then
    /// pushes back on clients.
    public var maximumConcurrentRequests: Int = 64

    /// Whether the handler runs on the service's poll loop instead of the global executor
    /// (default `false`).
    ///
    /// On the loop a request costs no thread hop: decoding, the handler, encoding and the reply
    /// all run where the request was read, which cuts the service's share of a round trip by
    /// two thread wake-ups (see Docs/Performance.md). But the loop runs every socket on it one
    /// job at a time, so turn this on only for handlers that are quick and never block: a
    /// handler that computes for a millisecond delays every socket of the loop by as much.
    /// A synchronous handler can go further: ``RequestService/LoopHandler`` runs it without a
    /// task per request (this setting does not apply to it).
    public var runsHandlersOnLoop = false

    /// How long a server stream waits for its caller's credit before the service ends it
    /// with a ``RemoteError/streamStalledCode`` error and cancels its handler (default 60 s;
    /// `nil`: as long as the stream's deadline, or for ever without one).
    ///
    /// A caller that crashed or lost its connection sends neither credit nor a cancel. A
    /// ``RequestClient`` sends its deadline with every stream, so its streams end then anyway;
    /// this bounds the streams of callers that send none. A waiting stream holds no
    /// ``maximumConcurrentRequests`` slot, but its handler's task and sequence stay in memory
    /// (at most ``maximumStreams`` of them).
    public var streamCreditTimeout: Duration? = .seconds(60)

    /// How many server streams may be open at once (default 1 024; at least 1). A request that
    /// would open one more gets a ``RemoteError/tooManyStreamsCode`` error at once, without
    /// running the handler (counted as `too_many_streams`).
    ///
    /// A stream waiting for its caller's credit holds no ``maximumConcurrentRequests`` slot,
    /// so without this bound callers that open streams and read nothing (a flood of opens, say)
    /// would keep as many handlers in memory as they liked, each until
    /// ``streamCreditTimeout``. Each open stream costs its handler's task and sequence.
    public var maximumStreams: Int = 1_024

    /// How many responses the server streams of one client connection may have granted at once
    /// (default 4 096; at least 1): the credits their callers opened them with, added up. A
    /// request whose credit would pass it gets a ``RemoteError/tooManyStreamsCode`` error at
    /// once, without running the handler (counted as `too_many_streams`).
    ///
    /// A stream never has more responses on their way to its caller than the credit it was
    /// opened with, so this bounds what the service queues for one connection. The service
    /// sets its socket's send high-water mark (``/ZeroMQ/SocketOption/sendHighWaterMark``) to
    /// this plus libzmq's default 1 000, so that no response is dropped: beyond its high-water
    /// mark a ROUTER socket drops messages for a peer that reads more slowly than the service
    /// sends, and a stream missing a response stalls. Each queued response costs its bytes.
    public var maximumStreamCreditPerConnection: Int = 4_096

    /// The largest request message, in bytes, that the service accepts (`ZMQ_MAXMSGSIZE`);
    /// libzmq disconnects a peer that sends a bigger one. `nil` (the default) sets no limit.
    /// When set, it wins over ``connectionHardening``'s limit.
    public var maximumRequestSize: Int?

    /// Heartbeats, handshake bound and message size limit of each client connection (default
    /// ``/ZeroMQ/ConnectionHardening/standard``; ``/ZeroMQ/ConnectionHardening/untrustedNetwork`` where strangers
    /// can connect); `nil` keeps libzmq's defaults. See Docs/Monitoring.md.
    public var connectionHardening: ConnectionHardening? = .standard

    /// Where the service's metrics go; `nil` (the default) uses `MetricsSystem.factory`.
    public var metricsFactory: (any MetricsFactory)?

    /// Dimensions added to every metric of the service, such as `[("service", "calculator")]`.
    public var metricsDimensions: [(String, String)] = []

    /// Makes the default configuration.
    public init() {}

    /// Makes a configuration with the given concurrency limit.
    public init(maximumConcurrentRequests: Int) {
        self.maximumConcurrentRequests = maximumConcurrentRequests
    }

    /// How the service's connections are secured (default ``/ZeroMQ/SocketSecurity/null``): set on the
    /// socket before it binds or connects, such as `.curveServer(keys: serviceKeys)` with a
    /// ``/ZeroMQ/ZAPAuthenticator`` on the context deciding which clients get in. Requests of refused
    /// clients never reach the handler; a handler that takes a ``RequestContext`` reads who an
    /// allowed client is (``RequestContext/userID``). See Docs/TypedMessaging.md, "Secure services".
    public var security: SocketSecurity = .null
}
