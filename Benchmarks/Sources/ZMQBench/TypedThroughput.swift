// Typed throughput: calls per second with 64 calls in flight, over tcp loopback, 64 B bodies.
//
//   raw DEALER ↔ raw ROUTER, window 64     the baseline: one raw thread keeps 64 requests in
//                                           flight (a new one per reply) against a raw ROUTER echo
//   RequestClient ↔ raw ROUTER echo         64 ordinary tasks calling one PassthroughCodec
//                                           client, a raw thread echoing (the client's share)
//   RequestClient ↔ RequestService, JSON    64 ordinary tasks calling one client
//     … PassthroughCodec at both ends       the same without JSON (what the codec costs)
//     … handler on the loop                 the same with runsHandlersOnLoop (what the hop costs)
//     … LoopHandler (JSON, PassthroughCodec) a synchronous handler inline on the service's loop
//                                           (what the task per request costs)
//     … no deadline propagation             the same with propagatesDeadline off (what it costs)
//   grpc-swift 2 unary (both configurations) 64 ordinary tasks calling one GRPCClient
//
// Each run is timed from the first timed call to the last reply; the median of the runs is
// reported, and its ratio to the raw pipeline's median.
import CZeroMQ
import Foundation
import ZeroMQ
import ZeroMQServices

enum TypedThroughputVariant: String, CaseIterable, Sendable {
    case raw = "raw-dealer-router"
    case clientFrames = "client-frames-raw-router"
    case service = "client-json-service"
    case serviceFrames = "client-frames-service"
    case serviceOnLoop = "client-json-service-on-loop"
    case serviceLoopHandler = "client-json-service-loop-handler"
    case serviceFramesLoopHandler = "client-frames-service-loop-handler"
    case serviceNoDeadline = "client-json-service-no-deadline"
    case grpc = "grpc-unary"
    case grpcNoCoalescing = "grpc-unary-no-coalescing"

    var label: String {
        switch self {
        case .raw: "raw DEALER (own thread, window 64) ↔ raw ROUTER echo"
        case .clientFrames: "RequestClient, PassthroughCodec ↔ raw ROUTER echo"
        case .service: "RequestClient ↔ RequestService, JSON"
        case .serviceFrames: "RequestClient ↔ RequestService, PassthroughCodec"
        case .serviceOnLoop: "RequestClient ↔ RequestService, JSON, handler on loop"
        case .serviceLoopHandler: "RequestClient ↔ RequestService, JSON, LoopHandler (no task)"
        case .serviceFramesLoopHandler: "RequestClient ↔ RequestService, PassthroughCodec, LoopHandler"
        case .serviceNoDeadline: "RequestClient ↔ RequestService, JSON, no deadline propagation"
        case .grpc: "grpc-swift 2 unary, HTTP/2 (defaults)"
        case .grpcNoCoalescing: "grpc-swift 2 unary, HTTP/2, flush coalescing off"
        }
    }
}

struct TypedThroughputRow: Codable, Sendable {
    var transport: String
    var size: Int
    var callers: Int
    var variant: String
    var label: String
    var calls: Int
    /// Calls per second: the median of `runs`.
    var rate: Double
    var runs: [Double]
    /// `rate` / the raw pipeline's rate.
    var ratio: Double?
    /// The process's CPU time per call, in µs, over all runs of the variant (all threads, both
    /// ends; set-up and warm-up included): steadier than `rate` on a busy machine.
    var cpu: Double?
    /// Context switches per call, counted the same way.
    var switches: Double?
}

enum TypedThroughput {
    static let size = 64
    static let callers = 64

