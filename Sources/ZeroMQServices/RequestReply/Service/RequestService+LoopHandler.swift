import Logging
import ZeroMQ

extension RequestService {
    /// A synchronous handler that the service runs on its poll loop, inline: each request is
    /// decoded, handled, encoded and answered in the job that read it, with no task of its own
    /// and no thread hop.
    ///
    /// ```swift
    /// let service = try await RequestService<Sum, Int>(
    ///     context, endpoints: [.bind("tcp://*:5555")], handler: .onLoop { sum in sum.a + sum.b }
    /// )
    /// ```
    ///
    /// This is the cheapest way to answer: with 64 calls in flight a `PassthroughCodec` client
    /// and service took 15–40 % less CPU per call than with an `async` handler in
    /// Docs/Performance.md's measurements (*A synchronous handler on the loop*). The price is
    /// that requests are handled one after another, and the loop runs every socket on it one
    /// job at a time: use it for handlers that compute quickly and never block (a lookup in
    /// memory, arithmetic, routing).
    /// A handler that needs to `await` (a database, another service) belongs in the `async`
    /// forms, which handle requests concurrently.
    ///
    /// A request whose caller's deadline has passed when its turn comes is not handled and
    /// gets no reply, as with the other forms; a running handler cannot be stopped at the
    /// deadline (it is synchronous), and its reply is sent even if late (the caller has given
    /// up on it by then). ``RequestServiceConfiguration/maximumConcurrentRequests`` and
    /// ``RequestServiceConfiguration/runsHandlersOnLoop`` do not apply: one request is handled
    /// at a time, always on the loop. A service with a loop handler serves no server streams.
    public struct LoopHandler: Sendable {
        /// The handler in its fullest form.
        let body: @Sendable (Request, RequestContext) throws -> Reply<Response>
        /// Whether the handler reads the ``RequestContext`` (then the socket keeps each
        /// request's libzmq metadata).
        let readsContext: Bool

        /// A handler that computes each response from its request alone.
        ///
        /// - Parameter body: called on the poll loop once per request, one request at a time.
        ///   It throws a ``RemoteError`` to send it to the client as is; any other error is
        ///   logged and sent as ``RemoteError/internalErrorCode``.
        public static func onLoop(_ body: @escaping @Sendable (Request) throws -> Response) -> LoopHandler {
            LoopHandler(body: { request, _ in Reply(try body(request)) }, readsContext: false)
        }

        /// A handler that gets each request's ``RequestContext`` (its headers, deadline, the
        /// client's identity) and sends headers back with its response (a ``Reply``).
        ///
        /// - Parameter body: called on the poll loop once per request, one request at a time;
        ///   errors as in ``onLoop(_:)-((Request)->Response)``.
        public static func onLoop(
            _ body: @escaping @Sendable (Request, RequestContext) throws -> Reply<Response>
        ) -> LoopHandler {
            LoopHandler(body: body, readsContext: true)
        }
    }

    /// Makes a service whose synchronous handler runs on the service's poll loop, inline (see
    /// ``LoopHandler``).
    ///
    /// - Parameters:
    ///   - context: the context whose loop runs the service's socket and its handler.
    ///   - endpoints: where to listen (``ServiceEndpoint/bind(_:)``) or whom to connect to
    ///     (``ServiceEndpoint/connect(_:)``); at least one.
    ///   - requestDecoder: how request frames become requests (run on the loop).
    ///   - responseEncoder: how responses become frames (run on the loop).
    ///   - configuration: request size limit, security, metrics.
    ///   - logger: where decisions and failures are logged (default: the context's logger).
    ///   - handler: the work, ``LoopHandler/onLoop(_:)-((Request)->Response)`` or its form with a
    ///     ``RequestContext``.
    /// - Throws: as the initialiser with an `async` handler.
    public convenience init(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        requestDecoder: some MessageDecoder<Request>,
        responseEncoder: some MessageEncoder<Response>,
        configuration: RequestServiceConfiguration = RequestServiceConfiguration(),
        logger: Logger? = nil,
        handler: LoopHandler
    ) async throws {
        try await self.init(
            context, endpoints: endpoints, requestDecoder: requestDecoder, responseEncoder: responseEncoder,
            configuration: configuration, logger: logger, readsContext: handler.readsContext, loopHandler: handler
        ) { request, context in
            // Never called: the reader runs the loop handler itself.
            try handler.body(request, context)
        }
    }
}

extension RequestService where Request: Decodable, Response: Encodable {
    /// Makes a service that speaks JSON (``JSONCodec``) and whose synchronous handler runs on
    /// the service's poll loop, inline (see ``LoopHandler``).
    ///
    /// - Throws: as the initialiser with an `async` handler.
    public convenience init(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        configuration: RequestServiceConfiguration = RequestServiceConfiguration(),
        logger: Logger? = nil,
        handler: LoopHandler
    ) async throws {
        try await self.init(
            context, endpoints: endpoints, requestDecoder: JSONCodec<Request>(), responseEncoder: JSONCodec<Response>(),
            configuration: configuration, logger: logger, handler: handler
        )
    }
}
