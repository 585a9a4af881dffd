import CoreMetrics
import Logging
import Tracing
import ZeroMQ
import ZeroMQSupport

// How a `RequestService` answers one request: its metadata, its deadline, its span, the
// handler, the reply. The service's lifecycle and reader are in RequestService.swift.
extension RequestService {
    // The types of one request's handling live outside this generic class (ServiceCall.swift),
    // so that they are concrete: nested here they would be generic too, looked up at run time
    // on every request.
    typealias Answer = ServiceCall.Answer
    typealias StreamAdmission = ServiceCall.StreamAdmission
    typealias StreamSending = ServiceCall.StreamSending
    typealias Work = ServiceCall.Work
    typealias Expiry = ServiceCall.Expiry
    typealias Preparation = ServiceCall.Preparation

    /// What the reader does with a message it read: the request to start a task for, with what
    /// it is to the server streams; or `nil` when it was dealt with here (credit or a cancel for
    /// a stream, which is never answered) or cannot be answered (no envelope: dropped and
    /// counted). On the loop.
    func admit(_ message: Message) -> (WireFormat.Request, StreamAdmission)? {
        guard let request = WireFormat.parseRequest(message) else {
            metrics.dropped.increment()
            malformedLog.log(
                logger, level: .info, "dropped a message without an envelope",
                metadata: ["zmq.endpoint": "\(boundEndpoints.joined(separator: ","))", "zmq.frames": "\(message.frameCount)"]
            )
            return nil
        }
        switch request.stream {
        case .credit(let credit)?:
            streams.grant(request.streamKey, credit: credit)
            return nil
        case .cancel?:
            streams.cancel(request.streamKey)
            return nil
        case .open(let credit)? where streamHandler != nil:
            let key = request.streamKey
            switch streams.open(key, connection: request.connectionKey, credit: credit) {
            case .opened: return (request, .open(key))
            case .duplicate: return (request, .duplicate)
            case .full: return (request, .full)
            case .overConnectionLimit: return (request, .overConnectionLimit(credit: credit))
            }
        case .open?, .item?, .end?, nil:
            return (request, .none)
        }
    }

    /// Decodes, handles and answers one request. Runs on the loop; the work in between on the
    /// global executor, so that a slow handler delays no socket (unless
    /// ``RequestServiceConfiguration/runsHandlersOnLoop``).
    ///
    /// - Parameters:
    ///   - stream: what ``admit(_:)`` said of it.
    ///   - task: the request's own task, for its deadline (and its stream's cancel) to cancel.
    ///   - limit: the slot the request holds, given back while a stream waits for credit.
    func handle(
        _ request: WireFormat.Request, _ message: Message, stream: StreamAdmission, task: HandlerTasks.Handle,
        limit: ConcurrencyLimit
    ) async {
        var sending: StreamSending?
        if case .open(let key) = stream {
            defer { streams.close(key) }
            if streams.attach(key, handle: task) {
                // Cancelled by its caller before its task started.
                metrics.cancelled.increment()
                return
            }
            sending = StreamSending(key: key, limit: limit)
            await handle(request, message, stream: stream, sending: sending, task: task)
            return
        }
        await handle(request, message, stream: stream, sending: sending, task: task)
    }

    /// ``handle(_:_:stream:task:limit:)`` once a stream's task is attached.
    ///
    /// A request's task starts with about a kilobyte of task memory, and each async frame down
    /// this chain that does not fit in what is left costs a `malloc`. So the request travels
    /// down as one ``ServiceCall/Work`` reference and what happens between awaits is in
    /// synchronous helpers, which keeps the frames smaller (the two largest went from 1.1–1.4
    /// to 0.9–1.1 KB; the handler's `RequestContext` argument, about 230 bytes, is most of
    /// what is left in `work(_:expiry:)`).
    private func handle(
        _ request: WireFormat.Request, _ message: Message, stream: StreamAdmission, sending: StreamSending?,
        task: HandlerTasks.Handle
    ) async {
        let started = ContinuousClock.now
        metrics.inFlight.increment()
        defer { metrics.inFlight.decrement() }
        let span = CallTracing.isActive ? serviceSpan(for: request) : nil
        defer { span?.end() }
        let answer = await ServiceContext.withValue(span?.context ?? .topLevel) {
            switch self.prepare(request, message, started: started, stream: stream, sending: sending) {
            case .answered(let answer):
                return answer
            case .work(let work):
                if let deadline = work.context.deadline { return await self.answer(work, before: deadline, task: task) }
                return await self.answer(work, expiry: nil)
            }
        }
        finish(request, answer, started: started, span: span)
        guard let reply = answer.message else { return }
        do {
            try await socket.send(reply)
        } catch {
            replyNotSent(request, error)
        }
    }

    /// Decodes, handles and answers one request with the service's ``LoopHandler``, in the
    /// reader's job on the loop: no task, and no suspension but the send of the reply.
    func answerInline(
        _ request: WireFormat.Request, _ message: Message, stream: StreamAdmission, with handler: LoopHandler
    ) async {
        guard let reply = inlineAnswer(request, message, stream: stream, with: handler).message else { return }
        do {
            try await socket.send(reply)
        } catch {
            replyNotSent(request, error)
        }
    }

