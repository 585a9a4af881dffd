// Typed: round trips of the typed request/reply client (ZeroMQServices.RequestClient) against
// the raw REQ/REP round trip of the same run. The raw echo is the latency section's REP thread
// (receive, send back), which echoes the typed client's envelope like any REP server.
//
//   raw REQ ↔ raw REP                      the baseline (both ends libzmq on their own threads)
//   RequestClient, frames ↔ raw REP        the client's machinery alone (PassthroughCodec)
//   RequestClient, JSON ↔ raw REP          plus JSON encoding and decoding (a document of the size)
//   RequestClient, JSON, on loop ↔ raw REP the caller prefers the client's loop (no thread hop)
//   RequestClient, frames, busy polling    the client's context busy-polls (ContextConfiguration.busyPolling)
//   RequestClient ↔ RequestService, JSON   typed at both ends (handlers on the global executor)
//   ... handler on loop                    the same with RequestServiceConfiguration.runsHandlersOnLoop
//   ... loop handler                       the same with a synchronous handler run inline on the
//                                          service's loop (RequestService.LoopHandler: no task)
//   ... busy polling                       the same with both contexts busy-polling
//   ... no deadline propagation            the same with RequestClientConfiguration.propagatesDeadline
//                                          off (what sending the deadline and honouring it cost)
//   grpc-swift 2 unary (tcp only)          the anchor (GRPCAnchor.swift): the transport's defaults,
//                                          and flush coalescing off
//
// Callers are ordinary tasks unless stated; one request in flight at a time. The calls per second
// with 64 in flight are TypedThroughput.swift's.
import Foundation
import ZeroMQ
import ZeroMQServices

/// The typed request: with the key names and quotes, its JSON is `size` bytes (64 unless stated).
struct TypedProbe: Codable, Sendable {
    var round: Int
    var text: String

    static func make(_ round: Int, size: Int = 64) -> TypedProbe {
        // `{"round":N,"text":"…"}`: 23 bytes besides the digits and the text.
        let digits = String(round).count
        return TypedProbe(round: round, text: String(repeating: "x", count: max(0, size - 23 - digits)))
    }
}

enum TypedVariant: String, CaseIterable, Sendable {
    case raw
    case frames = "client-frames"
    case json = "client-json"
    case jsonOnLoop = "client-json-on-loop"
    case framesBusyPolling = "client-frames-busy-polling"
    case service = "client-json-service"
    case serviceOnLoop = "client-json-service-on-loop"
    case serviceLoopHandler = "client-json-service-loop-handler"
    case serviceBusyPolling = "client-json-service-busy-polling"
    case serviceNoDeadline = "client-json-service-no-deadline"
    case grpc = "grpc-unary"
    case grpcNoCoalescing = "grpc-unary-no-coalescing"

    /// Whether the variant runs over `transport` (gRPC's anchor runs over tcp only).
    func runs(over transport: Transport) -> Bool {
        switch self {
        case .grpc, .grpcNoCoalescing: transport == .tcp
        default: true
        }
    }

    var label: String {
        switch self {
        case .raw: "raw REQ (own thread) ↔ raw REP echo"
        case .frames: "RequestClient, PassthroughCodec ↔ raw REP echo"
        case .json: "RequestClient, JSON ↔ raw REP echo"
        case .jsonOnLoop: "RequestClient, JSON, task on loop ↔ raw REP echo"
        case .framesBusyPolling: "RequestClient, PassthroughCodec, busy polling ↔ raw REP echo"
        case .service: "RequestClient ↔ RequestService, JSON"
        case .serviceOnLoop: "RequestClient ↔ RequestService, JSON, handler on loop"
        case .serviceLoopHandler: "RequestClient ↔ RequestService, JSON, LoopHandler (no task)"
        case .serviceBusyPolling: "RequestClient ↔ RequestService, JSON, busy polling"
        case .serviceNoDeadline: "RequestClient ↔ RequestService, JSON, no deadline propagation"
        case .grpc: TypedThroughputVariant.grpc.label
        case .grpcNoCoalescing: TypedThroughputVariant.grpcNoCoalescing.label
        }
    }
}

enum TypedLatency {
    static let transports: [Transport] = [.tcp, .ipc]
    static let sizes = [64, 1024]