    static func run(_ settings: Settings) async throws -> [TypedThroughputRow] {
        let variants = TypedThroughputVariant.allCases.filter(settings.runsTypedThroughput)
        var runs: [TypedThroughputVariant: [Double]] = [:]
        var calls: [TypedThroughputVariant: Int] = [:]
        var usage: [TypedThroughputVariant: ProcessUsage] = [:]
        for run in 1...settings.repeats {
            for variant in variants {
                let step = "typed throughput \(variant.rawValue), \(callers) in flight (run \(run)/\(settings.repeats))"
                Watchdog.shared.arm(step)
                // gRPC moves about a hundredth of what the others do: fewer calls keep its runs short.
                let count = settings.count(variant == .grpc || variant == .grpcNoCoalescing ? 20_000 : 200_000)
                calls[variant] = count
                let before = ProcessUsage.now()
                let rate = try await measure(variant, calls: count)
                usage[variant, default: .zero] += ProcessUsage.now() - before
                progress("\(step): \(Format.integer(rate)) calls/s")
                runs[variant, default: []].append(rate)
            }
        }
        Watchdog.shared.disarm()
        let raw = runs[.raw].map(Statistics.median)
        return variants.map { variant in
            let rate = Statistics.median(runs[variant, default: []])
            let cost = usage[variant].map { $0.perRound(Double(max(1, (calls[variant] ?? 0) * settings.repeats))) }
            return TypedThroughputRow(
                transport: "tcp", size: size, callers: callers, variant: variant.rawValue, label: variant.label,
                calls: calls[variant] ?? 0, rate: rounded(rate, 1), runs: runs[variant, default: []].map { rounded($0, 1) },
                ratio: roundedIfPresent(Statistics.ratio(rate, to: raw), 3), cpu: cost?.cpuMicroseconds,
                switches: cost?.switches
            )
        }
    }

    static func measure(_ variant: TypedThroughputVariant, calls: Int) async throws -> Double {
        switch variant {
        case .raw:
            let server = try RawEchoServer.start(.dealerRouter, bindTo: "tcp://127.0.0.1:*", rounds: calls)
            let rate = try await RawPipeline.start(to: server.endpoint, size: size, window: callers, calls: calls).value()
            try await server.thread.value()
            return rate
        case .clientFrames:
            // The echo answers the warm-up calls too, then ends.
            let server = try RawEchoServer.start(
                .dealerRouter, bindTo: "tcp://127.0.0.1:*", rounds: calls + 10 * callers, multipart: true
            )
            let clientContext = try Context()
            let client = try await RequestClient(
                clientContext, connectingTo: [server.endpoint], requestEncoder: PassthroughCodec(),
                responseDecoder: PassthroughCodec()
            )
            let payload = [Frame([UInt8](repeating: 0x2A, count: size))]
            let rate = try await TypedLatency.running(client) {
                try await Task.detached {
                    try await timedConcurrentCalls(callers: callers, calls: calls) { number in
                        let reply = try await client.request(payload)
                        guard reply.first?.count == size else { throw BenchError("typed call \(number): a reply of the wrong size") }
                    }
                }.value
            }
            try await server.thread.value()
            await clientContext.shutdown()
            return rate
        case .service, .serviceOnLoop, .serviceLoopHandler, .serviceNoDeadline:
            var configuration = RequestServiceConfiguration()
            configuration.runsHandlersOnLoop = variant == .serviceOnLoop
            let serverContext = try Context()
            let service = if variant == .serviceLoopHandler {
                try await RequestService<TypedProbe, TypedProbe>(
                    serverContext, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration,
                    handler: .onLoop { $0 }
                )
            } else {
                try await RequestService<TypedProbe, TypedProbe>(
                    serverContext, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
                ) { $0 }
            }
            let clientContext = try Context()
            var clientConfiguration = RequestClientConfiguration()
            clientConfiguration.propagatesDeadline = variant != .serviceNoDeadline
            let client = try await RequestClient<TypedProbe, TypedProbe>(
                clientContext, connectingTo: service.boundEndpoints, configuration: clientConfiguration
            )
            let rate = try await callsPerSecond(service, client, calls: calls) { number in
                let reply = try await client.request(TypedProbe.make(number))
                guard reply.round == number else { throw BenchError("typed call \(number): reply for \(reply.round)") }
            }
            await clientContext.shutdown()
            await serverContext.shutdown()
            return rate
        case .serviceFrames, .serviceFramesLoopHandler:
            let serverContext = try Context()
            let service = if variant == .serviceFramesLoopHandler {
                try await RequestService<[Frame], [Frame]>(
                    serverContext, endpoints: [.bind("tcp://127.0.0.1:*")], requestDecoder: PassthroughCodec(),
                    responseEncoder: PassthroughCodec(), handler: .onLoop { $0 }
                )
            } else {
                try await RequestService<[Frame], [Frame]>(
                    serverContext, endpoints: [.bind("tcp://127.0.0.1:*")], requestDecoder: PassthroughCodec(),
                    responseEncoder: PassthroughCodec()
                ) { $0 }
            }
            let clientContext = try Context()
            let client = try await RequestClient(
                clientContext, connectingTo: service.boundEndpoints, requestEncoder: PassthroughCodec(),
                responseDecoder: PassthroughCodec()
            )
            let payload = [Frame([UInt8](repeating: 0x2A, count: size))]
            let rate = try await callsPerSecond(service, client, calls: calls) { number in
                let reply = try await client.request(payload)
                guard reply.first?.count == size else { throw BenchError("typed call \(number): a reply of the wrong size") }
            }
            await clientContext.shutdown()
            await serverContext.shutdown()
            return rate
        case .grpc:
            return try await Task.detached { try await GRPCAnchor.throughput(.defaults, size: size, callers: callers, calls: calls) }.value
        case .grpcNoCoalescing:
            return try await Task.detached { try await GRPCAnchor.throughput(.noCoalescing, size: size, callers: callers, calls: calls) }.value
        }
    }