    /// The reply of ``answerInline(_:_:stream:with:)``, with its span and metrics.
    private func inlineAnswer(
        _ request: WireFormat.Request, _ message: Message, stream: StreamAdmission, with handler: LoopHandler
    ) -> Answer {
        let started = ContinuousClock.now
        metrics.inFlight.increment()
        defer { metrics.inFlight.decrement() }
        let span = CallTracing.isActive ? serviceSpan(for: request) : nil
        defer { span?.end() }
        let answer = ServiceContext.withValue(span?.context ?? .topLevel) {
            switch self.prepare(request, message, started: started, stream: stream, sending: nil) {
            case .answered(let answer):
                return answer
            case .work(let work):
                if let deadline = work.context.deadline, deadline <= .now { return self.deadlineExceeded(request) }
                return self.work(work, with: handler)
            }
        }
        finish(request, answer, started: started, span: span)
        return answer
    }

    /// Decodes, runs the loop handler, encodes: the reply to `work`'s request. A handler that
    /// fails after its caller's deadline passed gets no reply, as an `async` one.
    private func work(_ work: Work, with handler: LoopHandler) -> Answer {
        let value: Request
        do {
            value = try decoder.decode(work.request.body)
        } catch {
            return undecodable(work.request, error)
        }
        let response: Reply<Response>
        do {
            response = try handler.body(value, work.context)
        } catch {
            if let deadline = work.context.deadline, deadline <= .now { return deadlineExceeded(work.request) }
            return handlerFailed(work.request, error)
        }
        return reply(to: work.request, with: response)
    }

    /// The request's span: it continues the caller's trace, when its headers carry one.
    /// Without an instrument there is no span, and the handler runs in a new top-level context,
    /// as a no-op span's would be.
    private func serviceSpan(for request: WireFormat.Request) -> any Span {
        var traceContext = ServiceContext.topLevel
        if case .success(let call) = request.metadata, !call.headers.isEmpty {
            InstrumentationSystem.instrument.extract(call.headers, into: &traceContext, using: CallTracing.HeaderExtractor())
        }
        return startSpan(CallTracing.serviceSpanName, context: traceContext, ofKind: .server)
    }

    /// Records a request's outcome in its span and its duration.
    private func finish(_ request: WireFormat.Request, _ answer: Answer, started: ContinuousClock.Instant, span: (any Span)?) {
        if let span, span.isRecording {
            span.attributes[CallTracing.Attribute.endpoint] = boundEndpoints.joined(separator: ",")
            if let id = request.requestID { span.attributes[CallTracing.Attribute.requestID] = Int(truncatingIfNeeded: id) }
            span.attributes[CallTracing.Attribute.outcome] = answer.outcome
            if answer.outcome != "ok" { span.setStatus(SpanStatus(code: .error)) }
        }
        metrics.duration.recordInterval(since: started)
    }

    /// Logs (rate-limited) a reply the socket would not take.
    private func replyNotSent(_ request: WireFormat.Request, _ error: any Error) {
        replyFailureLog.log(
            logger, level: .info, "could not send a reply",
            metadata: ["zmq.request_id": "\(request.requestID.map(String.init) ?? "none")", "zmq.error": "\(error)"]
        )
    }

    /// A request with an envelope, its metadata read: the work to do (and its deadline), or an
    /// error reply already (metadata that could not be read). On the loop.
    private func prepare(
        _ request: WireFormat.Request, _ message: Message, started: ContinuousClock.Instant, stream: StreamAdmission,
        sending: StreamSending?
    ) -> Preparation {
        let call: CallMetadata?
        switch request.metadata {
        case .failure(let malformed):
            return .answered(failure(
                to: request, counter: metrics.badRequest, log: undecodableLog, "malformed metadata frame", error: malformed,
                RemoteError(code: RemoteError.badRequestCode, message: "the request's metadata frame could not be read: \(malformed)")
            ))
        case .success(let metadata):
            call = metadata
        case nil:
            call = nil
        }
        let deadline = call?.timeout.map { started + $0 }
        let context = RequestContext(
            connection: readsContext ? message : nil, routingID: request.envelope.first, call: call, deadline: deadline
        )
        return .work(Work(request: request, context: context, stream: stream, sending: sending))
    }

    /// The reply to a request without a deadline, or with one not yet passed whose `expiry`
    /// is set when it passes. On the loop; the work itself on the global executor (unless
    /// ``RequestServiceConfiguration/runsHandlersOnLoop``).
    private func answer(_ work: Work, expiry: Expiry?) async -> Answer {
        if configuration.runsHandlersOnLoop {
            return await self.work(work, expiry: expiry)
        }
        return await withTaskExecutorPreference(globalConcurrentExecutor) { await self.work(work, expiry: expiry) }
    }