    static func run(_ settings: Settings) async throws -> [LatencyRow] {
        var rows: [LatencyRow] = []
        for transport in transports {
            for size in sizes {
                let variants = settings.typedVariants.filter { $0.runs(over: transport) }
                var samples: [TypedVariant: [UInt64]] = [:]
                var usage: [TypedVariant: ProcessUsage] = [:]
                for run in 1...settings.repeats {
                    for variant in variants {
                        let step = "typed \(transport.rawValue) \(Format.size(size)) \(variant.rawValue) (run \(run)/\(settings.repeats))"
                        Watchdog.shared.arm(step)
                        let before = ProcessUsage.now()
                        let measured = try await measure(
                            variant, transport, size: size, warmup: settings.latencyWarmup, rounds: settings.latencyRounds
                        )
                        usage[variant, default: .zero] += ProcessUsage.now() - before
                        let summary = LatencySummary(nanoseconds: measured)
                        progress("\(step): mean \(Format.decimal(summary.mean, 1)) µs, p99 \(Format.decimal(summary.p99, 1)) µs")
                        samples[variant, default: []].append(contentsOf: measured)
                    }
                }
                let rawMean = samples[.raw].map { LatencySummary(nanoseconds: $0).mean }
                for variant in variants {
                    let summary = LatencySummary(nanoseconds: samples[variant, default: []])
                    // As in the latency section: warm-up rounds, set-up and the peers included.
                    let cost = usage[variant, default: .zero].perRound(Double((settings.latencyWarmup + settings.latencyRounds) * settings.repeats))
                    rows.append(LatencyRow(
                        pattern: "typed", transport: transport.rawValue, size: size, variant: variant.rawValue, label: variant.label,
                        rounds: settings.latencyRounds * settings.repeats, mean: rounded(summary.mean, 2), p50: rounded(summary.p50, 2),
                        p99: rounded(summary.p99, 2), ratio: roundedIfPresent(Statistics.ratio(summary.mean, to: rawMean), 3),
                        cpu: cost.cpuMicroseconds, switches: cost.switches
                    ))
                }
            }
        }
        Watchdog.shared.disarm()
        return rows
    }

    static func measure(_ variant: TypedVariant, _ transport: Transport, size: Int, warmup: Int, rounds: Int) async throws -> [UInt64] {
        let address = try Endpoints.shared.bindAddress(transport)
        let total = warmup + rounds
        switch variant {
        case .raw:
            return try await Latency.measure(.reqRep, transport, size: size, variant: .raw, warmup: warmup, rounds: rounds)
        case .frames, .framesBusyPolling:
            let server = try RawEchoServer.start(.reqRep, bindTo: address, rounds: total)
            let context = try Context(configuration: Latency.contextConfiguration(busyPolling: variant == .framesBusyPolling))
            let client = try await RequestClient(
                context, connectingTo: [server.endpoint], requestEncoder: PassthroughCodec(), responseDecoder: PassthroughCodec()
            )
            let payload = [Frame([UInt8](repeating: 0x2A, count: size))]
            let samples = try await running(client) {
                try await Task.detached {
                    try await timedRoundTrips(size: size, warmup: warmup, rounds: rounds) {
                        Message(frames: try await client.request(payload))
                    }
                }.value
            }
            try await server.thread.value()
            await context.shutdown()
            return samples
        case .json, .jsonOnLoop:
            let server = try RawEchoServer.start(.reqRep, bindTo: address, rounds: total)
            let context = try Context()
            let client = try await RequestClient<TypedProbe, TypedProbe>(context, connectingTo: [server.endpoint])
            let samples = try await running(client) {
                try await Task.detached(executorPreference: variant == .jsonOnLoop ? client.loop.taskExecutor : nil) {
                    try await typedRoundTrips(client, size: size, warmup: warmup, rounds: rounds)
                }.value
            }
            try await server.thread.value()
            await context.shutdown()
            return samples
        case .service, .serviceOnLoop, .serviceLoopHandler, .serviceNoDeadline, .serviceBusyPolling:
            let serverContext = try Context(configuration: Latency.contextConfiguration(busyPolling: variant == .serviceBusyPolling))
            var configuration = RequestServiceConfiguration()
            configuration.runsHandlersOnLoop = variant == .serviceOnLoop
            let service = if variant == .serviceLoopHandler {
                try await RequestService<TypedProbe, TypedProbe>(
                    serverContext, endpoints: [.bind(address)], configuration: configuration, handler: .onLoop { $0 }
                )
            } else {
                try await RequestService<TypedProbe, TypedProbe>(
                    serverContext, endpoints: [.bind(address)], configuration: configuration
                ) { $0 }
            }
            let clientContext = try Context(configuration: Latency.contextConfiguration(busyPolling: variant == .serviceBusyPolling))
            var clientConfiguration = RequestClientConfiguration()
            clientConfiguration.propagatesDeadline = variant != .serviceNoDeadline
            let client = try await RequestClient<TypedProbe, TypedProbe>(
                clientContext, connectingTo: service.boundEndpoints, configuration: clientConfiguration
            )
            let samples = try await running(service) {
                try await running(client) {
                    try await Task.detached { try await typedRoundTrips(client, size: size, warmup: warmup, rounds: rounds) }.value
                }
            }
            await clientContext.shutdown()
            await serverContext.shutdown()
            return samples
        case .grpc:
            return try await GRPCAnchor.roundTrips(.defaults, size: size, warmup: warmup, rounds: rounds)
        case .grpcNoCoalescing:
            return try await GRPCAnchor.roundTrips(.noCoalescing, size: size, warmup: warmup, rounds: rounds)
        }
    }