    /// Runs `service` and `client` around `callers` ordinary tasks making `call`; calls per
    /// second (``timedConcurrentCalls(callers:calls:_:)``).
    static func callsPerSecond(
        _ service: some GracefulService, _ client: some GracefulService, calls: Int,
        _ call: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> Double {
        try await TypedLatency.running(service) {
            try await TypedLatency.running(client) {
                try await Task.detached { try await timedConcurrentCalls(callers: callers, calls: calls, call) }.value
            }
        }
    }

    static func table(_ rows: [TypedThroughputRow]) -> TextTable {
        var table = TextTable([
            ("transport", .left), ("size", .right), ("in flight", .right), ("client ↔ server", .left), ("calls", .right),
            ("calls/s", .right), ("× raw", .right), ("CPU µs", .right), ("switches", .right),
        ])
        for row in rows {
            table.add([
                row.transport, Format.size(row.size), String(row.callers), row.label, Format.integer(Double(row.calls)),
                Format.integer(row.rate), Format.ratio(row.ratio), row.cpu.map { Format.decimal($0, 1) } ?? "–",
                row.switches.map { Format.decimal($0, 1) } ?? "–",
            ])
        }
        return table
    }

    static func notes(_ settings: Settings) -> [String] {
        [
            "\(callers) calls in flight: \(callers) ordinary tasks calling one client (raw: one thread with a window of \(callers)); 64 B bodies (JSON: a 64-byte document)",
            "each run: \(10 * callers) untimed warm-up calls, then the calls counted; median of \(settings.repeats) interleaved runs",
            "× raw = calls/s / the raw DEALER ↔ ROUTER pipeline's calls/s",
            "CPU µs, switches: the process's CPU time and context switches (all threads, both ends) per call over all runs, warm-up and set-up included",
        ]
    }
}

/// A raw DEALER with a context of its own that keeps `window` requests in flight against an
/// echo: it sends `window` requests, then one more for each reply until `calls` were sent.
enum RawPipeline {
    /// Connects to `endpoint` and runs the pipeline on a thread of its own; returns calls per
    /// second from the first request to the last reply.
    static func start(to endpoint: String, size: Int, window: Int, calls: Int) throws -> RawThread<Double> {
        let context = try Raw.context()
        let socket = try Raw.socket(context.raw, ZMQ_DEALER)
        try Raw.connect(socket, endpoint)
        return RawThread("raw DEALER pipeline") {
            var rate = 0.0
            var failure: (any Error)?
            do {
                rate = try pipeline(socket, size: size, window: window, calls: calls)
            } catch {
                failure = error
            }
            try Raw.close(socket)
            try Raw.terminate(context)
            if let failure { throw failure }
            return rate
        }
    }

    private static func pipeline(_ socket: RawPointer, size: Int, window: Int, calls: Int) throws -> Double {
        let payload = [UInt8](repeating: 0x2A, count: size)
        var reply = zmq_msg_t()
        zmq_msg_init(&reply)
        defer { zmq_msg_close(&reply) }
        return try payload.withUnsafeBytes { buffer in
            let start = monotonicNanoseconds()
            var sent = 0
            while sent < min(window, calls) {
                try zmqCheck(zmq_send(socket.raw, buffer.baseAddress, size, 0), "zmq_send", "pipeline")
                sent += 1
            }
            for received in 0..<calls {
                let count = Int(try zmqCheck(zmq_msg_recv(&reply, socket.raw, 0), "zmq_msg_recv", "pipeline"))
                guard count == size else { throw BenchError("pipeline reply \(received + 1): \(count) bytes, expected \(size)") }
                if sent < calls {
                    try zmqCheck(zmq_send(socket.raw, buffer.baseAddress, size, 0), "zmq_send", "pipeline")
                    sent += 1
                }
            }
            return Double(calls) / (Double(monotonicNanoseconds() - start) / 1e9)
        }
    }
}