    /// The reply to a request whose caller waits until `deadline`. On the loop.
    ///
    /// A request whose deadline has passed gets no reply and its handler does not run.
    /// Otherwise a loop timer cancels the request's task at the deadline (the handler sees the
    /// cancellation: `Task.isCancelled`, a `CancellationError` from what it awaits), and a
    /// handler that fails then gets no reply either.
    private func answer(_ work: Work, before deadline: ContinuousClock.Instant, task: HandlerTasks.Handle) async -> Answer {
        let loop = socket.loop
        let remaining = deadline - .now
        guard remaining > .zero else { return deadlineExceeded(work.request) }
        let expiry = Expiry()
        let timer = loop.schedule(after: remaining) {
            expiry.expire()
            task.cancel()
        }
        let reply = await answer(work, expiry: expiry)
        // Back on the loop (the request's task prefers its executor), where timers may be touched.
        loop.cancel(timer)
        return reply
    }

    /// No reply to `request`, whose caller's deadline passed: counted and logged.
    ///
    /// Nobody waits for a reply then. The caller's attempt ended at its own deadline, which is
    /// never later than the service's (the service counts the same time from when it received
    /// the request). And an error sent now could answer a retry of the same call (it carries the
    /// same request id), failing a call that may still get its answer.
    func deadlineExceeded(_ request: WireFormat.Request) -> Answer {
        metrics.deadlineExceeded.increment()
        logger.debug(
            "the caller's deadline passed", metadata: ["zmq.request_id": "\(request.requestID.map(String.init) ?? "none")"]
        )
        return Answer(message: nil, outcome: "deadline-exceeded")
    }

    /// Decodes, runs the handler, encodes: the reply to `request`, the handler's response or
    /// the error to send back. Where `expiry` says the deadline passed, the handler is not
    /// started, and its failure is reported as the deadline.
    private func work(_ work: Work, expiry: Expiry?) async -> Answer {
        if streamHandler != nil, let refusal = streamRefusal(work) { return refusal }
        let value: Request
        do {
            value = try decoder.decode(work.request.body)
        } catch {
            return undecodable(work.request, error)
        }
        if expiry?.hasPassed == true { return deadlineExceeded(work.request) }
        if let streamHandler, let sending = work.sending {
            return await stream(value, work, handler: streamHandler, sending: sending, expiry: expiry)
        }
        let response: Reply<Response>
        do {
            response = try await handler(value, work.context)
        } catch {
            return expiry?.hasPassed == true ? deadlineExceeded(work.request) : handlerFailed(work.request, error)
        }
        return reply(to: work.request, with: response)
    }

    /// The reply when a request's body could not be decoded.
    private func undecodable(_ request: WireFormat.Request, _ error: any Error) -> Answer {
        failure(
            to: request, counter: metrics.badRequest, log: undecodableLog, "undecodable request", error: error,
            RemoteError(code: RemoteError.badRequestCode, message: "the request could not be decoded: \(error)")
        )
    }

    /// The success reply carrying `response`, or an error reply when it cannot be encoded.
    private func reply(to request: WireFormat.Request, with response: Reply<Response>) -> Answer {
        do {
            if !response.headers.isEmpty { try CallMetadata.validate(response.headers) }
            let body = try encoder.encode(response.response)
            metrics.ok.increment()
            return Answer(message: WireFormat.success(to: request, body: body, headers: response.headers), outcome: "ok")
        } catch {
            return unencodable(request, error)
        }
    }

    /// The reply when the handler (or a streaming handler's sequence) threw: a ``RemoteError``
    /// is sent as it is; any other error is logged here and sent as `internal-error`.
    func handlerFailed(_ request: WireFormat.Request, _ error: any Error) -> Answer {
        if let error = error as? RemoteError {
            metrics.remote.increment()
            return Answer(to: request, error: error)
        }
        return failure(
            to: request, counter: metrics.internalError, log: handlerFailureLog, "the handler failed", error: error,
            RemoteError(code: RemoteError.internalErrorCode, message: "the service failed to handle the request")
        )
    }

    /// The reply when a response (or its headers) could not be encoded.
    func unencodable(_ request: WireFormat.Request, _ error: any Error) -> Answer {
        failure(
            to: request, counter: metrics.unencodable, log: handlerFailureLog, "unencodable response", error: error,
            RemoteError(code: RemoteError.unencodableResponseCode, message: "the service could not encode its response")
        )
    }

    /// Counts and logs a failure of the service's own (the error stays here), and makes the
    /// error reply that tells the client.
    func failure(
        to request: WireFormat.Request,
        counter: Counter,
        log: RateLimitedLog,
        _ message: Logger.Message,
        error: any Error,
        _ reply: RemoteError
    ) -> Answer {
        counter.increment()
        log.log(
            logger, level: .info, message,
            metadata: ["zmq.request_id": "\(request.requestID.map(String.init) ?? "none")", "zmq.error": "\(error)"]
        )
        return Answer(to: request, error: reply)
    }
}