    /// Runs `service` (a client or a service) around `body`, then shuts it down gracefully.
    static func running<T: Sendable>(
        _ service: some GracefulService, _ body: () async throws -> T
    ) async throws -> T {
        let task = Task { try await service.run() }
        do {
            let result = try await body()
            service.beginGracefulShutdown()
            try await task.value
            return result
        } catch {
            service.beginGracefulShutdown()
            _ = try? await task.value
            throw error
        }
    }

    static func table(_ rows: [LatencyRow]) -> TextTable {
        var table = TextTable([
            ("transport", .left), ("size", .right), ("client ↔ server", .left), ("mean µs", .right), ("p50", .right),
            ("p99", .right), ("× raw", .right), ("CPU µs", .right), ("switches", .right),
        ])
        var previous: String?
        for row in rows {
            if let previous, previous != "\(row.transport) \(row.size)" { table.addSeparator() }
            previous = "\(row.transport) \(row.size)"
            table.add([
                row.transport, Format.size(row.size), row.label, Format.decimal(row.mean, 1), Format.decimal(row.p50, 1),
                Format.decimal(row.p99, 1), Format.ratio(row.ratio),
                row.cpu.map { Format.decimal($0, 1) } ?? "–", row.switches.map { Format.decimal($0, 1) } ?? "–",
            ])
        }
        return table
    }

    static func notes(_ settings: Settings) -> [String] {
        [
            "typed calls from an ordinary task unless stated; 64 B and 1 KiB bodies (JSON: a document of that size); one call in flight",
            "\(settings.repeats) runs per variant, interleaved; each run \(settings.latencyWarmup) untimed warm-up rounds, then \(settings.latencyRounds) timed",
            "× raw = mean / the raw REQ ↔ raw REP mean of this section",
            "CPU µs, switches: the process's CPU time and context switches (all threads, both ends: every variant runs its peer in this process) per call, warm-up and set-up included",
            "busy polling: ContextConfiguration.busyPolling = \(Int(Latency.busyPolling / .microseconds(1))) µs on the framework's contexts (the loop polls on for that long after its last activity instead of sleeping)",
            "grpc-swift 2 (tcp only): a unary echo over HTTP/2, plaintext, 127.0.0.1; bytes passed through (no protobuf); a client and server in this process",
        ]
    }
}

/// What `running` needs of a client or a service.
protocol GracefulService: Sendable {
    func run() async throws
    func beginGracefulShutdown()
}

extension RequestClient: GracefulService {}
extension RequestService: GracefulService {}

/// Typed round trips from the calling task; checks each reply.
func typedRoundTrips(_ client: RequestClient<TypedProbe, TypedProbe>, size: Int, warmup: Int, rounds: Int) async throws -> [UInt64] {
    var samples = [UInt64](repeating: 0, count: rounds)
    for round in 0..<(warmup + rounds) {
        let probe = TypedProbe.make(round, size: size)
        let start = monotonicNanoseconds()
        let reply = try await client.request(probe)
        let elapsed = monotonicNanoseconds() - start
        guard reply.round == round else { throw BenchError("typed round trip \(round + 1): reply for round \(reply.round)") }
        if round >= warmup { samples[round - warmup] = elapsed }
    }
    return samples
}
