import InMemoryTracing
import MetricsTestKit
import Testing
import Tracing
import ZeroMQ
@testable import ZeroMQServices

/// A typed call traced with swift-distributed-tracing: the client's span context crosses the wire
/// in the request's headers, and the service's span continues the same trace. The tracer is an
/// `InMemoryTracer` bound to the test's task (`withTracer`), so tests do not share it.
@Suite("Tracing typed calls", .timeLimit(.minutes(2)))
struct TracingTests {
    /// The finished span named `name` (exactly one).
    static func span(_ name: String, in spans: [FinishedInMemorySpan], sourceLocation: SourceLocation = #_sourceLocation) throws
        -> FinishedInMemorySpan
    {
        let matching = spans.filter { $0.operationName == name }
        try #require(matching.count == 1, "expected one \(name) span, got \(spans.map(\.operationName))", sourceLocation: sourceLocation)
        return matching[0]
    }

    @Test("the service's span is the child of the client's, which is the child of the caller's; both record the call")
    func spansAcrossTheWire() async throws {
        let tracer = InMemoryTracer()
        try await withDeadline {
            try await withContext { context in
                let handlerContext = Locked<InMemorySpanContext?>(nil)
                let handlerHeaders = Locked<[String: String]>([:])
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) {
                    request, call in
                    handlerContext.withLock { $0 = ServiceContext.current?.inMemorySpanContext }
                    handlerHeaders.withLock { $0 = call.headers }
                    guard request.index == 0 else { throw RemoteError(code: "no-such-index", message: "only 0") }
                    return request
                }
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: service.boundEndpoints)
                try await withTracer(tracer) {
                    try await withServices([service, client]) {
                        try await withSpan("caller") { _ in
                            _ = try await client.request(Echo(caller: 0, index: 0), headers: ["tenant": "acme"])
                        }
                        let failed = await requestError { try await client.request(Echo(caller: 0, index: 1)) }
                        #expect(failed?.code == .remote)
                    }
                }
                let spans = tracer.finishedSpans
                let caller = try Self.span("caller", in: spans)
                let clientSpans = spans.filter { $0.operationName == CallTracing.clientSpanName }
                let serviceSpans = spans.filter { $0.operationName == CallTracing.serviceSpanName }
                try #require(clientSpans.count == 2 && serviceSpans.count == 2, "spans: \(spans.map(\.operationName))")

                // The successful call: caller → client → service, one trace.
                let clientSpan = try #require(clientSpans.first { $0.parentSpanID == caller.spanID })
                #expect(clientSpan.kind == .client)
                #expect(clientSpan.traceID == caller.traceID)
                #expect(clientSpan.attributes.get(CallTracing.Attribute.outcome) == .string("ok"))
                #expect(clientSpan.attributes.get(CallTracing.Attribute.attempts) == .int64(1))
                #expect(clientSpan.attributes.get(CallTracing.Attribute.endpoint) == .string(service.boundEndpoints[0]))
                let serviceSpan = try #require(serviceSpans.first { $0.parentSpanID == clientSpan.spanID })
                #expect(serviceSpan.kind == .server)
                #expect(serviceSpan.traceID == caller.traceID)
                #expect(serviceSpan.attributes.get(CallTracing.Attribute.outcome) == .string("ok"))
                #expect(
                    serviceSpan.attributes.get(CallTracing.Attribute.requestID)
                        == clientSpan.attributes.get(CallTracing.Attribute.requestID)
                )
                #expect(serviceSpan.status == nil)

                // The failed call: its own trace (no caller span), an error on both sides.
                let failedClient = try #require(clientSpans.first { $0.parentSpanID == nil })
                #expect(failedClient.attributes.get(CallTracing.Attribute.outcome) == .string("remote_error"))
                #expect(failedClient.status?.code == .error)
                #expect(failedClient.errors.count == 1)
                let failedService = try #require(serviceSpans.first { $0.parentSpanID == failedClient.spanID })
                #expect(failedService.traceID == failedClient.traceID)
                #expect(failedService.attributes.get(CallTracing.Attribute.outcome) == .string("no-such-index"))
                #expect(failedService.status?.code == .error)

                // The handler (last, for the failed call) ran in the service's span, and its
                // headers hold the tracer's keys.
                #expect(handlerContext.withLock { $0 }?.spanID == failedService.spanID)
                #expect(handlerHeaders.withLock { $0 }[InMemoryTracer.traceIDKey] == failedClient.traceID)
            }
        }
    }

    @Test("a server stream is traced like a call: caller → the client's zmq.stream span → the service's span, in one trace; a stream left early records cancelled on both sides")
    func streamSpans() async throws {
        let tracer = InMemoryTracer()
        try await withDeadline {
            try await withContext { context in
                let metrics = TestMetrics()
                var configuration = RequestServiceConfiguration()
                configuration.metricsFactory = metrics
                // The span each handler ran in, by the request's text.
                let handlerSpans = Locked<[String: InMemorySpanContext]>([:])
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
                ) { request, _ in
                    handlerSpans.withLock { $0[request.text] = ServiceContext.current?.inMemorySpanContext }
                    return StreamingTests.Numbers(
                        count: request.text == "endless" ? nil : request.index, production: StreamingTests.Production()
                    )
                }
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: service.boundEndpoints, configuration: RequestClientConfiguration(timeout: .seconds(60))
                )
                try await withTracer(tracer) {
                    try await withServices([service, client]) {
                        try await withSpan("caller") { _ in
                            let indices = try await client.stream(Echo(caller: 0, index: 3, text: "three")) { responses in
                                try await responses.reduce(into: [Int]()) { $0.append($1.index) }
                            }
                            #expect(indices == [0, 1, 2])
                        }
                        // Left after its first response: the service's handler is cancelled.
                        try await client.stream(Echo.endless) { responses in
                            for try await _ in responses { break }
                        }
                        // Before the shutdown, which would end it with shutting-down instead.
                        try await waitUntil("the service counted the cancelled stream") {
                            total(metrics, "zmq_service_requests_total", result: "cancelled") == 1
                        }
                    }
                }
                let spans = tracer.finishedSpans
                let caller = try Self.span("caller", in: spans)
                let streamSpans = spans.filter { $0.operationName == CallTracing.streamSpanName }
                let serviceSpans = spans.filter { $0.operationName == CallTracing.serviceSpanName }
                try #require(streamSpans.count == 2 && serviceSpans.count == 2, "spans: \(spans.map(\.operationName))")

                // Read to its end: ok at both ends, one trace from the caller down.
                let read = try #require(streamSpans.first { $0.parentSpanID == caller.spanID })
                #expect(read.kind == .client)
                #expect(read.traceID == caller.traceID)
                #expect(read.attributes.get(CallTracing.Attribute.outcome) == .string("ok"))
                #expect(read.attributes.get(CallTracing.Attribute.endpoint) == .string(service.boundEndpoints[0]))
                #expect(read.status == nil)
                let served = try #require(serviceSpans.first { $0.parentSpanID == read.spanID })
                #expect(served.kind == .server)
                #expect(served.traceID == caller.traceID)
                #expect(served.attributes.get(CallTracing.Attribute.outcome) == .string("ok"))
                #expect(served.attributes.get(CallTracing.Attribute.requestID) == read.attributes.get(CallTracing.Attribute.requestID))
                #expect(handlerSpans.withLock { $0["three"] }?.spanID == served.spanID)

                // Left early: its own trace, cancelled at both ends.
                let left = try #require(streamSpans.first { $0.parentSpanID == nil })
                #expect(left.attributes.get(CallTracing.Attribute.outcome) == .string("cancelled"))
                let cancelled = try #require(serviceSpans.first { $0.parentSpanID == left.spanID })
                #expect(cancelled.traceID == left.traceID)
                #expect(cancelled.attributes.get(CallTracing.Attribute.outcome) == .string("cancelled"))
                #expect(handlerSpans.withLock { $0["endless"] }?.spanID == cancelled.spanID)
            }
        }
    }

    /// A value in a `ServiceContext`, to see which context a handler runs in.
    private enum Marker: ServiceContextKey {
        typealias Value = String
    }

    @Test("without any instrument calls are untraced: no trace headers travel, and the handler runs in a new top-level context, not in that of run()'s caller")
    func withoutAnInstrument() async throws {
        #expect(!CallTracing.isActive)
        withTracer(InMemoryTracer()) { #expect(CallTracing.isActive) }
        try await withDeadline {
            try await withContext { context in
                // The context the handler ran in: nil (none), or the marker it holds ("" for none).
                let handlerMarker = Locked<String??>(nil)
                let handlerHeaders = Locked<[String: String]>(["unset": ""])
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) {
                    request, call in
                    handlerMarker.withLock { $0 = ServiceContext.current.map { $0[Marker.self] ?? "" } }
                    handlerHeaders.withLock { $0 = call.headers }
                    return request
                }
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: service.boundEndpoints)
                var outer = ServiceContext.topLevel
                outer[Marker.self] = "run's caller"
                try await ServiceContext.withValue(outer) {
                    try await withServices([service, client]) {
                        let reply = try await client.request(Echo(caller: 0, index: 7), headers: ["tenant": "acme"])
                        #expect(reply.index == 7)
                    }
                }
                #expect(handlerMarker.withLock { $0 } == .some(.some("")))
                #expect(handlerHeaders.withLock { $0 } == ["tenant": "acme"])
            }
        }
    }

    @Test("a tracer's keys are written in lowercase, and keys the protocol cannot carry are left out, never failing the call")
    func injectorKeys() {
        var headers: [String: String] = ["tenant": "acme"]
        let injector = CallTracing.HeaderInjector()
        injector.inject("00-abc-def-01", forKey: "traceparent", into: &headers)
        injector.inject("1", forKey: "X-B3-Sampled", into: &headers)
        injector.inject("v", forKey: "has space", into: &headers)
        injector.inject("v", forKey: "zmq-timeout-us", into: &headers)
        #expect(headers == ["tenant": "acme", "traceparent": "00-abc-def-01", "x-b3-sampled": "1"])
        let extractor = CallTracing.HeaderExtractor()
        #expect(extractor.extract(key: "X-B3-Sampled", from: headers) == "1")
        #expect(extractor.extract(key: "traceparent", from: headers) == "00-abc-def-01")
        #expect(extractor.extract(key: "missing", from: headers) == nil)
    }
}
