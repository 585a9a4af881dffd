import Tracing
import ZeroMQ

// Server streaming (Docs/WireProtocol.md, *Server streaming*): one request, a stream of
// responses, with credit-based flow control. The stream's state is a `StreamReceiver` (pure);
// this file is its shell on the client's loop.
extension RequestClient {
    /// A server stream in progress (ClientCall.swift: concrete, not nested in the generic client).
    typealias ClientStream = ClientCall.Stream

    /// Sends `request` to a streaming service (a ``RequestService`` made with a `streaming:`
    /// handler) and hands `body` the responses as they come, as a ``ResponseStream``.
    ///
    /// ```swift
    /// let total = try await client.stream(Query(symbol: "ACME")) { quotes in
    ///     var total = 0.0
    ///     for try await quote in quotes { total += quote.price }
    ///     return total
    /// }
    /// ```
    ///
    /// - Flow control: the service sends at most `credit` responses ahead of what `body` has
    ///   read; the client grants more each time `body` has read half as many (counted when it
    ///   asks for the next response after them). A slow reader slows the service down; neither
    ///   side buffers more than `credit` responses. The stream hands `body` the responses that
    ///   have arrived in batches of up to half the credit, so that reading many costs one hop
    ///   into the client.
    /// - End: the stream ends when the service's sequence ends; it throws the service's error
    ///   (after the responses sent before it), ``RequestError/Code-swift.struct/timedOut`` when
    ///   `timeout` passes, ``RequestError/Code-swift.struct/cancelled`` when the task is
    ///   cancelled, ``RequestError/Code-swift.struct/closed`` when the client closes,
    ///   ``RequestError/Code-swift.struct/connectionLost`` about a second after the connection to
    ///   the service dropped (a service that died or restarted: it cannot send the rest).
    /// - Leaving `body` before the end (a `break`, an error, a `return`) cancels the stream: the
    ///   service's handler is cancelled and sends nothing more. The stream cannot be used after
    ///   `body` returns.
    /// - A stream is sent once, never retried, to the active endpoint (see failover in
    ///   ``RequestClient``). A service that does not stream (an earlier version, or a REP
    ///   server) answers with one response: the stream holds that one.
    ///
    /// - Parameters:
    ///   - request: the value to send.
    ///   - headers: string headers for the handler, as in ``request(_:headers:timeout:idempotent:)``.
    ///   - timeout: how long the whole stream may take, from now to its end; `nil` uses
    ///     ``RequestClientConfiguration/timeout``. The service learns it (unless
    ///     ``RequestClientConfiguration/propagatesDeadline`` is off) and cancels its handler
    ///     when it passes.
    ///   - credit: how many responses the service may send ahead of `body`: 1 to 65 536.
    ///   - body: reads the responses; its result is returned.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws, or a ``RequestError`` when the stream could not start:
    ///   unreachable (the connection stayed down until the timeout), closed, cancelled, or an
    ///   unencodable request (also for invalid headers or a credit out of range; nothing is sent).
    nonisolated(nonsending) public func stream<Result>(
        _ request: Request,
        headers: [String: String] = [:],
        timeout: Duration? = nil,
        credit: Int = 32,
        _ body: (ResponseStream<Response>) async throws -> Result
    ) async throws -> Result {
        let span = startSpan(CallTracing.streamSpanName, ofKind: .client)
        defer { span.end() }
        var headers = headers
        let encoded: [Frame]
        do {
            guard (1...CallMetadata.maximumStreamCredit).contains(credit) else {
                throw CallMetadata.InvalidHeader(
                    description: "a stream's credit is \(credit); it must be from 1 to \(CallMetadata.maximumStreamCredit)"
                )
            }
            if !headers.isEmpty { try CallMetadata.validate(headers) }
            encoded = try encoder.encode(request)
        } catch {
            metrics.unencodable.increment()
            let failure = RequestError(code: .unencodableRequest, underlying: error)
            Self.record(failure, in: span)
            throw failure
        }
        if span.isRecording {
            InstrumentationSystem.instrument.inject(span.context, into: &headers, using: CallTracing.HeaderInjector())
        }
        let id: UInt64, endpoint: String
        do {
            (id, endpoint) = try await openStream(encoded, headers: headers, timeout: timeout ?? configuration.timeout, credit: credit)
        } catch {
            Self.record(error, in: span)
            throw error
        }
        if span.isRecording {
            span.attributes[CallTracing.Attribute.requestID] = Int(truncatingIfNeeded: id)
            span.attributes[CallTracing.Attribute.endpoint] = endpoint
        }
        let decoder = self.decoder
        let responses = ResponseStream<Response>(
            fetch: { [self] (used: Int) async throws(RequestError) -> [[Frame]]? in
                switch await nextStreamItems(id, used: used) {
                case .items(let batch): return batch
                case .finished: return nil
                case .failed(let error): throw error
                }
            },
            decode: { [metrics] (frames: [Frame]) throws(RequestError) -> Response in
                do {
                    return try decoder.decode(frames)
                } catch {
                    metrics.undecodable.increment()
                    throw RequestError(
                        code: .undecodableReply, requestID: id, attempts: 1, replyFrames: frames.map(\.bytes), underlying: error
                    )
                }
            }
        )
        do {
            let result = try await body(responses)
            let outcome = await finishStream(id)
            if span.isRecording { span.attributes[CallTracing.Attribute.outcome] = outcome }
            return result
        } catch {
            let outcome = await finishStream(id)
            if span.isRecording {
                span.attributes[CallTracing.Attribute.outcome] = outcome
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error))
            }
            throw error
        }
    }

    /// Records a stream that did not start in its span.
    private static func record(_ error: RequestError, in span: any Span) {
        guard span.isRecording else { return }
        span.attributes[CallTracing.Attribute.outcome] = error.code.resultLabel
        if let endpoint = error.endpoint { span.attributes[CallTracing.Attribute.endpoint] = endpoint }
        span.recordError(error)
        span.setStatus(SpanStatus(code: .error))
    }

    /// Sends the request that opens a stream, once its endpoint is connected: the stream's id,
    /// and the endpoint it went to.
    private func openStream(
        _ body: [Frame], headers: [String: String], timeout: Duration, credit: Int
    ) async throws(RequestError) -> (id: UInt64, endpoint: String) {
        guard takesCalls else {
            metrics.closed.increment()
            throw RequestError(code: .closed)
        }
        let started = ContinuousClock.now
        let deadline = started + timeout
        let id = calls.startCall()
        metrics.inFlight.increment()
        let endpoint = tracker.active
        func fail(_ code: RequestError.Code, attempts: Int, underlying: (any Error)? = nil) -> RequestError {
            metrics.inFlight.decrement()
            if calls.finishCall() { resumeDrainWaiters() }
            metrics.counter(for: code).increment()
            return RequestError(code: code, endpoint: endpoints[endpoint], requestID: id, attempts: attempts, underlying: underlying)
        }
        if !tracker.isConnected(endpoint) {
            let up = await waitForConnection(of: endpoint, id: id, until: deadline)
            if Task.isCancelled { throw fail(.cancelled, attempts: 0) }
            guard up else {
                if closed { throw fail(.closed, attempts: 0) }
                throw fail(
                    .unreachable, attempts: 0,
                    underlying: tracker.lastHandshakeFailure(of: endpoint).map(HandshakeFailedError.init)
                )
            }
        }
        let timer = loop.schedule(after: max(.zero, deadline - .now)) { [self] in
            // Timers run on the loop, which is this actor's executor.
            self.assumeIsolated { $0.endStream(id, .failed(RequestError(code: .timedOut, endpoint: $0.endpoints[endpoint], requestID: id, attempts: 1))) }
        }
        // Kept before the request goes: the first items may come before `send` returns.
        streams[id] = ClientStream(
            receiver: StreamReceiver(window: credit), endpoint: endpoint, deadline: deadline, timer: timer
        )
        let remaining = deadline - .now
        let metadata = CallMetadata(
            headers: headers, timeout: configuration.propagatesDeadline ? remaining : nil, stream: .open(credit: credit)
        )
        do {
            try await sockets[endpoint].send(WireFormat.request(id: id, metadata: metadata.frame(), body: body), timeout: remaining)
        } catch {
            if let stream = streams.removeValue(forKey: id) { loop.cancel(stream.timer) }
            if error is CancellationError { throw fail(.cancelled, attempts: 0) }
            if let error = error as? ZeroMQError, error.code == .timedOut { throw fail(.unreachable, attempts: 0, underlying: error) }
            throw fail(.closed, attempts: 0, underlying: error)
        }
        return (id, endpoints[endpoint])
    }

    /// The next batch stream `id` has for its reader, who has used `used` more items of what
    /// it took: waits for one. Grants the service credit first when the receiver says so.
    private func nextStreamItems(_ id: UInt64, used: Int) async -> StreamNext<[Frame]> {
        guard let stream = streams[id] else { return .finished }
        if used > 0, let grant = streams[id]?.receiver.use(used), grant > 0, !stream.endedByService {
            await sendStreamControl(.credit(grant), id: id, on: stream.endpoint, until: stream.deadline)
        }
        return await loop.withContinuation(isolation: self) { (continuation: UnsafeContinuation<StreamNext<[Frame]>, Never>) in
            guard streams[id] != nil else {
                continuation.resume(returning: .finished)
                return
            }
            if Task.isCancelled {
                _ = streams[id]?.receiver.ended(.failed(RequestError(code: .cancelled, requestID: id, attempts: 1)))
            }
            if let now = streams[id]?.receiver.next(continuation) { continuation.resume(returning: now) }
        } onCancel: { [self] in
            loop.execute {
                self.assumeIsolated { $0.endStream(id, .failed(RequestError(code: .cancelled, requestID: id, attempts: 1))) }
            }
        }
    }

    /// Ends stream `id` here (its deadline, a cancellation, the client's close), resuming its
    /// reader if it waits.
    func endStream(_ id: UInt64, _ end: StreamReceiver<[Frame], UnsafeContinuation<StreamNext<[Frame]>, Never>>.End) {
        guard let delivery = streams[id]?.receiver.ended(end) else { return }
        resume(delivery)
    }

    private func resume(_ delivery: StreamReceiver<[Frame], UnsafeContinuation<StreamNext<[Frame]>, Never>>.Delivery) {
        if case .resume(let waiter, let next) = delivery { waiter.resume(returning: next) }
    }

    /// A message for stream `id` came from its service.
    func deliverStreamMessage(_ parsed: WireFormat.Reply, _ message: Message, id: UInt64) {
        guard var stream = streams[id] else { return }
        let endpoint = endpoints[stream.endpoint]
        let delivery: StreamReceiver<[Frame], UnsafeContinuation<StreamNext<[Frame]>, Never>>.Delivery
        switch parsed {
        case .streamItem(_, let body):
            let window = stream.receiver.window
            delivery = stream.receiver.received(
                body,
                violation: RequestError(
                    code: .undecodableReply, endpoint: endpoint, requestID: id, attempts: 1,
                    replyFrames: message.frames.map(\.bytes), underlying: StreamViolation(window: window)
                )
            )
        case .streamEnd:
            stream.endedByService = true
            delivery = stream.receiver.ended(.finished)
        case .success(_, let body, _):
            // A service that does not stream answered with one response: the stream's only item.
            stream.endedByService = true
            let item = stream.receiver.received(body, violation: RequestError(code: .undecodableReply))
            streams[id] = stream
            resume(item)
            delivery = stream.receiver.ended(.finished)
        case .failure(_, let body):
            stream.endedByService = true
            if body.count == 1, let remote = try? RemoteErrorJSON.decode(body[0].bytes) {
                delivery = stream.receiver.ended(
                    .failed(RequestError(code: .remote, endpoint: endpoint, requestID: id, attempts: 1, remoteError: remote))
                )
            } else {
                delivery = stream.receiver.ended(
                    .failed(
                        RequestError(
                            code: .undecodableReply, endpoint: endpoint, requestID: id, attempts: 1,
                            replyFrames: message.frames.map(\.bytes)
                        )
                    )
                )
            }
        case .malformed, .foreign:
            delivery = stream.receiver.ended(
                .failed(
                    RequestError(
                        code: .undecodableReply, endpoint: endpoint, requestID: id, attempts: 1,
                        replyFrames: message.frames.map(\.bytes)
                    )
                )
            )
        }
        streams[id] = stream
        resume(delivery)
    }

    /// The reader left the stream: forget it, tell the service when it has not ended it, and
    /// count the call's end. Returns the outcome, for the span.
    private func finishStream(_ id: UInt64) async -> String {
        guard let stream = streams.removeValue(forKey: id) else { return "ok" }
        loop.cancel(stream.timer)
        // How it ended for the reader; counted here, once.
        let outcome: String
        switch stream.receiver.end {
        case nil:
            metrics.cancelled.increment()
            outcome = "cancelled"
        case .finished?:
            metrics.ok.increment()
            outcome = "ok"
        case .failed(let error)?:
            metrics.counter(for: error.code).increment()
            outcome = error.code.resultLabel
        }
        if !stream.endedByService, !closed {
            await sendStreamControl(.cancel, id: id, on: stream.endpoint, until: stream.deadline)
        }
        metrics.inFlight.decrement()
        if calls.finishCall() { resumeDrainWaiters() }
        return outcome
    }

    /// Sends credit or a cancel for stream `id`: at once when libzmq takes it, or else (the
    /// queue to the service is full, or no connection is up) from a task of its own as soon as
    /// there is room, until the stream's `deadline`. Either way the reader goes on at once.
    ///
    /// Nothing is dropped for a full queue: lost credit would stall the stream (the service
    /// waits for it, the reader for responses), a lost cancel would leave the service's
    /// handler running. Credit is a count to add, so credit sent late may overtake credit
    /// sent later; the service adds them in any order.
    private func sendStreamControl(
        _ control: CallMetadata.Stream, id: UInt64, on endpoint: Int, until deadline: ContinuousClock.Instant
    ) async {
        let message = WireFormat.streamControl(id: id, control)
        let socket = sockets[endpoint]
        do {
            try await socket.send(message, timeout: .zero)
            return
        } catch let error as ZeroMQError where error.code == .timedOut {
            // No room now: wait for it below.
        } catch {
            logStreamControlFailure(control, id: id, on: endpoint, error)
            return
        }
        // Bounded by the deadline, and by the socket's close (which fails the send). Few wait
        // per stream: until its credit arrives the service sends nothing more for the reader
        // to take and grant again.
        Task(executorPreference: loop.taskExecutor) { [self] in
            do {
                try await socket.send(message, timeout: max(.zero, deadline - .now))
            } catch {
                logStreamControlFailure(control, id: id, on: endpoint, error)
            }
        }
    }

    nonisolated private func logStreamControlFailure(_ control: CallMetadata.Stream, id: UInt64, on endpoint: Int, _ error: any Error) {
        logger.debug(
            "could not send a stream's \(control.name)",
            metadata: ["zmq.endpoint": "\(endpoints[endpoint])", "zmq.request_id": "\(id)", "zmq.error": "\(error)"]
        )
    }

    /// How long after its connection dropped a server stream fails with
    /// ``RequestError/Code-swift.struct/connectionLost``. What the service sent before the drop
    /// is still queued in the socket (libzmq keeps a connecting socket's pipe across
    /// reconnects), and the monitor may report the drop before the reader has read it: the wait
    /// lets the reader deliver it first, so that a stream the service ended just before it hung
    /// up ends as the service ended it.
    static var connectionLossGrace: Duration { .seconds(1) }

    /// The connection of `endpoint` dropped: the streams running on it cannot go on (the
    /// service sends a stream's responses to the connection that opened it, and a new
    /// connection is a new peer to it). Those still running after ``connectionLossGrace``
    /// fail with `connectionLost`; their readers then send a cancel, which reaches the service
    /// if the connection comes back to the same one.
    func streamsLostConnection(of endpoint: Int) {
        let lost = streams.compactMap { id, stream in stream.endpoint == endpoint && !stream.endedByService ? id : nil }
        guard !lost.isEmpty else { return }
        logger.debug(
            "server streams lost their connection",
            metadata: ["zmq.endpoint": "\(endpoints[endpoint])", "zmq.streams": "\(lost.count)"]
        )
        // Ids are never reused: a stream that ended meanwhile is simply not found.
        _ = loop.schedule(after: Self.connectionLossGrace) { [self] in
            // Timers run on the loop, which is this actor's executor.
            self.assumeIsolated { client in
                for id in lost {
                    client.endStream(
                        id,
                        .failed(RequestError(code: .connectionLost, endpoint: client.endpoints[endpoint], requestID: id, attempts: 1))
                    )
                }
            }
        }
    }

    /// Fails every stream in progress with `closed` (the client closes).
    func closeStreams() {
        for (id, stream) in streams {
            loop.cancel(stream.timer)
            endStream(id, .failed(RequestError(code: .closed, endpoint: endpoints[stream.endpoint], requestID: id, attempts: 1)))
        }
    }
}

