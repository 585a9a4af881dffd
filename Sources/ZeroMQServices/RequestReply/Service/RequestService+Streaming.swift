import Logging
import ZeroMQ

// Server streaming (Docs/WireProtocol.md, *Server streaming*): a handler that answers one
// request with a sequence of responses, sent as the caller grants credit.
extension RequestService {
    /// A streaming handler as the service keeps it: it hands each response to `send`, which
    /// returns once the response is on its way (after waiting for credit) and throws when the
    /// stream must stop.
    typealias StreamHandler = @Sendable (
        Request, RequestContext, _ send: (Response) async throws -> Void
    ) async throws -> Void

    /// Makes a service that answers each request with a stream of responses: the
    /// `AsyncSequence` its handler returns, sent to the caller as it reads
    /// (``RequestClient/stream(_:headers:timeout:credit:_:)``).
    ///
    /// ```swift
    /// let service = try await RequestService<Query, Row>(
    ///     context, endpoints: [.bind("tcp://*:5555")], requestDecoder: JSONCodec(), responseEncoder: JSONCodec()
    /// ) { query, request in
    ///     database.rows(matching: query)  // any AsyncSequence of Row
    /// }
    /// ```
    ///
    /// - Flow control: the service takes the next response from the sequence only when the
    ///   caller has credit left (it grants more as it reads), so a slow caller holds the
    ///   handler back instead of filling memory on either side. While it waits for credit a
    ///   stream holds none of the ``RequestServiceConfiguration/maximumConcurrentRequests``.
    /// - End: when the sequence ends, the caller's stream ends. When it throws, or the handler
    ///   does, the caller gets the error after the responses sent before it (a ``RemoteError``
    ///   as it is, any other as ``RemoteError/internalErrorCode``).
    /// - Cancellation: when the caller stops reading (it leaves the stream's closure, or its
    ///   task is cancelled), the handler's task is cancelled and nothing more is sent. When the
    ///   caller's deadline passes, the same, as for any request. A graceful shutdown ends the
    ///   streams in progress at their next response with ``RemoteError/shuttingDownCode``; a
    ///   stream whose caller grants no credit for ``RequestServiceConfiguration/streamCreditTimeout``
    ///   ends with ``RemoteError/streamStalledCode`` (its caller may be gone without a word).
    /// - Requests that do not ask for a stream (``RequestClient/request(_:headers:timeout:idempotent:)``,
    ///   REQ sockets) get a ``RemoteError/streamRequiredCode`` error.
    ///
    /// - Throws: as the initialiser whose handler takes only the request.
    public convenience init<Responses: AsyncSequence>(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        requestDecoder: some MessageDecoder<Request>,
        responseEncoder: some MessageEncoder<Response>,
        configuration: RequestServiceConfiguration = RequestServiceConfiguration(),
        logger: Logger? = nil,
        streaming handler: @escaping @Sendable (Request, RequestContext) async throws -> Responses
    ) async throws where Responses.Element == Response, Responses: SendableMetatype {
        try await self.init(
            context, endpoints: endpoints, requestDecoder: requestDecoder, responseEncoder: responseEncoder,
            configuration: configuration, logger: logger, readsContext: true,
            streamHandler: { request, context, send in
                for try await response in try await handler(request, context) {
                    try await send(response)
                }
            },
            // Never called: streamRefusal answers every request that opens no stream.
            handler: { _, _ in throw Self.streamRequired }
        )
    }

    /// The error reply of a streaming service to a request it cannot stream to: one that asks
    /// for no stream, or for one whose id its caller has open already. `nil` for a request that
    /// opened its stream.
    func streamRefusal(_ work: Work) -> Answer? {
        switch work.stream {
        case .open:
            return nil
        case .duplicate:
            return failure(
                to: work.request, counter: metrics.badRequest, log: undecodableLog, "a stream's id reused",
                error: RemoteError(code: RemoteError.badRequestCode, message: "stream id in use"),
                RemoteError(
                    code: RemoteError.badRequestCode,
                    message: "a stream with this request id is in progress on this connection"
                )
            )
        case .full:
            return tooManyStreams(
                work, "the service has \(configuration.maximumStreams) streams open, its most; try again later"
            )
        case .overConnectionLimit(let credit):
            return tooManyStreams(
                work,
                "the credit of this connection's streams would pass the service's \(configuration.maximumStreamCreditPerConnection) (this one asks for \(credit)); try again later or with less"
            )
        case .none:
            metrics.badRequest.increment()
            return Answer(to: work.request, error: Self.streamRequired)
        }
    }

