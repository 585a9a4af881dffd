import CoreMetrics
import Logging
import ServiceLifecycle
import Tracing
import ZeroMQ
import ZeroMQSupport

/// A typed request/reply client: send a `Request`, get a `Response`, from any number of tasks
/// at once.
///
/// The client speaks the protocol of Docs/WireProtocol.md over one DEALER socket per endpoint:
/// each request carries an id before the empty delimiter, so many can be in flight and each
/// reply finds its caller. A plain REP server echoes that envelope, so the client works against
/// any REP server too (the seed's Python echo server included), and against ``RequestService``.
///
/// ```swift
/// let client = try await RequestClient<Sum, Int>(context, connectingTo: ["tcp://127.0.0.1:5555"])
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await client.run() }
///     let total = try await client.request(Sum(a: 2, b: 3))
///     client.beginGracefulShutdown()
/// }
/// ```
///
/// - Lifecycle: replies are read while ``run()`` runs (it is a swift-service-lifecycle
///   `Service`, so it can sit in a `ServiceGroup`). Requests made before `run()` starts wait for
///   it within their timeout. On graceful shutdown (or ``beginGracefulShutdown()``) new requests
///   fail with ``RequestError/Code-swift.struct/closed``, calls in flight finish, then the
///   sockets close. Cancelling `run()` fails the calls in flight at once.
/// - Failures: a per-call timeout; a ``RetryPolicy``; several endpoints with failover (calls go
///   to one endpoint until an attempt there times out or cannot be sent, then to the next);
///   cancelling a call removes its pending entry. Replies that come late, twice, or for no
///   call are dropped and counted, never given to another caller. See ``RequestError``.
/// - Threads: the client is an actor on a poll loop, like its sockets, so sending and
///   matching replies cost no extra thread hop. Encoding and decoding run on the caller's
///   executor.
public actor RequestClient<Request: Sendable, Response: Sendable>: Service {
    /// The loop the client and its sockets run on.
    public nonisolated let loop: PollLoop
    /// The endpoints, in failover order. With ``RequestClientConfiguration/discovery`` the last
    /// one is `beacon://NAME`: the socket connected to the services discovered under that name.
    public nonisolated let endpoints: [String]
    /// The client's configuration.
    public nonisolated let configuration: RequestClientConfiguration

    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }

    nonisolated let encoder: any MessageEncoder<Request>
    nonisolated let decoder: any MessageDecoder<Response>
    nonisolated let logger: Logger
    nonisolated let metrics: ClientMetrics
    /// What a peer can repeat at will is logged at most once per 10 s each: messages that are
    /// not replies, and discovered services that cannot be connected to (a forged beacon).
    private nonisolated let foreignMessageLog = RateLimitedLog()
    nonisolated let discoveryLog = RateLimitedLog()

    let sockets: [DealerSocket]
    /// Each socket's monitor: whether its connection is up.
    private let monitors: [SocketMonitor]
    /// Each endpoint's peers that are up (several on the discovery endpoint), its last failed
    /// handshake, the attempts waiting for it, and the endpoint new attempts go to: a pure
    /// state machine the monitors' and beacon's events drive.
    var tracker: ConnectionTracker
    /// The beacon that finds the services of ``RequestClientConfiguration/discovery``.
    let discoveryBeacon: Beacon?
    /// The continuations and timers of the attempts waiting for their endpoint to connect, by
    /// request id (the tracker says whose turn it is).
    private var connectionWaits: [UInt64: ConnectionWaiter] = [:]
    /// The calls in progress and their attempts in flight, by request id: a pure state machine
    /// whose waiters are the continuations and timers of the callers waiting for replies.
    var calls = CallTable<ReplyWaiter, ReceivedReply>()
    /// The server streams in progress, by request id (RequestClient+Streaming.swift). Each is
    /// a call of `calls` too, so that a drain waits for it.
    var streams: [UInt64: ClientStream] = [:]
    /// The shared lifecycle (idle, running, draining, finished: Docs/TypedMessaging.md,
    /// *Lifecycle*).
    private var lifecycle = Lifecycle()
    /// Whether the sockets are closed and every call failed (`closeAll`): at the end of
    /// `run()`, on a shutdown before it, or when the context closed the sockets under the client.
    var closed: Bool { calls.isClosed }
    private var shutdownSignal: UnsafeContinuation<Void, Never>?
    private var drainWaiters: [UnsafeContinuation<Void, Never>] = []

    // The call machinery's types live outside this generic class (ClientCall.swift), so that
    // they are concrete: nested here they would be generic too, and every use of the call
    // table, the waiters and their dictionaries would look up type metadata at run time.
    typealias ReplyWaiter = ClientCall.ReplyWaiter
    typealias AttemptOutcome = ClientCall.AttemptOutcome
    typealias ReceivedReply = ClientCall.ReceivedReply
    private typealias ConnectionWaiter = ClientCall.ConnectionWaiter
    private typealias Answer = ClientCall.Answer

    // MARK: Making a client

    /// Makes a client that sends to `endpoints` (in failover order) with the given codecs.
    ///
    /// Each endpoint gets a DEALER socket, monitored (an attempt is only sent while its
    /// endpoint's connection is up) and connected now; libzmq reconnects by itself when a peer
    /// goes away. An `inproc://` endpoint counts as always connected (libzmq reports no
    /// connection events for inproc); a request sent there before the service binds waits in
    /// libzmq until it does, within the call's timeout.
    ///
    /// - Parameters:
    ///   - context: the context whose loop runs the client.
    ///   - endpoints: where services (or REP servers) listen, such as `tcp://10.0.0.5:5555`;
    ///     at least one.
    ///   - requestEncoder: how requests become frames.
    ///   - responseDecoder: how reply frames become responses.
    ///   - configuration: timeout, retries, metrics.
    ///   - logger: where decisions and failures are logged (default: the context's logger).
    /// - Throws: ``/ZeroMQ/ZeroMQError`` for an endpoint libzmq refuses (`EINVAL`, `EPROTONOSUPPORT`,
    ///   ...), or when `endpoints` is empty (``/ZeroMQ/ZeroMQError/Code-swift.struct/invalidArgument``).
    public init(
        _ context: Context,
        connectingTo endpoints: [String],
        requestEncoder: some MessageEncoder<Request>,
        responseDecoder: some MessageDecoder<Response>,
        configuration: RequestClientConfiguration = RequestClientConfiguration(),
        logger: Logger? = nil
    ) async throws {
        guard !endpoints.isEmpty || configuration.discovery != nil else {
            throw ZeroMQError(
                code: .invalidArgument, operation: "RequestClient.init",
                reason: "a request client needs at least one endpoint, or a discovery configuration"
            )
        }
        var sockets: [DealerSocket] = []
        var monitors: [SocketMonitor] = []
        var beacon: Beacon?
        // The discovery endpoint is connected to the peers its beacon finds (see
        // RequestClient+Discovery.swift), not here.
        let discoveryLabel = configuration.discovery.map { "beacon://\($0.serviceName)" }
        let endpoints = endpoints + (discoveryLabel.map { [$0] } ?? [])
        do {
            for endpoint in endpoints {
                let socket = try DealerSocket(context, on: sockets.first?.loop)
                sockets.append(socket)
                if configuration.security != .null { try await socket.setSecurity(configuration.security) }
                try await socket.setOption(.linger, to: .zero)
                if let hardening = configuration.connectionHardening {
                    try await socket.apply(hardening)
                }
                // Not `ZMQ_IMMEDIATE`: with it, libzmq drops replies that arrived but were not
                // read yet when a connection breaks (a service that answers, then restarts).
                // The monitor tells instead whether the connection is up.
                monitors.append(
                    try await socket.monitor(
                        SocketEvent.Kinds([.handshakeSucceeded, .disconnected]).union(.failedHandshakes)
                    )
                )
                if endpoint != discoveryLabel { try await socket.connect(endpoint) }
            }
            if let discovery = configuration.discovery {
                beacon = try Beacon(context, configuration: discovery.beacon, on: sockets[0].loop)
            }
        } catch {
            for socket in sockets { await socket.close() }
            for monitor in monitors { monitor.close() }
            throw error
        }
        self.discoveryBeacon = beacon
        var tracker = ConnectionTracker(endpoints: sockets.count)
        // libzmq's monitor reports nothing of inproc connections: without this, every attempt
        // there would wait for a handshake that is never announced, then fail as unreachable.
        for (index, endpoint) in endpoints.enumerated() where endpoint.hasPrefix("inproc://") {
            tracker.assumeConnected(index)
        }
        self.tracker = tracker
        self.loop = sockets[0].loop
        self.sockets = sockets
        self.monitors = monitors
        self.endpoints = endpoints
        self.encoder = requestEncoder
        self.decoder = responseDecoder
        self.configuration = configuration
        self.logger = logger ?? context.logger
        self.metrics = ClientMetrics(
            factory: configuration.metricsFactory ?? MetricsSystem.factory,
            dimensions: configuration.metricsDimensions
        )
    }

    // MARK: Requests

    /// Sends `request` and returns the service's response.
    ///
    /// - Parameters:
    ///   - request: the value to send.
    ///   - headers: string headers the handler reads in its ``RequestContext/headers`` (like
    ///     gRPC metadata): keys of 1 to 255 lowercase ASCII letters, digits, `-`, `_` or `.`,
    ///     not starting with `zmq-` (the protocol's own); at most 64 KiB in all.
    ///   - timeout: how long each attempt may take; `nil` uses
    ///     ``RequestClientConfiguration/timeout``. The service learns it (unless
    ///     ``RequestClientConfiguration/propagatesDeadline`` is off) and stops working on the
    ///     request when it is up.
    ///   - idempotent: whether the service may safely handle this request more than once. Only
    ///     then is it retried after a timeout (see ``RetryPolicy``).
    /// - Returns: the decoded response. ``reply(for:headers:timeout:idempotent:)`` returns the
    ///   headers the service sent with it too.
    /// - Throws: ``RequestError``: timed out, unreachable, cancelled, closed, a remote error,
    ///   an undecodable reply (its frames kept), or an unencodable request (also for headers
    ///   that cannot be sent; nothing is sent then).
    nonisolated(nonsending) public func request(
        _ request: Request,
        headers: [String: String] = [:],
        timeout: Duration? = nil,
        idempotent: Bool = false
    ) async throws(RequestError) -> Response {
        try await tracedCall(request, headers: headers, timeout: timeout, idempotent: idempotent, wantsHeaders: false).response
    }

    /// Sends `request` and returns the service's response with the headers the handler sent
    /// back (a ``Reply``), like a gRPC call's response metadata.
    ///
    /// ```swift
    /// let reply = try await client.reply(for: order, headers: ["tenant": "acme"])
    /// logger.info("booked", metadata: ["served-by": "\(reply.headers["served-by"] ?? "?")"])
    /// return reply.response
    /// ```
    ///
    /// The request always carries the metadata frame of Docs/WireProtocol.md, which tells the
    /// service it may send headers back. The headers are empty when the handler gave none, and
    /// from a service of an earlier version or a plain REP server.
    ///
    /// - Parameters: as ``request(_:headers:timeout:idempotent:)``.
    /// - Returns: the decoded response and the reply's headers.
    /// - Throws: as ``request(_:headers:timeout:idempotent:)``.
    nonisolated(nonsending) public func reply(
        for request: Request,
        headers: [String: String] = [:],
        timeout: Duration? = nil,
        idempotent: Bool = false
    ) async throws(RequestError) -> Reply<Response> {
        try await tracedCall(request, headers: headers, timeout: timeout, idempotent: idempotent, wantsHeaders: true)
    }

    /// A call inside its span: a child of the caller's (`ServiceContext.current`), whose
    /// context travels in the headers for the service's span to continue.
    nonisolated(nonsending) private func tracedCall(
        _ request: Request,
        headers: [String: String],
        timeout: Duration?,
        idempotent: Bool,
        wantsHeaders: Bool
    ) async throws(RequestError) -> Reply<Response> {
        guard CallTracing.isActive else {
            return try await call(
                request, headers: headers, timeout: timeout, idempotent: idempotent, wantsHeaders: wantsHeaders, span: nil
            )
        }
        let span = startSpan(CallTracing.clientSpanName, ofKind: .client)
        defer { span.end() }
        do {
            let reply = try await call(
                request, headers: headers, timeout: timeout, idempotent: idempotent, wantsHeaders: wantsHeaders, span: span
            )
            if span.isRecording { span.attributes[CallTracing.Attribute.outcome] = "ok" }
            return reply
        } catch {
            if span.isRecording {
                span.attributes[CallTracing.Attribute.outcome] = error.code.resultLabel
                if let endpoint = error.endpoint { span.attributes[CallTracing.Attribute.endpoint] = endpoint }
                if let id = error.requestID { span.attributes[CallTracing.Attribute.requestID] = Int(truncatingIfNeeded: id) }
                if error.attempts > 0 { span.attributes[CallTracing.Attribute.attempts] = error.attempts }
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error))
            }
            throw error
        }
    }

    /// A call of ``request(_:headers:timeout:idempotent:)`` or
    /// ``reply(for:headers:timeout:idempotent:)`` inside its span.
    nonisolated(nonsending) private func call(
        _ request: Request,
        headers: [String: String],
        timeout: Duration?,
        idempotent: Bool,
        wantsHeaders: Bool,
        span: (any Span)?
    ) async throws(RequestError) -> Reply<Response> {
        let started = ContinuousClock.now
        let body: [Frame]
        var headers = headers
        do {
            if !headers.isEmpty { try CallMetadata.validate(headers) }
            body = try encoder.encode(request)
        } catch {
            metrics.unencodable.increment()
            throw RequestError(code: .unencodableRequest, underlying: error)
        }
        if let span, span.isRecording {
            InstrumentationSystem.instrument.inject(span.context, into: &headers, using: CallTracing.HeaderInjector())
        }
        let answer = try await perform(
            body, headers: headers, timeout: timeout ?? configuration.timeout, idempotent: idempotent,
            sendsMetadata: wantsHeaders, started: started
        )
        if let span, span.isRecording {
            span.attributes[CallTracing.Attribute.endpoint] = answer.endpoint
            span.attributes[CallTracing.Attribute.requestID] = Int(truncatingIfNeeded: answer.id)
            span.attributes[CallTracing.Attribute.attempts] = answer.attempts
        }
        do {
            let response = try decoder.decode(answer.body)
            metrics.ok.increment()
            metrics.duration.recordInterval(since: started)
            return Reply(response, headers: answer.headers)
        } catch {
            metrics.undecodable.increment()
            metrics.duration.recordInterval(since: started)
            // The caller gets the error (with the reply's frames); the log is for debugging.
            logger.debug(
                "undecodable reply",
                metadata: [
                    "zmq.endpoint": "\(answer.endpoint)", "zmq.request_id": "\(answer.id)",
                    "zmq.error": "\(error)",
                ]
            )
            throw RequestError(
                code: .undecodableReply, endpoint: answer.endpoint, requestID: answer.id,
                attempts: answer.attempts, replyFrames: answer.body.map(\.bytes), underlying: error
            )
        }
    }

    /// Sends the encoded request, retrying as the policy allows, and returns the reply body.
    ///
    /// - Parameter sendsMetadata: whether each attempt carries the metadata frame even without
    ///   headers or a deadline to send (so that the service may send headers back).
    private func perform(
        _ body: [Frame],
        headers: [String: String],
        timeout: Duration,
        idempotent: Bool,
        sendsMetadata: Bool,
        started: ContinuousClock.Instant
    ) async throws(RequestError) -> Answer {
        guard takesCalls else {
            metrics.closed.increment()
            throw RequestError(code: .closed)
        }
        let id = calls.startCall()
        metrics.inFlight.increment()
        defer {
            metrics.inFlight.decrement()
            if calls.finishCall() { resumeDrainWaiters() }
        }
        let policy = configuration.retryPolicy
        let deadline = policy.deadline.map { started + $0 }
        var attempt = 1
        while true {
            let endpoint = tracker.active
            var attemptDeadline = ContinuousClock.now + timeout
            if let deadline { attemptDeadline = min(attemptDeadline, deadline) }
            let outcome = await attemptOnce(
                id: id, body: body, headers: headers, sendsMetadata: sendsMetadata, endpoint: endpoint, until: attemptDeadline
            )
            let failure: RequestError
            let kind: RetryDecision<ContinuousClock.Instant>.Failure
            switch outcome {
            case .replied(let reply):
                return try answer(reply, id: id, endpoint: endpoint, attempts: attempt, started: started)
            case .cancelled:
                kind = .cancelled
                failure = RequestError(code: .cancelled, endpoint: endpoints[endpoint], requestID: id, attempts: attempt)
            case .closed(let error):
                kind = .closed
                failure = RequestError(
                    code: .closed, endpoint: endpoints[endpoint], requestID: id, attempts: attempt, underlying: error
                )
            case .unreachable(let error):
                kind = .unreachable
                failure = RequestError(
                    code: .unreachable, endpoint: endpoints[endpoint], requestID: id, attempts: attempt, underlying: error
                )
                failOver(from: endpoint, because: failure)
            case .timedOut:
                kind = .timedOut
                failure = RequestError(code: .timedOut, endpoint: endpoints[endpoint], requestID: id, attempts: attempt)
                failOver(from: endpoint, because: failure)
            }
            let decision = RetryDecision.after(
                kind, attempt: attempt, policy: policy, idempotent: idempotent,
                clientTakesCalls: takesCalls, deadline: deadline,
                now: ContinuousClock.now, randomFraction: .random(in: 0...1)
            )
            if case .retry(let resume, let backoff) = decision {
                logger.debug(
                    "retrying request",
                    metadata: [
                        "zmq.endpoint": "\(endpoints[tracker.active])", "zmq.request_id": "\(id)",
                        "zmq.attempt": "\(attempt + 1)", "zmq.reason": "\(failure.code)",
                    ]
                )
                if backoff > .zero {
                    do {
                        try await Task.sleep(until: resume, clock: .continuous)
                    } catch {
                        metrics.cancelled.increment()
                        throw RequestError(code: .cancelled, requestID: id, attempts: attempt)
                    }
                }
                metrics.retries.increment()
                attempt += 1
                continue
            }
            metrics.counter(for: failure.code).increment()
            metrics.duration.recordInterval(since: started)
            if failure.code != .cancelled {
                logger.debug(
                    "request failed",
                    metadata: [
                        "zmq.endpoint": "\(failure.endpoint ?? "")", "zmq.request_id": "\(id)",
                        "zmq.attempt": "\(attempt)", "zmq.reason": "\(failure.code)",
                    ]
                )
            }
            throw failure
        }
    }

    /// Turns a reply message into an answer or a remote error.
    private func answer(
        _ reply: ReceivedReply, id: UInt64, endpoint: Int, attempts: Int, started: ContinuousClock.Instant
    ) throws(RequestError) -> Answer {
        switch reply.parsed {
        case .success(_, let body, let headers):
            return Answer(body: body, headers: headers, id: id, endpoint: endpoints[endpoint], attempts: attempts)
        case .failure(_, let body):
            metrics.duration.recordInterval(since: started)
            guard body.count == 1, let remote = try? RemoteErrorJSON.decode(body[0].bytes) else {
                metrics.undecodable.increment()
                throw RequestError(
                    code: .undecodableReply, endpoint: endpoints[endpoint], requestID: id, attempts: attempts,
                    replyFrames: reply.message.frames.map(\.bytes)
                )
            }
            metrics.remote.increment()
            throw RequestError(
                code: .remote, endpoint: endpoints[endpoint], requestID: id, attempts: attempts, remoteError: remote
            )
        case .malformed, .foreign, .streamItem, .streamEnd:
            // `deliver` only hands over replies with our id; a bad envelope (or a stream's
            // message, to a call that asked for no stream) still ends the call.
            metrics.duration.recordInterval(since: started)
            metrics.undecodable.increment()
            throw RequestError(
                code: .undecodableReply, endpoint: endpoints[endpoint], requestID: id, attempts: attempts,
                replyFrames: reply.message.frames.map(\.bytes)
            )
        }
    }

    /// One attempt: hand the request to the endpoint's socket, then wait for the reply until
    /// `deadline`.
    private func attemptOnce(
        id: UInt64, body: [Frame], headers: [String: String], sendsMetadata: Bool, endpoint: Int,
        until deadline: ContinuousClock.Instant
    ) async -> AttemptOutcome {
        if !tracker.isConnected(endpoint) {
            // Nothing is queued for a peer that is not there: wait for the connection, or
            // give up without sending.
            let up = await waitForConnection(of: endpoint, id: id, until: deadline)
            if Task.isCancelled { return .cancelled }
            guard up else {
                if closed { return .closed(RequestError(code: .closed)) }
                return .unreachable(tracker.lastHandshakeFailure(of: endpoint).map(HandshakeFailedError.init))
            }
        }
        calls.sending(id)
        do {
            // On the loop (this actor's executor) the send goes straight to libzmq; it waits
            // only while libzmq is at its high-water mark.
            let remaining = deadline - .now
            var metadata: Frame?
            if configuration.propagatesDeadline || !headers.isEmpty || sendsMetadata {
                metadata = CallMetadata(headers: headers, timeout: configuration.propagatesDeadline ? remaining : nil).frame()
            }
            try await sockets[endpoint].send(WireFormat.request(id: id, metadata: metadata, body: body), timeout: remaining)
        } catch {
            calls.sendFailed(id)
            if error is CancellationError { return .cancelled }
            if let error = error as? ZeroMQError, error.code == .timedOut { return .unreachable(error) }
            return .closed(error)
        }
        // The resumed call continues on the loop directly (`PollLoop.withContinuation`).
        return await loop.withContinuation(isolation: self) { (continuation: UnsafeContinuation<AttemptOutcome, Never>) in
            let timer = loop.schedule(after: max(.zero, deadline - .now)) { [self] in
                // Timers run on the loop, which is this actor's executor.
                self.assumeIsolated { $0.expire(id) }
            }
            let outcome: AttemptOutcome
            switch calls.wait(id, with: ReplyWaiter(continuation: continuation, timer: timer), isCancelled: Task.isCancelled) {
            case .wait:
                return
            case .returnReply(let reply):
                outcome = .replied(reply)
            case .returnCancelled:
                outcome = .cancelled
            case .returnClosed:
                outcome = .closed(RequestError(code: .closed))
            }
            loop.cancel(timer)
            continuation.resume(returning: outcome)
        } onCancel: { [self] in
            loop.execute { self.assumeIsolated { $0.cancelCall(id) } }
        }
    }

    /// Waits until `endpoint` is connected (`true`), or until `deadline`, cancellation or
    /// closing (`false`).
    func waitForConnection(of endpoint: Int, id: UInt64, until deadline: ContinuousClock.Instant) async -> Bool {
        await loop.withContinuation(isolation: self) { (continuation: UnsafeContinuation<Bool, Never>) in
            if closed || Task.isCancelled || !tracker.wait(id, for: endpoint) {
                continuation.resume(returning: tracker.isConnected(endpoint) && !closed)
                return
            }
            let timer = loop.schedule(after: max(.zero, deadline - .now)) { [self] in
                self.assumeIsolated { $0.stopConnectionWait(of: endpoint, id: id) }
            }
            connectionWaits[id] = ConnectionWaiter(continuation: continuation, timer: timer)
        } onCancel: { [self] in
            loop.execute { self.assumeIsolated { $0.stopConnectionWait(of: endpoint, id: id) } }
        }
    }

    /// An attempt's wait for its endpoint ends without a connection: its timeout, or
    /// cancellation (a no-op when the connection came first).
    private func stopConnectionWait(of endpoint: Int, id: UInt64) {
        guard tracker.stopWaiting(id, for: endpoint) else { return }
        resumeConnectionWait(id, connected: false)
    }

    /// Resumes a waiting attempt the tracker let go.
    private func resumeConnectionWait(_ id: UInt64, connected: Bool) {
        guard let waiter = connectionWaits.removeValue(forKey: id) else { return }
        loop.cancel(waiter.timer)
        waiter.continuation.resume(returning: connected)
    }

    /// Follows one endpoint's connection through its monitor until the socket closes.
    private func watchConnection(of endpoint: Int) async {
        do {
            for try await event in monitors[endpoint].events {
                switch event.kind {
                case .handshakeSucceeded:
                    logger.debug("connected", metadata: ["zmq.endpoint": "\(endpoints[endpoint])"])
                    for id in tracker.handshakeSucceeded(endpoint, peer: event.endpoint) {
                        resumeConnectionWait(id, connected: true)
                    }
                case .disconnected:
                    tracker.peerGone(endpoint, peer: event.endpoint)
                    if !streams.isEmpty { streamsLostConnection(of: endpoint) }
                    logger.debug("disconnected", metadata: ["zmq.endpoint": "\(endpoints[endpoint])"])
                case let kind where SocketEvent.Kinds.failedHandshakes.contains(kind):
                    tracker.handshakeFailed(endpoint, event)
                    logger.debug(
                        "handshake failed",
                        metadata: ["zmq.endpoint": "\(endpoints[endpoint])", "zmq.reason": "\(HandshakeFailedError(event))"]
                    )
                default:
                    break
                }
            }
        } catch {
            logger.info(
                "monitoring the connection failed", metadata: ["zmq.endpoint": "\(endpoints[endpoint])", "zmq.error": "\(error)"]
            )
        }
    }

    private func expire(_ id: UInt64) {
        calls.timedOut(id)?.continuation.resume(returning: .timedOut)
    }

    private func cancelCall(_ id: UInt64) {
        guard let waiter = calls.cancelled(id) else { return }
        loop.cancel(waiter.timer)
        waiter.continuation.resume(returning: .cancelled)
    }

    /// Moves new attempts to the next endpoint after an attempt on `endpoint` failed (once, if
    /// several calls fail there together).
    private func failOver(from endpoint: Int, because failure: RequestError) {
        guard let next = tracker.failOver(from: endpoint) else { return }
        metrics.failovers.increment()
        logger.info(
            "failing over to the next endpoint",
            metadata: [
                "zmq.endpoint": "\(endpoints[endpoint])", "zmq.next_endpoint": "\(endpoints[next])",
                "zmq.reason": "\(failure.code)",
            ]
        )
    }

    // MARK: Replies

    /// Reads replies from one endpoint's socket until it closes.
    private func receiveReplies(from endpoint: Int) async {
        do {
            for try await message in sockets[endpoint].messages {
                deliver(message, from: endpoint)
            }
            // The sequence ends when the socket closes: closed by this client (already
            // `closed`), or under it by the context's shutdown. Then no reply can come, so the
            // calls in flight fail now with `closed` instead of waiting out their timeouts.
            if !closed { closeAll() }
        } catch {
            if let error = error as? ZeroMQError, error.isEndOfStream {
                if !closed { closeAll() }  // as above
                return
            }
            logger.info(
                "reading replies failed", metadata: ["zmq.endpoint": "\(endpoints[endpoint])", "zmq.error": "\(error)"]
            )
        }
    }

    /// Gives a reply to the call waiting for it, or drops it.
    private func deliver(_ message: Message, from endpoint: Int) {
        let id: UInt64
        let parsed = WireFormat.parseReply(message)
        switch parsed {
        case .success(let replyID, _, _), .failure(let replyID, _), .malformed(let replyID, _), .streamItem(let replyID, _),
            .streamEnd(let replyID):
            id = replyID
        case .foreign(let reason):
            metrics.lateReplies.increment()
            foreignMessageLog.log(
                logger, level: .info, "dropped a message that is not a reply",
                metadata: ["zmq.endpoint": "\(endpoints[endpoint])", "zmq.reason": "\(reason)"]
            )
            return
        }
        // Most clients run no stream: no lookup per reply for them.
        if !streams.isEmpty, streams[id] != nil {
            deliverStreamMessage(parsed, message, id: id)
            return
        }
        let reply = ReceivedReply(message: message, parsed: parsed)
        switch calls.received(reply, for: id) {
        case .resume(let waiter):
            loop.cancel(waiter.timer)
            waiter.continuation.resume(returning: .replied(reply))
        case .keep:
            break
        case .dropLate:
            metrics.lateReplies.increment()
            logger.debug(
                "dropped a late reply", metadata: ["zmq.endpoint": "\(endpoints[endpoint])", "zmq.request_id": "\(id)"]
            )
        }
    }

    /// Attempts waiting for a reply or sending (for tests).
    var pendingCount: Int { calls.attemptCount }

    /// Attempts waiting for their endpoint to connect (for tests).
    var callsWaitingForConnection: Int { tracker.waiterCount }

    /// Whether each endpoint's connection is up, in endpoint order (for tests).
    var connectionStates: [Bool] { tracker.connectionStates }

    // MARK: Lifecycle

    /// Reads replies until graceful shutdown, then lets the calls in flight finish and closes
    /// the sockets.
    ///
    /// Ends on graceful shutdown of its `ServiceGroup`, on ``beginGracefulShutdown()``, or when
    /// cancelled (then calls in flight fail with ``RequestError/Code-swift.struct/closed``).
    ///
    /// After a shutdown asked for before it (which failed the calls waiting for `run()` and
    /// closed the sockets), `run()` returns at once.
    ///
    /// - Throws: ``/ZeroMQ/ZeroMQError/Code-swift.struct/invalidState`` when `run()` runs or ran
    ///   already (a client runs once: Docs/TypedMessaging.md, *Lifecycle*).
    public func run() async throws {
        switch lifecycle.run() {
        case .start:
            break
        case .returnAtOnce:
            return
        case .refuse(let refusal):
            throw refusal.error(for: "the request client", endpoints: endpoints)
        }
        logger.debug("request client running", metadata: ["zmq.endpoint": "\(endpoints.joined(separator: ","))"])
        await withDiscardingTaskGroup { group in
            for endpoint in sockets.indices {
                group.addTask { await self.receiveReplies(from: endpoint) }
                group.addTask { await self.watchConnection(of: endpoint) }
            }
            if discoveryBeacon != nil {
                group.addTask { await self.followDiscovery() }
            }
            await withTaskCancellationOrGracefulShutdownHandler {
                await waitForShutdownSignal()
            } onCancelOrGracefulShutdown: {
                self.beginGracefulShutdown()
            }
            if Task.isCancelled {
                closeAll()
            } else {
                await withTaskCancellationHandler {
                    await drained()
                } onCancel: {
                    loop.execute { self.assumeIsolated { $0.closeAll() } }
                }
                closeAll()
            }
        }
        lifecycle.finish()
        logger.debug("request client stopped")
    }

    /// Starts a graceful shutdown: new requests fail with
    /// ``RequestError/Code-swift.struct/closed``, calls in flight finish (within their
    /// timeouts), then ``run()`` returns. Safe to call from anywhere, more than once.
    ///
    /// Before ``run()``, the calls waiting for it fail with `closed` and the sockets close at
    /// once; `run()` then returns at once.
    public nonisolated func beginGracefulShutdown() {
        loop.execute {
            self.assumeIsolated { client in
                switch client.lifecycle.beginShutdown() {
                case .drain:
                    client.shutdownSignal?.resume()
                    client.shutdownSignal = nil
                case .stopBeforeRun:
                    client.closeAll()
                case .none:
                    break
                }
            }
        }
    }

    /// Whether new calls are taken: before `run()` (they wait for it) and while it runs, until
    /// a shutdown, and while the sockets are open.
    var takesCalls: Bool {
        lifecycle.acceptsWork && !closed
    }

    private func waitForShutdownSignal() async {
        guard lifecycle.state == .running else { return }
        await withUnsafeContinuation(isolation: self) { shutdownSignal = $0 }
    }

    private func drained() async {
        guard !calls.isIdle else { return }
        await withUnsafeContinuation(isolation: self) { drainWaiters.append($0) }
    }

    func resumeDrainWaiters() {
        guard lifecycle.state == .draining || closed else { return }
        for waiter in drainWaiters { waiter.resume() }
        drainWaiters.removeAll()
    }

    /// Fails every pending call and closes the sockets; `run()`'s readers then end.
    private func closeAll() {
        closeStreams()
        for waiter in calls.close() {
            loop.cancel(waiter.timer)
            waiter.continuation.resume(returning: .closed(RequestError(code: .closed)))
        }
        for waiter in tracker.removeAllWaiters() {
            resumeConnectionWait(waiter.id, connected: false)
        }
        resumeDrainWaiters()
        for socket in sockets {
            // Isolated to the same loop: closing synchronously is safe here.
            socket.assumeIsolated { $0.close() }
        }
        // Their watchers (`watchConnection`) end with them.
        for monitor in monitors { monitor.close() }
        // And `followDiscovery` with the beacon's events.
        discoveryBeacon?.assumeIsolated { $0.close() }
    }
}

extension RequestClient where Request: Encodable, Response: Decodable {
    /// Makes a client that sends JSON (``JSONCodec``) to `endpoints`, in failover order.
    ///
    /// - Throws: as ``init(_:connectingTo:requestEncoder:responseDecoder:configuration:logger:)``.
    public init(
        _ context: Context,
        connectingTo endpoints: [String],
        configuration: RequestClientConfiguration = RequestClientConfiguration(),
        logger: Logger? = nil
    ) async throws {
        try await self.init(
            context, connectingTo: endpoints, requestEncoder: JSONCodec<Request>(),
            responseDecoder: JSONCodec<Response>(), configuration: configuration, logger: logger
        )
    }
}
