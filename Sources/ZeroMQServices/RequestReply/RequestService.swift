import CoreMetrics
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ
import ZeroMQSupport

/// A typed request/reply service: decodes each `Request`, runs your handler, sends back its
/// `Response` (or its error).
///
/// The service reads requests on a ROUTER socket in the protocol of Docs/WireProtocol.md, so
/// ``RequestClient``s, REQ sockets and any peer that speaks the protocol can call it. Handlers
/// run concurrently in a task group, at most
/// ``RequestServiceConfiguration/maximumConcurrentRequests`` at a time, on the global executor
/// (not on the poll loop, so a slow handler delays no socket; quick handlers may opt in with
/// ``RequestServiceConfiguration/runsHandlersOnLoop``).
///
/// ```swift
/// let service = try await RequestService<Sum, Int>(context, endpoints: [.bind("tcp://*:5555")]) { sum in
///     sum.a + sum.b
/// }
/// try await ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
///
/// - Errors: a handler that throws a ``RemoteError`` sends it to the client as is; any other
///   error is logged here and sent as ``RemoteError/internalErrorCode`` (its text stays here).
///   A request that cannot be decoded gets a ``RemoteError/badRequestCode`` reply, and the
///   service goes on serving. A message without an envelope cannot be answered: it is dropped
///   and counted.
/// - Lifecycle: ``run()`` serves until graceful shutdown (of its `ServiceGroup`, or
///   ``beginGracefulShutdown()``): then it stops reading, finishes the requests in flight,
///   sends their replies and closes the socket. Cancelling `run()` cancels the handlers.
public final class RequestService<Request: Sendable, Response: Sendable>: Service, Sendable {
    /// The handler's type: one request in, one response out, or an error.
    public typealias Handler = @Sendable (Request) async throws -> Response

    /// The endpoints the service binds, as libzmq resolved them (a port `*` replaced by the
    /// port chosen), followed by those it connects to.
    public let boundEndpoints: [String]
    /// The service's configuration.
    public let configuration: RequestServiceConfiguration

    /// Internal, not private: the lifecycle tests check that it is closed.
    let socket: RouterSocket
    private let decoder: any MessageDecoder<Request>
    private let encoder: any MessageEncoder<Response>
    private let handler: ContextHandler
    /// Whether the handler takes a ``RequestContext``: then the socket keeps each request's
    /// metadata (``/ZeroMQ/Socket/keepsMessageMetadata``), which costs a libzmq message per frame.
    private let readsContext: Bool
    private let logger: Logger
    private let metrics: ServiceMetrics
    /// Each kind of failure a client can cause at will is logged at `info`, at most once per
    /// 10 s (with the number left out): a client sending 3 000 malformed requests writes one
    /// line, not 3 000. The metrics count every one.
    private let malformedLog = RateLimitedLog(), undecodableLog = RateLimitedLog()
    private let replyFailureLog = RateLimitedLog(), handlerFailureLog = RateLimitedLog()
    /// The shared lifecycle, and the task reading requests while `run()` runs (cancelled to
    /// stop reading).
    private let state = Lock(State())

    private struct State: Sendable {
        var lifecycle = Lifecycle()
        var reader: Task<Void, Never>?
    }

