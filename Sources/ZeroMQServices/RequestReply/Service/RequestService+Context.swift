import Logging
import ZeroMQ

extension RequestService {
    /// The handler's type when it needs to know who asked: one request and its
    /// ``RequestContext`` in, one response out, or an error.
    public typealias ContextHandler = @Sendable (Request, RequestContext) async throws -> Response

    /// The handler's type when it also sends headers back: one request and its
    /// ``RequestContext`` in, a ``Reply`` (the response and its headers) out, or an error.
    public typealias ReplyHandler = @Sendable (Request, RequestContext) async throws -> Reply<Response>

    /// Makes a service on `endpoints` that decodes requests and encodes responses with the
    /// given codecs.
    ///
    /// - Parameters:
    ///   - context: the context whose loop runs the service's socket.
    ///   - endpoints: where to listen (``ServiceEndpoint/bind(_:)``) or whom to connect to
    ///     (``ServiceEndpoint/connect(_:)``); at least one.
    ///   - requestDecoder: how request frames become requests.
    ///   - responseEncoder: how responses become frames.
    ///   - configuration: concurrency, request size limit, security, metrics.
    ///   - logger: where decisions and failures are logged (default: the context's logger).
    ///   - handler: the work, called once per request, concurrently.
    /// - Throws: ``/ZeroMQ/ZeroMQError`` when an endpoint cannot be bound (`EADDRINUSE`, ...) or
    ///   connected, when `endpoints` is empty, or when the configuration's
    ///   ``RequestServiceConfiguration/security`` is refused (see ``/ZeroMQ/Socket/setSecurity(_:)``).
    public convenience init(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        requestDecoder: some MessageDecoder<Request>,
        responseEncoder: some MessageEncoder<Response>,
        configuration: RequestServiceConfiguration = RequestServiceConfiguration(),
        logger: Logger? = nil,
        handler: @escaping Handler
    ) async throws {
        try await self.init(
            context, endpoints: endpoints, requestDecoder: requestDecoder, responseEncoder: responseEncoder,
            configuration: configuration, logger: logger, readsContext: false
        ) { request, _ in
            Reply(try await handler(request))
        }
    }

    /// Makes a service whose handler also gets each request's ``RequestContext``: who the
    /// client is (``RequestContext/userID``, set by the ZAP authenticator when the
    /// configuration's ``RequestServiceConfiguration/security`` authenticates clients) and
    /// where it connects from.
    ///
    /// ```swift
    /// var configuration = RequestServiceConfiguration()
    /// configuration.security = .curveServer(keys: serviceKeys)
    /// let service = try await RequestService<Sum, Int>(
    ///     context, endpoints: [.bind("tcp://*:5555")], requestDecoder: JSONCodec(),
    ///     responseEncoder: JSONCodec(), configuration: configuration
    /// ) { sum, request in
    ///     logger.info("sum for \(request.userID ?? "nobody")")
    ///     return sum.a + sum.b
    /// }
    /// ```
    ///
    /// The socket keeps every request frame's libzmq metadata for this
    /// (``/ZeroMQ/Socket/keepsMessageMetadata``); the `(Request)` form does not pay for it.
    ///
    /// - Throws: as the initialiser whose handler takes only the request.
    public convenience init(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        requestDecoder: some MessageDecoder<Request>,
        responseEncoder: some MessageEncoder<Response>,
        configuration: RequestServiceConfiguration = RequestServiceConfiguration(),
        logger: Logger? = nil,
        handler: @escaping ContextHandler
    ) async throws {
        try await self.init(
            context, endpoints: endpoints, requestDecoder: requestDecoder, responseEncoder: responseEncoder,
            configuration: configuration, logger: logger, readsContext: true
        ) { request, context in
            Reply(try await handler(request, context))
        }
    }

    /// Makes a service whose handler gets each request's ``RequestContext`` and sends headers
    /// back with its response (a ``Reply``), like gRPC's response metadata.
    ///
    /// ```swift
    /// let service = try await RequestService<Sum, Int>(
    ///     context, endpoints: [.bind("tcp://*:5555")], requestDecoder: JSONCodec(), responseEncoder: JSONCodec()
    /// ) { sum, request in
    ///     Reply(sum.a + sum.b, headers: ["served-by": hostName])
    /// }
    /// ```
    ///
    /// The headers follow the rules of a request's (see ``Reply``); a handler that returns
    /// headers that cannot be sent gets an `unencodable-response` error reply sent for it.
    /// They reach callers that send the metadata frame of Docs/WireProtocol.md:
    /// ``RequestClient/reply(for:headers:timeout:idempotent:)`` always, other calls of a
    /// ``RequestClient`` when they carry headers or their deadline (the default); a REQ socket or
    /// a client of an earlier version gets the response alone.
    ///
    /// - Throws: as the initialiser whose handler takes only the request.
    public convenience init(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        requestDecoder: some MessageDecoder<Request>,
        responseEncoder: some MessageEncoder<Response>,
        configuration: RequestServiceConfiguration = RequestServiceConfiguration(),
        logger: Logger? = nil,
        handler: @escaping ReplyHandler
    ) async throws {
        try await self.init(
            context, endpoints: endpoints, requestDecoder: requestDecoder, responseEncoder: responseEncoder,
            configuration: configuration, logger: logger, readsContext: true, handler: handler
        )
    }
}

extension RequestService where Request: Decodable, Response: Encodable {
    /// Makes a service on `endpoints` that speaks JSON (``JSONCodec``) and hands each request's
    /// ``RequestContext`` to `handler` with the request.
    ///
    /// - Throws: as the initialiser whose handler takes only the request.
    public convenience init(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        configuration: RequestServiceConfiguration = RequestServiceConfiguration(),
        logger: Logger? = nil,
        handler: @escaping ContextHandler
    ) async throws {
        try await self.init(
            context, endpoints: endpoints, requestDecoder: JSONCodec<Request>(), responseEncoder: JSONCodec<Response>(),
            configuration: configuration, logger: logger, handler: handler
        )
    }

    /// Makes a service on `endpoints` that speaks JSON (``JSONCodec``), hands each request's
    /// ``RequestContext`` to `handler` with the request, and sends back the headers of the
    /// handler's ``Reply`` with its response.
    ///
    /// - Throws: as the initialiser whose handler takes only the request.
    public convenience init(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        configuration: RequestServiceConfiguration = RequestServiceConfiguration(),
        logger: Logger? = nil,
        handler: @escaping ReplyHandler
    ) async throws {
        try await self.init(
            context, endpoints: endpoints, requestDecoder: JSONCodec<Request>(), responseEncoder: JSONCodec<Response>(),
            configuration: configuration, logger: logger, handler: handler
        )
    }
}
