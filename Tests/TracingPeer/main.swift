// A typed service in a process of its own, traced by an `InMemoryTracer`, for the tracing test
// across two processes (InteropTests.Tracing). It serves strings (echo) on the endpoint given
// (default `tcp://127.0.0.1:*`), says `listening on ENDPOINT` on standard error, and on SIGTERM
// shuts down and prints each finished span on standard output, one line each:
//
//     span NAME trace=ID span=ID parent=ID|- outcome=OUTCOME headers=KEY,KEY
//
// Not an example: a test peer (`InMemoryTracing` is a testing tool).
import Foundation
import InMemoryTracing
import Logging
import ServiceLifecycle
import Tracing
import ZeroMQ
import ZeroMQServices
import ZeroMQTestSupport

let tracer = InMemoryTracer()
InstrumentationSystem.bootstrap(tracer)
let endpoint = CommandLine.arguments.dropFirst().first ?? "tcp://127.0.0.1:*"
let seenHeaders = SeenHeaders()

try await Context.withContext { context in
    let service = try await RequestService<String, String>(
        context, endpoints: [.bind(endpoint)], requestDecoder: StringCodec(), responseEncoder: StringCodec()
    ) { (text: String, call: RequestContext) in
        seenHeaders.record(call.headers.keys.sorted())
        return text
    }
    FileHandle.standardError.write(Data("listening on \(service.boundEndpoints[0])\n".utf8))
    let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm], logger: Logger(label: "TracingPeer"))
    try await group.run()
}

let headers = seenHeaders.all
for (index, span) in tracer.finishedSpans.enumerated() {
    var outcome = "-"
    if case .string(let value) = span.attributes.get("zmq.outcome") { outcome = value }
    let keys = index < headers.count ? headers[index].joined(separator: ",") : "-"
    print("span \(span.operationName) trace=\(span.traceID) span=\(span.spanID) parent=\(span.parentSpanID ?? "-") outcome=\(outcome) headers=\(keys)")
}

/// The header keys each handler call saw, in order.
final class SeenHeaders: Sendable {
    private let keys = Locked<[[String]]>([])

    func record(_ headers: [String]) { keys.withLock { $0.append(headers) } }
    var all: [[String]] { keys.withLock { $0 } }
}
