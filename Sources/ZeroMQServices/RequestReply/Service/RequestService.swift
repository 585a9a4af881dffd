import CoreMetrics
import Logging
import ServiceLifecycle
import ZeroMQ
import ZeroMQSupport

/// A typed request/reply service: decodes each `Request`, runs your handler, sends back its
/// `Response` (or its error).
///
/// The service reads requests on a ROUTER socket in the protocol of Docs/WireProtocol.md, so
/// ``RequestClient``s, REQ sockets and any peer that speaks the protocol can call it. Handlers
/// run concurrently, each request in a task of its own, at most
/// ``RequestServiceConfiguration/maximumConcurrentRequests`` at a time, on the global executor
/// (not on the poll loop, so a slow handler delays no socket; quick handlers may opt in with
/// ``RequestServiceConfiguration/runsHandlersOnLoop``). A synchronous handler can run on the
/// loop inline instead, without a task per request (``LoopHandler``), the cheapest form.
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
    let decoder: any MessageDecoder<Request>
    let encoder: any MessageEncoder<Response>
    /// The handler, in its fullest form (the others are wrapped into it). A streaming service's
    /// refuses every request that does not ask for a stream.
    let handler: ReplyHandler
    /// A streaming service's handler (RequestService+Streaming.swift), `nil` for the others.
    let streamHandler: StreamHandler?
    /// The synchronous handler the reader runs itself, on the loop
    /// (RequestService+LoopHandler.swift); `nil` for the others.
    let loopHandler: LoopHandler?
    /// The server streams being sent.
    let streams: StreamFlows
    /// Whether the handler takes a ``RequestContext``: then the socket keeps each request's
    /// metadata (``/ZeroMQ/Socket/keepsMessageMetadata``), which costs a libzmq message per frame.
    let readsContext: Bool
    let logger: Logger
    let metrics: ServiceMetrics
    /// Each kind of failure a client can cause at will is logged at `info`, at most once per
    /// 10 s (with the number left out): a client sending 3 000 malformed requests writes one
    /// line, not 3 000. The metrics count every one.
    let malformedLog = RateLimitedLog(), undecodableLog = RateLimitedLog()
    let replyFailureLog = RateLimitedLog(), handlerFailureLog = RateLimitedLog()
    let tooManyStreamsLog = RateLimitedLog()
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
    ///   - streamHandler: a streaming service's handler.
    ///   - loopHandler: a synchronous handler the reader runs itself (`handler` is unused then).
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
        streamHandler: StreamHandler? = nil,
        loopHandler: LoopHandler? = nil,
        handler: @escaping ReplyHandler
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
            if streamHandler != nil {
                // Room for every item the streams of a connection may have on their way, and
                // for libzmq's usual 1 000 more (replies): a ROUTER drops what goes beyond.
                try await socket.setOption(
                    .sendHighWaterMark, to: Self.sendHighWaterMark(streamCredit: configuration.maximumStreamCreditPerConnection)
                )
            }
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
        self.streamHandler = streamHandler
        self.loopHandler = loopHandler
        self.streams = StreamFlows(
            limit: configuration.maximumStreams, connectionLimit: configuration.maximumStreamCreditPerConnection
        )
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
        let socket = self.socket
        let loop = socket.loop
        let logger = self.logger
        let endpoints = boundEndpoints.joined(separator: ",")
        // Each request gets a task of its own that prefers the loop: a request goes from the
        // reader to its task, and its reply to libzmq, without a thread hop. Only decoding, the
        // handler and encoding leave the loop (see `handle`). The tasks are tracked (not a task
        // group) so that a request's deadline can cancel its task alone.
        let handlers = HandlerTasks()
        // The reader runs on the loop (where each receive is a direct libzmq call) and starts
        // each request's task itself. It is a task of its own so that shutdown can stop it
        // alone: cancelling it leaves the handlers be. Its tasks inherit the task-local values
        // of `run()`'s caller, as the reader does.
        let reader = Task(executorPreference: loop.taskExecutor) {
            do {
                while true {
                    await limit.acquire()
                    if Task.isCancelled { return }
                    let message = try await socket.receive()
                    // Messages that steer a stream, and those nobody can answer, are dealt with
                    // here; each request gets a task.
                    guard let (request, stream) = self.admit(message) else {
                        limit.release()
                        continue
                    }
                    if let loopHandler = self.loopHandler {
                        // Answered here, in this job: no task, no hop (LoopHandler).
                        await self.answerInline(request, message, stream: stream, with: loopHandler)
                        limit.release()
                        continue
                    }
                    handlers.start(on: loop.taskExecutor) { task in
                        await self.handle(request, message, stream: stream, task: task, limit: limit)
                        limit.release()
                    }
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
            state.reader = reader
            return state.lifecycle.state != .running
        }
        if stopped { reader.cancel() }
        logger.info("request service serving", metadata: ["zmq.endpoint": "\(endpoints)"])

        await withTaskCancellationHandler {
            await withTaskCancellationOrGracefulShutdownHandler {
                await reader.value
                // The reader has stopped: finish the requests in flight.
                await handlers.waitUntilAllFinished()
            } onCancelOrGracefulShutdown: {
                self.beginGracefulShutdown()
            }
        } onCancel: {
            handlers.cancelAll()
        }
        await socket.close()
        state.withLock {
            $0.lifecycle.finish()
            $0.reader = nil
        }
        logger.info("request service stopped", metadata: ["zmq.endpoint": "\(endpoints)"])
    }

    /// The send high-water mark of a streaming service's socket: room for a connection's
    /// `streamCredit` items besides libzmq's default 1 000 messages (saturating).
    static func sendHighWaterMark(streamCredit: Int) -> Int {
        let (sum, overflow) = max(1, streamCredit).addingReportingOverflow(1_000)
        return overflow || sum > Int(Int32.max) ? Int(Int32.max) : sum
    }

    /// Stops reading requests; ``run()`` then finishes those in flight and returns. Safe to
    /// call from anywhere, more than once, before or during `run()`.
    ///
    /// Server streams in progress end at their next item with a
    /// ``RemoteError/shuttingDownCode`` error: their callers' credit could no longer be read.
    public func beginGracefulShutdown() {
        streams.shutDown()
        let reader = state.withLock { state -> Task<Void, Never>? in
            switch state.lifecycle.beginShutdown() {
            case .drain: state.reader
            case .stopBeforeRun, .none: nil
            }
        }
        reader?.cancel()
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
