import InMemoryTracing
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
