import InMemoryTracing
import Testing
import Tracing
import ZeroMQ
import ZeroMQServices

extension Interop {
    /// A typed call traced across two processes: this one (the caller and its client, traced
    /// by an `InMemoryTracer` bound to the test's task) and Tests/TracingPeer (the service,
    /// whose `InMemoryTracer` is bootstrapped for its process), joined by the span context the
    /// request's headers carry.
    @Suite("Tracing across processes")
    struct Tracing {
        @Test("the service's span in the other process continues this process's trace, as the child of the client's span")
        func spanCrossesProcesses() async throws {
            let tracer = InMemoryTracer()
            try await withPeers { peers in
                let service = try peers.swift("TracingPeer", [anyLoopbackPort])
                let endpoint = try await service.endpoint()
                try await Context.withContext { context in
                    let client = try await RequestClient(
                        context, connectingTo: [endpoint], requestEncoder: StringCodec(), responseDecoder: StringCodec()
                    )
                    try await withTracer(tracer) {
                        try await withThrowingDiscardingTaskGroup { group in
                            group.addTask { try await client.run() }
                            try await withSpan("caller") { _ in
                                let reply = try await client.request("traced", headers: ["tenant": "acme"], timeout: .seconds(10))
                                #expect(reply == "traced")
                            }
                            client.beginGracefulShutdown()
                        }
                    }
                }
                service.terminate()
                let exit = try await service.exited()
                #expect(exit.status == 0 && !exit.bySignal, "\(service.transcript())")

                let spans = tracer.finishedSpans
                let caller = try #require(spans.first { $0.operationName == "caller" })
                let clientSpan = try #require(spans.first { $0.operationName == "zmq.request" })
                #expect(clientSpan.parentSpanID == caller.spanID)
                // `span zmq.serve trace=… span=… parent=… outcome=… headers=…`, from the peer.
                let lines = service.standardOutput.filter { $0.hasPrefix("span zmq.serve ") }
                try #require(lines.count == 1, "\(service.transcript())")
                let fields = Dictionary(
                    lines[0].split(separator: " ").dropFirst(2).compactMap { field -> (String, String)? in
                        let parts = field.split(separator: "=", maxSplits: 1)
                        return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
                    },
                    uniquingKeysWith: { first, _ in first }
                )
                #expect(fields["trace"] == caller.traceID)
                #expect(fields["parent"] == clientSpan.spanID)
                #expect(fields["outcome"] == "ok")
                // The handler saw the caller's header and the tracer's two keys.
                #expect(fields["headers"] == [InMemoryTracer.spanIDKey, InMemoryTracer.traceIDKey, "tenant"].sorted().joined(separator: ","))
            }
        }
    }
}
