import CoreMetrics
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ZAP 1.0 handler (ZeroMQ RFC 27) for one ``Context``: decides who may complete a handshake
/// with the context's NULL, PLAIN and CURVE server sockets.
///
/// ```swift
/// let authenticator = try await ZAPAuthenticator(
///     context,
///     configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy(
///         addresses: try .allowing(["10.0.0.0/8", "127.0.0.1"]),
///         plain: PlainPasswords(["alice": "secret"])
///     ))
/// )
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await authenticator.run() }   // serves until cancelled or stopped
///     // ... server sockets of `context` are now guarded ...
/// }
/// ```
///
/// **Where it runs.** The authenticator is an actor on a poll loop of its context: it binds a
/// ROUTER socket at `inproc://zeromq.zap.01` (``endpoint``), where libzmq sends a request for
/// each handshake, and answers on the same loop. CURVE callbacks
/// (``CurveClientRule/decidedBy(_:)``) run as child tasks of ``run()``, so a slow one holds up
/// only its own handshake.
///
/// **When libzmq asks** (libzmq 4.3.4): for every PLAIN handshake (without a handler PLAIN
/// fails), for every CURVE handshake while a handler is bound (without one, **any client key is
/// accepted**), and for NULL only when the server socket has a ``SocketOption/zapDomain``.
/// Requests arrive from the moment the authenticator is made; they wait until ``run()`` serves
/// them.
///
/// **Lifecycle.** Make it (it binds), call ``run()`` in a task (it returns when that task is
/// cancelled or ``stop()`` is called), and it unbinds when it ends, so another authenticator can
/// be installed on the context afterwards. ``withAuthenticator(_:configuration:logger:_:)`` does
/// all of this around a closure. At most one authenticator per context: a second one fails to
/// bind with `EADDRINUSE`.
///
/// **What it reports.** Every decision is logged (allowed at debug, anything else at info; keys
/// `zmq.zap.*`), published to every ``events(bufferingNewest:)`` subscriber, and counted in
/// swift-metrics:
/// - `zmq_zap_decisions_total{result="allowed"|"denied", status="200"|"300"|"400"|"500"}`;
/// - `zmq_zap_events_dropped_total`: events a slow subscriber lost (its buffer keeps the newest);
/// - `zmq_zap_ignored_requests_total`: messages too malformed to answer (no request id).
///
/// A malformed request (from anything else connected to the inproc endpoint) is answered with
/// 400 when it has a request id and dropped otherwise; it never stops the authenticator.
public actor ZAPAuthenticator {
    /// Where libzmq sends ZAP requests: `inproc://zeromq.zap.01`.
    public static let endpoint = "inproc://zeromq.zap.01"

    private enum Phase {
        case ready, running, stopped
    }

    private let router: RouterSocket
    private let core: ZAPDecisionCore
    private let broadcaster: AuthenticationEventBroadcaster
    private let metrics: ZAPMetrics
    private let logger: Logger
    private let context: Context
    private let eventBufferSize: Int
    private var phase = Phase.ready

    /// The authenticator's loop (its ROUTER socket's) is its executor.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { router.unownedExecutor }

    /// The poll loop the authenticator runs on.
    public nonisolated var loop: PollLoop { router.loop }

    /// Installs an authenticator on `context`: binds ``endpoint``. From now on libzmq consults it;
    /// call ``run()`` to answer.
    ///
    /// - Parameters:
    ///   - context: the context whose server sockets it guards.
    ///   - configuration: the policies per ZAP domain, the events' buffer, the metrics factory.
    ///   - logger: where decisions are logged; by default the context's logger.
    /// - Throws: ``ZeroMQError`` with `EADDRINUSE` when the context already has a ZAP handler;
    ///   ``ZeroMQError/Code-swift.struct/contextTerminated`` after shutdown.
    public init(_ context: Context, configuration: ZAPAuthenticatorConfiguration, logger: Logger? = nil) async throws {
        let router = try RouterSocket(context)
        do {
            try await router.setOption(.linger, to: .zero)
            try await router.bind(Self.endpoint)
        } catch where error.errno == EADDRINUSE {
            await router.close()
            throw ZeroMQError(
                code: .libzmq, operation: "install ZAP authenticator", endpoint: Self.endpoint, errno: EADDRINUSE,
                reason: "this context already has a ZAP handler; stop it first"
            )
        } catch {
            await router.close()
            throw error
        }
        let metrics = ZAPMetrics(factory: configuration.metricsFactory ?? MetricsSystem.factory)
        self.router = router
        self.context = context
        self.core = ZAPDecisionCore(configuration: configuration)
        self.metrics = metrics
        self.broadcaster = AuthenticationEventBroadcaster(onDrop: { metrics.droppedEvents.increment(by: $0) })
        self.logger = logger ?? context.logger
        self.eventBufferSize = configuration.eventBufferSize
        context.setAuthenticatorInstalled(true)
        self.logger.debug("ZAP authenticator installed", metadata: ["zmq.endpoint": "\(Self.endpoint)"])
    }

    deinit {
        // Dropped without stop(): close the ROUTER on its loop, so the endpoint is free again.
        guard phase != .stopped else { return }
        let router = self.router
        router.loop.execute { router.assumeIsolated { $0.close() } }
        broadcaster.finish()
        context.setAuthenticatorInstalled(false)
    }

    /// A subscription to the decisions made from now on, one ``AuthenticationEvent`` each.
    ///
    /// Each call makes a new, independent subscription; it ends when the authenticator stops.
    /// A subscriber that falls `bufferingNewest` events behind loses the oldest: publishing never
    /// waits, so a slow consumer cannot slow authentication down (``droppedEventCount`` and the
    /// `zmq_zap_events_dropped_total` counter say how many were lost).
    ///
    /// - Parameter bufferingNewest: the subscriber's buffer; by default the configuration's
    ///   ``ZAPAuthenticatorConfiguration/eventBufferSize``.
    public nonisolated func events(bufferingNewest: Int? = nil) -> AsyncStream<AuthenticationEvent> {
        broadcaster.subscribe(bufferingNewest: bufferingNewest ?? eventBufferSize)
    }

    /// Whether ``run()`` is answering requests now.
    public var isRunning: Bool { phase == .running }

    /// How many events subscribers have lost to full buffers, in all.
    public nonisolated var droppedEventCount: Int { broadcaster.droppedCount }

    /// Answers ZAP requests until the calling task is cancelled or ``stop()`` is called, then
    /// unbinds (as ``stop()`` does) and returns. Cancellation is a normal end, not an error.
    ///
    /// Calling it after ``stop()`` returns at once.
    ///
    /// - Throws: ``ZeroMQError`` (``ZeroMQError/Code-swift.struct/invalidArgument``) when it is
    ///   already running; an unexpected error of the ROUTER socket.
    public func run() async throws {
        switch phase {
        case .running:
            throw ZeroMQError(code: .invalidArgument, operation: "run ZAP authenticator", reason: "it is already running")
        case .stopped:
            return
        case .ready:
            phase = .running
        }
        defer { shutDown() }
        do {
            try await withThrowingDiscardingTaskGroup { group in
                for try await message in router.messages {
                    await serve(message, group: &group)
                }
                group.cancelAll()  // stopped: callbacks still running can no longer be answered
            }
        } catch is CancellationError {
            logger.debug("ZAP authenticator cancelled")
        } catch let error as ZeroMQError where error.isEndOfStream {
            logger.debug("ZAP authenticator's socket closed", metadata: ["zmq.reason": "\(error)"])
        }
    }

    /// Stops answering and unbinds ``endpoint``: a running ``run()`` returns, event subscriptions
    /// end, and another authenticator may be installed. Calling it again does nothing.
    ///
    /// Handshakes waiting for an answer are then left to libzmq (which fails them at the
    /// handshake interval).
    public func stop() {
        shutDown()
    }

    /// Serves one message from the ROUTER.
    private func serve(_ message: Message, group: inout ThrowingDiscardingTaskGroup<any Error>) async {
        guard let routed = RoutedMessage(message) else {
            ignore("a message of \(message.frameCount) frame without an envelope")
            return
        }
        switch core.handle(routed.body.frames.map(\.bytes)) {
        case .reply(let reply, let event):
            await answer(reply, event, to: routed.envelope)
        case .ignore(let reason):
            ignore(reason)
        case .consult(let consultation):
            let envelope = routed.envelope
            group.addTask { [self] in
                let result: Result<AuthenticationDecision, any Error>
                do {
                    result = .success(try await consultation.decide(consultation.client))
                } catch {
                    result = .failure(error)
                }
                await self.answer(consultation, result, to: envelope)
            }
        }
    }

    private func answer(
        _ consultation: ZAPDecisionCore.CurveConsultation, _ result: Result<AuthenticationDecision, any Error>,
        to envelope: Envelope
    ) async {
        if case .failure(let error) = result {
            logger.info("ZAP CURVE callback failed", metadata: ["zmq.zap.error": "\(error)"])
        }
        let (reply, event) = core.complete(consultation, with: result)
        await answer(reply, event, to: envelope)
    }

    /// Sends the reply, then logs, counts and publishes the decision.
    private func answer(_ reply: ZAPReply, _ event: AuthenticationEvent, to envelope: Envelope) async {
        do {
            try await router.send(Message(frames: reply.frames), to: envelope)
        } catch {
            logger.debug("ZAP reply not sent", metadata: ["zmq.reason": "\(error)"])
        }
        var metadata: Logger.Metadata = [
            "zmq.zap.status": "\(event.status)", "zmq.zap.mechanism": "\(event.mechanism)",
            "zmq.zap.address": "\(event.peerAddress)", "zmq.zap.domain": "\(event.domain)",
            "zmq.zap.reason": "\(event.reason)",
        ]
        if let identity = event.identity { metadata["zmq.zap.identity"] = "\(AuthenticationEvent.shown(identity))" }
        if let userID = event.userID { metadata["zmq.zap.user_id"] = "\(AuthenticationEvent.shown(userID))" }
        if event.isAllowed {
            logger.debug("ZAP handshake allowed", metadata: metadata)
        } else {
            logger.info("ZAP handshake denied", metadata: metadata)
        }
        metrics.count(event.status)
        broadcaster.publish(event)
    }

    private func ignore(_ reason: String) {
        logger.info("ZAP request ignored", metadata: ["zmq.zap.reason": "\(reason)"])
        metrics.ignored.increment()
    }

    private func shutDown() {
        guard phase != .stopped else { return }
        phase = .stopped
        router.assumeIsolated { $0.close() }  // same loop: the router is ours to touch
        context.setAuthenticatorInstalled(false)
        broadcaster.finish()
        logger.debug("ZAP authenticator stopped", metadata: ["zmq.endpoint": "\(Self.endpoint)"])
    }
}

