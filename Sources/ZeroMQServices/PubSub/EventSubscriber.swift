import Logging
import ServiceLifecycle
import ZeroMQ
import ZeroMQSupport

/// What an ``EventSubscriber`` does with a message it cannot decode.
public enum UndecodableEventPolicy: Sendable, Hashable {
    /// Log it (a warning with the topic and the error) and go on with the next message.
    case skip
    /// End the iteration by throwing an ``UndecodableEventError``; the subscriber stays open
    /// and a new iteration goes on after that message.
    case fail
}

/// A message an ``EventSubscriber`` could not decode (with ``UndecodableEventPolicy/fail``).
public struct UndecodableEventError: Error, Sendable, CustomStringConvertible {
    /// The message's frames, the topic frame first, kept for diagnosis.
    public var frames: [[UInt8]]
    /// The decoder's error, or `nil` when the message had no body frame.
    public var underlying: (any Error)?

    /// The topic frame as text, when it is UTF-8.
    public var topic: String? { frames.first.flatMap { String(validating: $0, as: UTF8.self) } }

    public var description: String {
        "undecodable event on topic \(loggedTopic) (\(frames.count) frames)"
            + (underlying.map { ": \($0)" } ?? ": no body frame")
    }

    /// The topic as logs show it: quoted, control characters escaped (a topic from the network
    /// must not break a log line), at most ``loggedTopicLimit`` characters; `<binary>` when it
    /// is not UTF-8.
    var loggedTopic: String {
        guard let topic else { return "<binary>" }
        var text = "\""
        var scalars = topic.unicodeScalars.makeIterator()
        var shown = 0
        while let scalar = scalars.next() {
            guard shown < Self.loggedTopicLimit else {
                text += "…"
                break
            }
            // C0 and C1 controls, DEL, the line and paragraph separators, quote and backslash.
            let value = scalar.value
            if value < 0x20 || (0x7F..<0xA0).contains(value) || value == 0x2028 || value == 0x2029
                || scalar == "\\" || scalar == "\""
            {
                text += scalar.escaped(asASCII: true)
            } else {
                text.unicodeScalars.append(scalar)
            }
            shown += 1
        }
        return text + "\""
    }

    /// The most characters of a topic a log line shows.
    static let loggedTopicLimit = 64
}

/// Receives typed events from publishers, filtered by topic prefix.
///
/// ```swift
/// let subscriber = try await EventSubscriber<Weather>(
///     context, endpoints: [.connect("tcp://127.0.0.1:5556")], topics: ["10001"]
/// )
/// for try await weather in subscriber.events {
///     print(weather.temperature)
/// }
/// ```
///
/// The events are an `AsyncSequence` with the socket's backpressure: while you do not iterate,
/// messages wait in libzmq up to its high-water mark (beyond it the publisher drops them for
/// this subscriber). A message that does not decode is handled by the chosen
/// ``UndecodableEventPolicy``, never by a crash.
///
/// - Lifecycle: events can be read as soon as the subscriber is made. As a
///   swift-service-lifecycle `Service`, ``run()`` holds it open until graceful shutdown (of its
///   `ServiceGroup`, or ``beginGracefulShutdown()``), then closes it, which ends iterations of
///   ``events``; without a `ServiceGroup`, call ``close()`` when done. `run()` is called once
///   (the lifecycle every service of this module shares: Docs/TypedMessaging.md, *Lifecycle*).
public final class EventSubscriber<Event: Sendable>: Service, Sendable {
    /// The endpoints the subscriber binds, as libzmq resolved them, then those it connects to.
    public let boundEndpoints: [String]

    /// Internal, not private: the lifecycle tests check that it is closed.
    let socket: SubSocket
    private let decoder: any MessageDecoder<Event>
    private let policy: UndecodableEventPolicy
    private let logger: Logger
    /// Skipped events are logged at most once per 10 s (a publisher can send garbage at will).
    private let skippedLog = RateLimitedLog()
    private let lifecycle: RunUntilShutdown

    /// Makes a subscriber that receives events whose topic starts with one of `topics`.
    ///
    /// - Parameters:
    ///   - context: the context whose loop runs the socket.
    ///   - endpoints: publishers to connect to (or an endpoint to bind, for publishers that
    ///     connect); at least one.
    ///   - topics: topic prefixes; `[""]` (the default) receives every event.
    ///   - decoder: how frames become events.
    ///   - onUndecodable: what to do with a message that does not decode (default: skip it).
    ///   - logger: where skipped messages are logged (default: the context's logger), at
    ///     `info`, at most one line per 10 s with the number left out since the last as
    ///     `zmq.suppressed`: a publisher cannot flood the log. Count them all with
    ///     ``UndecodableEventPolicy/fail`` if each matters.
    ///   - hardening: heartbeats, handshake bound and message size limit of each connection
    ///     (default ``/ZeroMQ/ConnectionHardening/standard``: a frozen publisher is noticed and
    ///     reconnected to); `nil` keeps libzmq's defaults.
    ///   - security: how the connections are secured (default ``/ZeroMQ/SocketSecurity/null``), set
    ///     before connecting: `.curveClient(serverKey:clientKeys:)` for a CURVE publisher. ZAP
    ///     authenticates the side that is the CURVE or PLAIN server (usually the publisher, which
    ///     binds): it decides which subscribers get in. The subscriber learns nothing about the
    ///     publisher from ZAP; with CURVE, the handshake proves that the publisher holds the
    ///     secret key of `serverKey`, and that is all.
    /// - Throws: ``/ZeroMQ/ZeroMQError`` when an endpoint cannot be connected or bound, when
    ///   `endpoints` is empty, or when `security` is refused (see ``/ZeroMQ/Socket/setSecurity(_:)``).
    public init(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        topics: [String] = [""],
        decoder: some MessageDecoder<Event>,
        onUndecodable: UndecodableEventPolicy = .skip,
        logger: Logger? = nil,
        hardening: ConnectionHardening? = .standard,
        security: SocketSecurity = .null
    ) async throws {
        guard !endpoints.isEmpty else {
            throw ZeroMQError(
                code: .invalidArgument, operation: "EventSubscriber.init", reason: "a subscriber needs at least one endpoint"
            )
        }
        let socket = try SubSocket(context)
        do {
            if security != .null { try await socket.setSecurity(security) }
            if let hardening { try await socket.apply(hardening) }
            for topic in topics {
                try await socket.subscribe(to: topic)
            }
            self.boundEndpoints = try await socket.use(endpoints)
        } catch {
            await socket.close()
            throw error
        }
        self.socket = socket
        self.decoder = decoder
        self.policy = onUndecodable
        self.logger = logger ?? context.logger
        self.lifecycle = RunUntilShutdown("the event subscriber", endpoints: boundEndpoints)
    }