/// A service sent more items than its stream's credit allowed (Docs/WireProtocol.md, *Server
/// streaming*): the stream fails rather than buffer without bound.
public struct StreamViolation: Error, Hashable, Sendable, CustomStringConvertible {
    /// The credit the client had granted at most.
    public var window: Int

    public var description: String {
        "the service sent more responses than the \(window) the stream's credit allowed"
    }
}

/// The responses of a server stream, in order, as ``RequestClient/stream(_:headers:timeout:credit:_:)``
/// receives them: read them with `for try await`. It throws ``RequestError``.
///
/// Valid only inside the closure it is given to. One reader at a time.
public struct ResponseStream<Response: Sendable>: AsyncSequence, Sendable {
    public typealias Element = Response
    public typealias Failure = RequestError

    /// The next batch of responses' frames from the client, told how many of the last batch
    /// were used; `nil` at the end.
    private let fetch: @Sendable (_ used: Int) async throws(RequestError) -> [[Frame]]?
    private let decode: @Sendable ([Frame]) throws(RequestError) -> Response

    init(
        fetch: @escaping @Sendable (_ used: Int) async throws(RequestError) -> [[Frame]]?,
        decode: @escaping @Sendable ([Frame]) throws(RequestError) -> Response
    ) {
        self.fetch = fetch
        self.decode = decode
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(fetch: fetch, decode: decode)
    }