extension ZAPAuthenticator {
    /// Installs an authenticator on `context`, runs it while `body` runs, and stops it (unbinding
    /// the endpoint) when `body` returns or throws.
    ///
    /// ```swift
    /// try await ZAPAuthenticator.withAuthenticator(context, configuration: configuration) { authenticator in
    ///     let server = try PullSocket(context)
    ///     // ... make it a CURVE server, bind, receive ...
    /// }
    /// ```
    ///
    /// - Returns: what `body` returns.
    /// - Throws: what ``init(_:configuration:logger:)``, ``run()`` or `body` throws.
    nonisolated(nonsending) public static func withAuthenticator<Result>(
        _ context: Context,
        configuration: ZAPAuthenticatorConfiguration,
        logger: Logger? = nil,
        _ body: (ZAPAuthenticator) async throws -> Result
    ) async throws -> Result {
        let authenticator = try await ZAPAuthenticator(context, configuration: configuration, logger: logger)
        let running = Task { try await authenticator.run() }
        let result: Result
        do {
            result = try await body(authenticator)
        } catch {
            await authenticator.stop()
            running.cancel()
            _ = await running.result
            throw error
        }
        await authenticator.stop()
        try await running.value
        return result
    }
}

/// The authenticator's swift-metrics counters.
struct ZAPMetrics: Sendable {
    let allowed: Counter
    let temporaryFailure: Counter
    let denied: Counter
    let internalError: Counter
    let droppedEvents: Counter
    let ignored: Counter

    init(factory: any MetricsFactory) {
        func decisions(_ result: String, _ status: String) -> Counter {
            Counter(label: "zmq_zap_decisions_total", dimensions: [("result", result), ("status", status)], factory: factory)
        }
        allowed = decisions("allowed", "200")
        temporaryFailure = decisions("denied", "300")
        denied = decisions("denied", "400")
        internalError = decisions("denied", "500")
        droppedEvents = Counter(label: "zmq_zap_events_dropped_total", factory: factory)
        ignored = Counter(label: "zmq_zap_ignored_requests_total", factory: factory)
    }

    func count(_ status: ZAPStatus) {
        switch status.code {
        case 200: allowed.increment()
        case 300: temporaryFailure.increment()
        case 500: internalError.increment()
        default: denied.increment()
        }
    }
}