    /// The decoded events, for `for try await`; the sequence ends when the subscriber closes.
    ///
    /// Iterate from one task at a time. Breaking out loses nothing: the next iteration goes
    /// on where this one stopped.
    public var events: EventSequence<Event> {
        let (decoder, policy, logger, skippedLog) = (decoder, policy, logger, skippedLog)
        return socket.messages.mapped { message in
            do throws(UndecodableEventError) {
                return .element(try Self.decode(message, with: decoder))
            } catch {
                switch policy {
                case .fail:
                    throw error
                case .skip:
                    skippedLog.log(
                        logger, level: .info, "skipped an undecodable event",
                        metadata: ["zmq.topic": "\(error.loggedTopic)", "zmq.error": "\(error)"]
                    )
                    return .skip
                }
            }
        }
    }

    /// The event in `message` (a topic frame, then the body frames `decoder` reads). Every
    /// received message goes through here; the fuzz targets (Tests/Fuzz) call it directly.
    static func decode(_ message: Message, with decoder: any MessageDecoder<Event>) throws(UndecodableEventError)
        -> Event
    {
        let frames = message.frames
        guard frames.count > 1 else { throw UndecodableEventError(frames: frames.map(\.bytes)) }
        do {
            return try decoder.decode(Array(frames.dropFirst()))
        } catch {
            throw UndecodableEventError(frames: frames.map(\.bytes), underlying: error)
        }
    }

    /// Adds the topic prefix `topic`.
    ///
    /// - Throws: ``/ZeroMQ/ZeroMQError`` when the subscriber is closed.
    public func subscribe(to topic: String) async throws {
        try await socket.subscribe(to: topic)
    }

    /// Removes one earlier subscription to `topic`.
    ///
    /// - Throws: ``/ZeroMQ/ZeroMQError`` when the subscriber is closed.
    public func unsubscribe(from topic: String) async throws {
        try await socket.unsubscribe(from: topic)
    }

    /// Holds the subscriber open until graceful shutdown, then closes it: iterations of
    /// ``events`` end.
    ///
    /// Ends on the graceful shutdown of its `ServiceGroup`, on ``beginGracefulShutdown()`` or
    /// ``close()``, or when its task is cancelled. After a shutdown asked for before it,
    /// `run()` closes the subscriber and returns at once.
    ///
    /// - Throws: ``/ZeroMQ/ZeroMQError/Code-swift.struct/invalidState`` when `run()` runs or ran
    ///   already.
    public func run() async throws {
        let socket = self.socket
        try await lifecycle.run(thenRelease: { await socket.close() })
    }

    /// Starts a graceful shutdown: ``run()`` closes the subscriber (iterations of ``events``
    /// end) and returns. Safe to call from anywhere, more than once, before or during `run()`.
    public func beginGracefulShutdown() {
        lifecycle.beginShutdown()
    }

    /// Closes the socket now (and ends ``run()``); iterations of ``events`` end.
    public func close() async {
        lifecycle.beginShutdown()
        await socket.close()
    }
}

/// The decoded events of an ``EventSubscriber``: ``EventSubscriber/events``.
///
/// Breaking out loses nothing, and the next iteration goes on where this one stopped. An
/// undecodable event is skipped (and logged, rate-limited) or thrown as an
/// ``UndecodableEventError``, as the subscriber's ``UndecodableEventPolicy`` says.
public typealias EventSequence<Event: Sendable> = MappedMessageSequence<SubRole, Event>

extension EventSubscriber where Event: Decodable {
    /// Makes a subscriber that reads JSON (``JSONCodec``).
    ///
    /// - Throws: as ``init(_:endpoints:topics:decoder:onUndecodable:logger:hardening:security:)``.
    public convenience init(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        topics: [String] = [""],
        onUndecodable: UndecodableEventPolicy = .skip,
        logger: Logger? = nil,
        hardening: ConnectionHardening? = .standard,
        security: SocketSecurity = .null
    ) async throws {
        try await self.init(
            context, endpoints: endpoints, topics: topics, decoder: JSONCodec<Event>(), onUndecodable: onUndecodable,
            logger: logger, hardening: hardening, security: security
        )
    }
}