    /// Makes a service on `endpoints` that decodes requests and encodes responses with the
    /// given codecs.
    ///
    /// - Parameters:
    ///   - context: the context whose loop runs the service's socket.
    ///   - endpoints: where to listen (``ServiceEndpoint/bind(_:)``) or whom to connect to
    ///     (``ServiceEndpoint/connect(_:)``); at least one.
    ///   - requestDecoder: how request frames become requests.
    ///   - responseEncoder: how responses become frames.
    ///   - configuration: concurrency, request size limit, metrics.
    ///   - logger: where decisions and failures are logged (default: the context's logger), at
    ///     `info` at most; what a client can repeat at will (undecodable or malformed requests)
    ///     at most once per 10 s for each kind (Docs/TypedMessaging.md, *Observability*).
    ///   - readsContext: whether `handler` reads its ``RequestContext`` (the public initialisers
    ///     in RequestService+Context.swift decide by the handler's form).
    ///   - handler: the work, called once per request, concurrently.
    /// - Throws: ``/ZeroMQ/ZeroMQError`` when an endpoint cannot be bound (`EADDRINUSE`, ...) or
    ///   connected, when `endpoints` is empty, or when the configuration's
    ///   ``RequestServiceConfiguration/security`` is refused (see ``/ZeroMQ/Socket/setSecurity(_:)``).
    init(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        requestDecoder: some MessageDecoder<Request>,
        responseEncoder: some MessageEncoder<Response>,
        configuration: RequestServiceConfiguration,
        logger: Logger?,
        readsContext: Bool,
        handler: @escaping ContextHandler
    ) async throws {
        guard !endpoints.isEmpty else {
            throw ZeroMQError(
                code: .invalidArgument, operation: "RequestService.init",
                reason: "a request service needs at least one endpoint"
            )
        }
        let socket = try RouterSocket(context)
        let resolved: [String]
        do {
            if let hardening = configuration.connectionHardening {
                try await socket.apply(hardening)
            }
            if let limit = configuration.maximumRequestSize {
                try await socket.setOption(.maximumMessageSize, to: Int64(limit))
            }
            if configuration.security != .null { try await socket.setSecurity(configuration.security) }
            if readsContext { await socket.setKeepsMessageMetadata(true) }
            resolved = try await socket.use(endpoints)
        } catch {
            await socket.close()
            throw error
        }
        self.socket = socket
        self.boundEndpoints = resolved
        self.decoder = requestDecoder
        self.encoder = responseEncoder
        self.configuration = configuration
        self.handler = handler
        self.readsContext = readsContext
        self.logger = logger ?? context.logger
        self.metrics = ServiceMetrics(
            factory: configuration.metricsFactory ?? MetricsSystem.factory,
            dimensions: configuration.metricsDimensions
        )
    }

