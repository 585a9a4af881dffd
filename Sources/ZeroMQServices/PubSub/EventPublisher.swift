import Logging
import ServiceLifecycle
import ZeroMQ

/// Publishes typed events on a PUB socket, each under a topic derived from the event.
///
/// Each event goes out as `[topic] [body …]`: the topic frame (UTF-8) is what subscribers'
/// prefixes match, the body is the encoder's frames (see Docs/WireProtocol.md).
///
/// ```swift
/// let publisher = try await EventPublisher<Weather>(context, endpoints: [.bind("tcp://*:5556")], topic: \.zipcode)
/// try await publisher.publish(Weather(zipcode: "10001", temperature: 21, humidity: 40))
/// ```
///
/// Like any PUB socket it drops events that no subscriber has asked for, and events for a
/// subscriber beyond its high-water mark; a subscriber that joins late misses what came before.
///
/// - Lifecycle: events can be published as soon as the publisher is made. As a
///   swift-service-lifecycle `Service`, ``run()`` holds it open until graceful shutdown (of its
///   `ServiceGroup`, or ``beginGracefulShutdown()``), then closes it; without a `ServiceGroup`,
///   call ``close()`` when done. Once a shutdown was asked for, ``publish(_:)`` throws
///   ``/ZeroMQ/ZeroMQError/Code-swift.struct/socketClosed``. `run()` is called once (the
///   lifecycle every service of this module shares: Docs/TypedMessaging.md, *Lifecycle*).
public final class EventPublisher<Event: Sendable>: Service, Sendable {
    /// The endpoints the publisher binds, as libzmq resolved them, then those it connects to.
    public let boundEndpoints: [String]

    /// Internal, not private: the lifecycle tests check that it is closed.
    let socket: PubSocket
    private let encoder: any MessageEncoder<Event>
    private let topic: @Sendable (Event) -> String
    private let lifecycle: RunUntilShutdown

    /// Makes a publisher on `endpoints` that encodes events with `encoder`.
    ///
    /// - Parameters:
    ///   - context: the context whose loop runs the socket.
    ///   - endpoints: where to bind (subscribers connect here) or whom to connect to (a
    ///     Forwarder's frontend); at least one.
    ///   - encoder: how events become frames.
    ///   - topic: the topic of an event; a key path such as `\.zipcode` works.
    ///   - hardening: heartbeats, handshake bound and message size limit of each connection
    ///     (default ``/ZeroMQ/ConnectionHardening/standard``); `nil` keeps libzmq's defaults.
    ///   - security: how the connections are secured (default ``/ZeroMQ/SocketSecurity/null``), set
    ///     before binding: `.curveServer(keys:)` with a ``/ZeroMQ/ZAPAuthenticator`` deciding which
    ///     subscribers get in; a refused subscriber receives nothing.
    /// - Throws: ``/ZeroMQ/ZeroMQError`` when an endpoint cannot be bound or connected, when
    ///   `endpoints` is empty, or when `security` is refused (see ``/ZeroMQ/Socket/setSecurity(_:)``).
    public init(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        encoder: some MessageEncoder<Event>,
        topic: @escaping @Sendable (Event) -> String,
        hardening: ConnectionHardening? = .standard,
        security: SocketSecurity = .null
    ) async throws {
        guard !endpoints.isEmpty else {
            throw ZeroMQError(
                code: .invalidArgument, operation: "EventPublisher.init", reason: "a publisher needs at least one endpoint"
            )
        }
        let socket = try PubSocket(context)
        do {
            if security != .null { try await socket.setSecurity(security) }
            if let hardening { try await socket.apply(hardening) }
            self.boundEndpoints = try await socket.use(endpoints)
        } catch {
            await socket.close()
            throw error
        }
        self.socket = socket
        self.encoder = encoder
        self.topic = topic
        self.lifecycle = RunUntilShutdown("the event publisher", endpoints: boundEndpoints)
    }

    /// Publishes `event` under its topic.
    ///
    /// Returns once the socket has queued it; a PUB socket never waits for subscribers.
    ///
    /// - Throws: the encoder's error (nothing is sent), or ``/ZeroMQ/ZeroMQError`` when the publisher
    ///   is closed or shutting down (``/ZeroMQ/ZeroMQError/Code-swift.struct/socketClosed``).
    public func publish(_ event: Event) async throws {
        guard lifecycle.acceptsWork else {
            throw ZeroMQError(
                code: .socketClosed, operation: "publish", endpoint: boundEndpoints.joined(separator: ","),
                reason: "the event publisher is shutting down or closed"
            )
        }
        var frames = [Frame(topic(event))]
        frames.append(contentsOf: try encoder.encode(event))
        try await socket.send(Message(frames: frames))
    }

    /// Holds the publisher open until graceful shutdown, then closes it.
    ///
    /// Ends on the graceful shutdown of its `ServiceGroup`, on ``beginGracefulShutdown()`` or
    /// ``close()``, or when its task is cancelled. After a shutdown asked for before it,
    /// `run()` closes the publisher and returns at once.
    ///
    /// - Throws: ``/ZeroMQ/ZeroMQError/Code-swift.struct/invalidState`` when `run()` runs or ran
    ///   already.
    public func run() async throws {
        let socket = self.socket
        try await lifecycle.run(thenRelease: { await socket.close() })
    }

    /// Starts a graceful shutdown: new events are refused, and ``run()`` closes the publisher
    /// and returns. Safe to call from anywhere, more than once, before or during `run()`.
    public func beginGracefulShutdown() {
        lifecycle.beginShutdown()
    }

    /// Closes the socket now (and ends ``run()``). Events already queued leave within the
    /// socket's linger.
    public func close() async {
        lifecycle.beginShutdown()
        await socket.close()
    }
}

extension EventPublisher where Event: Encodable {
    /// Makes a publisher on `endpoints` that sends JSON (``JSONCodec``).
    ///
    /// - Throws: as ``init(_:endpoints:encoder:topic:hardening:security:)``.
    public convenience init(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        topic: @escaping @Sendable (Event) -> String,
        hardening: ConnectionHardening? = .standard,
        security: SocketSecurity = .null
    ) async throws {
        try await self.init(
            context, endpoints: endpoints, encoder: JSONCodec<Event>(), topic: topic,
            hardening: hardening, security: security
        )
    }
}