    /// The `too-many-streams` reply to a stream a limit refused, saying why: counted, and
    /// logged at most once per 10 s (a client can repeat it at will).
    private func tooManyStreams(_ work: Work, _ reason: String) -> Answer {
        let error = RemoteError(code: RemoteError.tooManyStreamsCode, message: reason)
        return failure(
            to: work.request, counter: metrics.tooManyStreams, log: tooManyStreamsLog, "a stream refused", error: error, error
        )
    }

    /// The error a streaming service sends to a request that opens no stream.
    static var streamRequired: RemoteError {
        RemoteError(
            code: RemoteError.streamRequiredCode, message: "this service answers with a stream: call it with RequestClient.stream"
        )
    }

    /// Why a stream's `send` stopped the handler.
    private struct Stopped: Error {
        var reason: StreamStop
    }

    /// A response the encoder refused.
    private struct Unencodable: Error {
        var underlying: any Error
    }

    /// Runs a streaming handler: each response it yields is sent as an item once the caller has
    /// credit; then the end, or the error. Off the loop (as any handler), the sends on it.
    ///
    /// - Returns: the last message: the end of the stream, an error reply, or none (the caller
    ///   cancelled, or its deadline passed: nobody reads any more).
    func stream(
        _ value: Request, _ work: Work, handler: StreamHandler, sending: StreamSending, expiry: Expiry?
    ) async -> Answer {
        let request = work.request
        let socket = self.socket, encoder = self.encoder, streams = self.streams
        let stallTimeout = configuration.streamCreditTimeout
        var sent = 0
        do {
            try await handler(value, work.context) { response in
                if case .stop(let reason) = await streams.take(sending.key, limit: sending.limit, stallTimeout: stallTimeout) {
                    throw Stopped(reason: reason)
                }
                let body: [Frame]
                do {
                    body = try encoder.encode(response)
                } catch {
                    throw Unencodable(underlying: error)
                }
                try await socket.send(WireFormat.streamItem(to: request, body: body))
                sent += 1
            }
        } catch _ where expiry?.hasPassed == true {
            return deadlineExceeded(request)
        } catch let stopped as Stopped where stopped.reason == .shuttingDown {
            metrics.shuttingDown.increment()
            return Answer(
                to: request,
                error: RemoteError(
                    code: RemoteError.shuttingDownCode,
                    message: "the service is shutting down; the stream ended after \(sent) responses"
                )
            )
        } catch let stopped as Stopped where stopped.reason == .stalled {
            // Its caller is gone, most likely; if it only reads slowly, it learns why.
            metrics.stalled.increment()
            logger.debug(
                "a stream's caller granted no credit in time",
                metadata: ["zmq.request_id": "\(request.requestID.map(String.init) ?? "none")", "zmq.sent": "\(sent)"]
            )
            return Answer(
                to: request,
                error: RemoteError(
                    code: RemoteError.streamStalledCode,
                    message: "no credit came for \(stallTimeout.map { "\($0)" } ?? "ever"); the stream ended after \(sent) responses"
                )
            )
        } catch _ where streams.isCancelled(sending.key) {
            // The caller left: nobody reads a reply.
            metrics.cancelled.increment()
            logger.debug(
                "the caller cancelled its stream",
                metadata: ["zmq.request_id": "\(request.requestID.map(String.init) ?? "none")", "zmq.sent": "\(sent)"]
            )
            return Answer(message: nil, outcome: "cancelled")
        } catch let error as Unencodable {
            return unencodable(request, error.underlying)
        } catch {
            return handlerFailed(request, error)
        }
        metrics.ok.increment()
        return Answer(message: WireFormat.streamEnd(to: request), outcome: "ok")
    }
}

extension RequestService where Request: Decodable, Response: Encodable {
    /// Makes a service that speaks JSON (``JSONCodec``) and answers each request with a stream
    /// of responses: see
    /// ``init(_:endpoints:requestDecoder:responseEncoder:configuration:logger:streaming:)``.
    ///
    /// - Throws: as the initialiser whose handler takes only the request.
    public convenience init<Responses: AsyncSequence>(
        _ context: Context,
        endpoints: [ServiceEndpoint],
        configuration: RequestServiceConfiguration = RequestServiceConfiguration(),
        logger: Logger? = nil,
        streaming handler: @escaping @Sendable (Request, RequestContext) async throws -> Responses
    ) async throws where Responses.Element == Response, Responses: SendableMetatype {
        try await self.init(
            context, endpoints: endpoints, requestDecoder: JSONCodec<Request>(), responseEncoder: JSONCodec<Response>(),
            configuration: configuration, logger: logger, streaming: handler
        )
    }
}