    /// Reads the responses of a ``ResponseStream``.
    ///
    /// It takes the responses that have arrived in batches (one call into the client for many
    /// responses) and decodes each as you read it. The client grants the service credit for
    /// the responses you have read.
    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let fetch: @Sendable (_ used: Int) async throws(RequestError) -> [[Frame]]?
        fileprivate let decode: @Sendable ([Frame]) throws(RequestError) -> Response
        private var batch: [[Frame]] = []
        private var index = 0

        fileprivate init(
            fetch: @escaping @Sendable (_ used: Int) async throws(RequestError) -> [[Frame]]?,
            decode: @escaping @Sendable ([Frame]) throws(RequestError) -> Response
        ) {
            self.fetch = fetch
            self.decode = decode
        }

        /// The next response, or `nil` at the end.
        public mutating func next() async throws(RequestError) -> Response? {
            try await advance()
        }

        /// The next response, or `nil` at the end.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(RequestError) -> Response? {
            try await advance()
        }

        /// ``next()``, on the caller's executor.
        private nonisolated(nonsending) mutating func advance() async throws(RequestError) -> Response? {
            if index == batch.count {
                // Every response of the last batch was read: the client may grant them.
                let used = batch.count
                batch = []
                index = 0
                guard let more = try await fetch(used) else { return nil }
                batch = more
            }
            let frames = batch[index]
            index += 1
            return try decode(frames)
        }
    }
}