    /// Serves requests until graceful shutdown, then finishes those in flight and closes.
    ///
    /// Errors reading the socket are logged and end the service like a shutdown. After a
    /// shutdown asked for before it, `run()` closes the socket and returns at once.
    ///
    /// - Throws: ``/ZeroMQ/ZeroMQError/Code-swift.struct/invalidState`` when `run()` runs or ran
    ///   already (a service runs once: Docs/TypedMessaging.md, *Lifecycle*).
    public func run() async throws {
        // Decided before a reader exists: a refused second run() must not read (and strand)
        // a request of the running one.
        switch state.withLock({ $0.lifecycle.run() }) {
        case .start:
            break
        case .returnAtOnce:
            // Shut down before it ran: read nothing, close.
            await socket.close()
            return
        case .refuse(let refusal):
            throw refusal.error(for: "the request service", endpoints: boundEndpoints)
        }
        let limit = ConcurrencyLimit(configuration.maximumConcurrentRequests)
        let (requests, continuation) = AsyncStream.makeStream(of: Message.self)
        let socket = self.socket
        let logger = self.logger
        let endpoints = boundEndpoints.joined(separator: ",")
        // The reader runs on the loop (where each receive is a direct libzmq call) and is its
        // own task so that shutdown can stop it alone: cancelling it leaves the handlers be.
        let task = Task(executorPreference: socket.loop.taskExecutor) {
            defer { continuation.finish() }
            do {
                while true {
                    await limit.acquire()
                    if Task.isCancelled { return }
                    let message = try await socket.receive()
                    continuation.yield(message)
                }
            } catch is CancellationError {
                return
            } catch let error as ZeroMQError where error.isEndOfStream {
                return
            } catch {
                logger.info("reading requests failed", metadata: ["zmq.endpoint": "\(endpoints)", "zmq.error": "\(error)"])
            }
        }
        // A shutdown asked for since the decision above found no reader to stop: stop it here.
        let stopped = state.withLock { state -> Bool in
            state.reader = task
            return state.lifecycle.state != .running
        }
        if stopped { task.cancel() }
        logger.info("request service serving", metadata: ["zmq.endpoint": "\(endpoints)"])

        // The group and its tasks prefer the loop: a request goes from the reader to its task,
        // and its reply to libzmq, without a thread hop. Only decoding, the handler and encoding
        // leave the loop (see `handle`).
        await withTaskExecutorPreference(socket.loop.taskExecutor) {
            await withTaskCancellationOrGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    for await message in requests {
                        group.addTask {
                            await self.handle(message)
                            limit.release()
                        }
                    }
                }
            } onCancelOrGracefulShutdown: {
                self.beginGracefulShutdown()
            }
        }
        await socket.close()
        state.withLock {
            $0.lifecycle.finish()
            $0.reader = nil
        }
        logger.info("request service stopped", metadata: ["zmq.endpoint": "\(endpoints)"])
    }

    /// Stops reading requests; ``run()`` then finishes those in flight and returns. Safe to
    /// call from anywhere, more than once, before or during `run()`.
    public func beginGracefulShutdown() {
        let reader = state.withLock { state -> Task<Void, Never>? in
            switch state.lifecycle.beginShutdown() {
            case .drain: state.reader
            case .stopBeforeRun, .none: nil
            }
        }
        reader?.cancel()
    }

    /// Decodes, handles and answers one request. Runs on the loop; the work in between on the
    /// global executor, so that a slow handler delays no socket (unless
    /// ``RequestServiceConfiguration/runsHandlersOnLoop``).
    private func handle(_ message: Message) async {
        guard let request = WireFormat.parseRequest(message) else {
            metrics.dropped.increment()
            malformedLog.log(
                logger, level: .info, "dropped a message without an envelope",
                metadata: ["zmq.endpoint": "\(boundEndpoints.joined(separator: ","))", "zmq.frames": "\(message.frameCount)"]
            )
            return
        }
        let started = ContinuousClock.now
        metrics.inFlight.increment()
        defer { metrics.inFlight.decrement() }
        let reply: Message
        switch request.metadata {
        case .failure(let malformed):
            reply = failure(
                to: request, counter: metrics.badRequest, log: undecodableLog, "malformed metadata frame", error: malformed,
                RemoteError(code: RemoteError.badRequestCode, message: "the request's metadata frame could not be read: \(malformed)")
            )
        case .success(let call):
            let deadline = call.timeout.map { started + $0 }
            let context = RequestContext(
                connection: readsContext ? message : nil, routingID: request.envelope.first, call: call, deadline: deadline
            )
            if let deadline {
                reply = await answer(request, context, before: deadline)
            } else {
                reply = await answer(request, context, expiry: nil)
            }
        case nil:
            let context = RequestContext(
                connection: readsContext ? message : nil, routingID: request.envelope.first, call: nil, deadline: nil
            )
            reply = await answer(request, context, expiry: nil)
        }
        metrics.duration.recordInterval(since: started)
        do {
            try await socket.send(reply)
        } catch {
            replyFailureLog.log(
                logger, level: .info, "could not send a reply",
                metadata: ["zmq.request_id": "\(request.requestID.map(String.init) ?? "none")", "zmq.error": "\(error)"]
            )
        }
    }

    /// The reply to a request without a deadline, or with one not yet passed whose `expiry`
    /// is set when it passes. On the loop; the work itself on the global executor (unless
    /// ``RequestServiceConfiguration/runsHandlersOnLoop``).
    private func answer(_ request: WireFormat.Request, _ context: RequestContext, expiry: Expiry?) async -> Message {
        if configuration.runsHandlersOnLoop {
            return await work(request, context, expiry: expiry)
        }
        return await withTaskExecutorPreference(globalConcurrentExecutor) { await self.work(request, context, expiry: expiry) }
    }

    /// The reply to a request whose caller waits until `deadline`. On the loop.
    ///
    /// A request whose deadline has passed is answered with
    /// ``RemoteError/deadlineExceededCode`` without running the handler. Otherwise the work
    /// runs in a task of its own, which a loop timer cancels at the deadline (the handler sees
    /// the cancellation: `Task.isCancelled`, a `CancellationError` from what it awaits).
    private func answer(_ request: WireFormat.Request, _ context: RequestContext, before deadline: ContinuousClock.Instant) async
        -> Message
    {
        let loop = socket.loop
        let remaining = deadline - .now
        guard remaining > .zero else { return deadlineExceeded(request) }
        let expiry = Expiry()
        let executor: any TaskExecutor = configuration.runsHandlersOnLoop ? loop.taskExecutor : globalConcurrentExecutor
        let work = Task(executorPreference: executor) { await self.work(request, context, expiry: expiry) }
        let timer = loop.schedule(after: remaining) {
            expiry.expire()
            work.cancel()
        }
        let reply = await withTaskCancellationHandler {
            await work.value
        } onCancel: {
            work.cancel()
        }
        // Back on the loop (this task prefers its executor), where timers may be touched.
        loop.cancel(timer)
        return reply
    }

    /// Whether a request's deadline has passed: set by the loop's timer, read by the work.
    private final class Expiry: Sendable {
        private let passed = Atomic(false)

        func expire() { passed.store(true, ordering: .releasing) }
        var hasPassed: Bool { passed.load(ordering: .acquiring) }
    }

    /// The ``RemoteError/deadlineExceededCode`` reply to `request`, counted and logged.
    private func deadlineExceeded(_ request: WireFormat.Request) -> Message {
        metrics.deadlineExceeded.increment()
        logger.debug(
            "the caller's deadline passed", metadata: ["zmq.request_id": "\(request.requestID.map(String.init) ?? "none")"]
        )
        return WireFormat.failure(
            to: request,
            error: RemoteError(code: RemoteError.deadlineExceededCode, message: "the caller's deadline passed")
        )
    }

    /// Decodes, runs the handler, encodes: the reply to `request`, the handler's response or
    /// the error to send back. Where `expiry` says the deadline passed, the handler is not
    /// started, and its failure is reported as the deadline.
    private func work(_ request: WireFormat.Request, _ context: RequestContext, expiry: Expiry?) async -> Message {
        let value: Request
        do {
            value = try decoder.decode(request.body)
        } catch {
            return failure(
                to: request, counter: metrics.badRequest, log: undecodableLog, "undecodable request", error: error,
                RemoteError(code: RemoteError.badRequestCode, message: "the request could not be decoded: \(error)")
            )
        }
        if expiry?.hasPassed == true { return deadlineExceeded(request) }
        let response: Response
        do {
            response = try await handler(value, context)
        } catch _ where expiry?.hasPassed == true {
            return deadlineExceeded(request)
        } catch let error as RemoteError {
            metrics.remote.increment()
            return WireFormat.failure(to: request, error: error)
        } catch {
            return failure(
                to: request, counter: metrics.internalError, log: handlerFailureLog, "the handler failed", error: error,
                RemoteError(code: RemoteError.internalErrorCode, message: "the service failed to handle the request")
            )
        }
        do {
            let body = try encoder.encode(response)
            metrics.ok.increment()
            return WireFormat.success(to: request, body: body)
        } catch {
            return failure(
                to: request, counter: metrics.unencodable, log: handlerFailureLog, "unencodable response", error: error,
                RemoteError(code: RemoteError.unencodableResponseCode, message: "the service could not encode its response")
            )
        }
    }

    /// Counts and logs a failure of the service's own (the error stays here), and makes the
    /// error reply that tells the client.
    private func failure(
        to request: WireFormat.Request,
        counter: Counter,
        log: RateLimitedLog,
        _ message: Logger.Message,
        error: any Error,
        _ reply: RemoteError
    ) -> Message {
        counter.increment()
        log.log(
            logger, level: .info, message,
            metadata: ["zmq.request_id": "\(request.requestID.map(String.init) ?? "none")", "zmq.error": "\(error)"]
        )
        return WireFormat.failure(to: request, error: reply)
    }
}

extension RequestService where Request: Decodable, Response: Encodable {
    /// Makes a service on `endpoints` that speaks JSON (``JSONCodec``).
    ///
    /// - Throws: as ``init(_:endpoints:requestDecoder:responseEncoder:configuration:logger:handler:)-(_,_,_,_,_,_,Handler)``.
    public convenience init(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        configuration: RequestServiceConfiguration = RequestServiceConfiguration(),
        logger: Logger? = nil,
        handler: @escaping Handler
    ) async throws {
        try await self.init(
            context, endpoints: endpoints, requestDecoder: JSONCodec<Request>(), responseEncoder: JSONCodec<Response>(),
            configuration: configuration, logger: logger, handler: handler
        )
    }
}
