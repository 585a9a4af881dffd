// Latency: REQ/REP and DEALER/ROUTER round trips of 64 B and 1 KiB over tcp and ipc. The server
// is a raw libzmq echo thread with a context of its own (REP: receive, send back; ROUTER: routing
// id and body back) for the raw client (its own thread and context) and the framework clients
// (from an ordinary task, or isolated to the socket); "both ends" puts a framework server there
// too (RepSocket.serve, or a ROUTER loop isolated to the socket). 200 untimed warm-up rounds,
// then each timed round trip is stored in a preallocated array: mean, p50, p99 in µs.
import CZeroMQ
import Foundation
import ZeroMQ

enum ClientVariant: String, CaseIterable, Sendable {
    case raw
    case frameworkOrdinaryTask = "framework-ordinary-task"
    /// REQ/REP only: `request(_:)` (send and receive in one call on the loop) from an ordinary task.
    case frameworkRequest = "framework-request"
    /// The same on a context whose loop busy-polls for ``Latency/busyPolling`` after each activity.
    case frameworkRequestBusyPolling = "framework-request-busy-polling"
    case frameworkIsolated = "framework-isolated"
    case frameworkBothEnds = "framework-both-ends"

    func label(_ pattern: EchoPattern) -> String {
        let client = pattern == .reqRep ? "ReqSocket" : "DealerSocket"
        return switch self {
        case .raw: "raw client (own thread) ↔ raw echo"
        case .frameworkOrdinaryTask: "\(client), ordinary task ↔ raw echo"
        case .frameworkRequest: "ReqSocket.request(), ordinary task ↔ raw echo"
        case .frameworkRequestBusyPolling: "ReqSocket.request(), ordinary task, busy polling ↔ raw echo"
        case .frameworkIsolated: "\(client), isolated ↔ raw echo"
        case .frameworkBothEnds: pattern == .reqRep
            ? "ReqSocket, isolated ↔ RepSocket.serve"
            : "DealerSocket, isolated ↔ isolated ROUTER loop"
        }
    }
}

enum Latency {
    static let sizes = [64, 1024]
    static let transports: [Transport] = [.tcp, .ipc]
    /// `ContextConfiguration.busyPolling` of the busy-polling client.
    static let busyPolling = Duration.microseconds(50)

    /// A context's configuration: the defaults, or busy polling for ``busyPolling`` after each
    /// activity.
    static func contextConfiguration(busyPolling: Bool) -> ContextConfiguration {
        var configuration = ContextConfiguration()
        if busyPolling { configuration.busyPolling = Self.busyPolling }
        return configuration
    }

    static func run(_ settings: Settings) async throws -> [LatencyRow] {
        var rows: [LatencyRow] = []
        let rounds = settings.latencyRounds
        for pattern in EchoPattern.allCases {
            for transport in transports {
                for size in sizes {
                    // Runs of the variants interleave (raw, v1, …, raw, v1, …) so that drift on a
                    // shared machine hits them alike; each variant's samples are pooled.
                    let variants = settings.clients.filter {
                        pattern == .reqRep || ($0 != .frameworkRequest && $0 != .frameworkRequestBusyPolling)
                    }
                    var samples: [ClientVariant: [UInt64]] = [:]
                    var usage: [ClientVariant: ProcessUsage] = [:]
                    for run in 1...settings.repeats {
                        for variant in variants {
                            let step = "latency \(pattern.rawValue) \(transport.rawValue) \(Format.size(size)) \(variant.rawValue) (run \(run)/\(settings.repeats))"
                            Watchdog.shared.arm(step)
                            let before = ProcessUsage.now()
                            let run = try await measure(pattern, transport, size: size, variant: variant, warmup: settings.latencyWarmup, rounds: rounds)
                            usage[variant, default: .zero] += ProcessUsage.now() - before
                            let summary = LatencySummary(nanoseconds: run)
                            progress("\(step): mean \(Format.decimal(summary.mean, 1)) µs, p99 \(Format.decimal(summary.p99, 1)) µs")
                            samples[variant, default: []].append(contentsOf: run)
                        }
                    }
                    let rawMean = samples[.raw].map { LatencySummary(nanoseconds: $0).mean }
                    for variant in variants {
                        let summary = LatencySummary(nanoseconds: samples[variant, default: []])
                        // Warm-up rounds, set-up and the echo server included: the same for every variant.
                        let cost = usage[variant, default: .zero].perRound(Double((settings.latencyWarmup + rounds) * settings.repeats))
                        rows.append(LatencyRow(
                            pattern: pattern.rawValue, transport: transport.rawValue, size: size, variant: variant.rawValue,
                            label: variant.label(pattern), rounds: rounds * settings.repeats, mean: rounded(summary.mean, 2),
                            p50: rounded(summary.p50, 2), p99: rounded(summary.p99, 2),
                            ratio: roundedIfPresent(Statistics.ratio(summary.mean, to: rawMean), 3),
                            cpu: cost.cpuMicroseconds, switches: cost.switches
                        ))
                    }
                }
            }
        }
        Watchdog.shared.disarm()
        return rows
    }

    /// One series of round trips.
    static func measure(_ pattern: EchoPattern, _ transport: Transport, size: Int, variant: ClientVariant, warmup: Int, rounds: Int) async throws -> [UInt64] {
        let address = try Endpoints.shared.bindAddress(transport)
        let total = warmup + rounds
        let samples: [UInt64]
        switch variant {
        case .raw:
            let server = try RawEchoServer.start(pattern, bindTo: address, rounds: total)
            let client = try RawClient.start(pattern, to: server.endpoint, size: size, warmup: warmup, rounds: rounds)
            samples = try await client.value()
            try await server.thread.value()
        case .frameworkOrdinaryTask, .frameworkIsolated:
            let server = try RawEchoServer.start(pattern, bindTo: address, rounds: total)
            let context = try Context()
            samples = try await frameworkClient(pattern, context, server.endpoint, size: size, warmup: warmup, rounds: rounds, isolated: variant == .frameworkIsolated)
            try await server.thread.value()
            await context.shutdown()
        case .frameworkRequest, .frameworkRequestBusyPolling:
            let server = try RawEchoServer.start(pattern, bindTo: address, rounds: total)
            let context = try Context(configuration: contextConfiguration(busyPolling: variant == .frameworkRequestBusyPolling))
            let req = try ReqSocket(context)
            try await req.connect(server.endpoint)
            let payload = Message([UInt8](repeating: 0x2A, count: size))
            samples = try await Task.detached { try await requests(req, payload, size: size, warmup: warmup, rounds: rounds) }.value
            try await server.thread.value()
            await context.shutdown()
        case .frameworkBothEnds:
            let serverContext = try Context()
            let endpoint: String
            let server: Task<Void, any Error>
            switch pattern {
            case .reqRep:
                let rep = try RepSocket(serverContext)
                endpoint = try await rep.bind(address)
                server = Task.detached { try await serveEcho(rep) }
            case .dealerRouter:
                let router = try RouterSocket(serverContext)
                endpoint = try await router.bind(address)
                server = Task.detached { try await routeEcho(router, rounds: total) }
            }
            let clientContext = try Context()
            samples = try await frameworkClient(pattern, clientContext, endpoint, size: size, warmup: warmup, rounds: rounds, isolated: true)
            await clientContext.shutdown()
            await serverContext.shutdown()
            try await server.value
        }
        return samples
    }

    /// A framework REQ or DEALER client on `context`, connected to `endpoint`.
    static func frameworkClient(_ pattern: EchoPattern, _ context: Context, _ endpoint: String, size: Int, warmup: Int, rounds: Int, isolated: Bool) async throws -> [UInt64] {
        let payload = Message([UInt8](repeating: 0x2A, count: size))
        switch pattern {
        case .reqRep:
            let req = try ReqSocket(context)
            try await req.connect(endpoint)
            if isolated { return try await roundTripsIsolated(req, payload, size: size, warmup: warmup, rounds: rounds) }
            return try await Task.detached { try await roundTrips(req, payload, size: size, warmup: warmup, rounds: rounds) }.value
        case .dealerRouter:
            let dealer = try DealerSocket(context)
            try await dealer.connect(endpoint)
            if isolated { return try await roundTripsIsolated(dealer, payload, size: size, warmup: warmup, rounds: rounds) }
            return try await Task.detached { try await roundTrips(dealer, payload, size: size, warmup: warmup, rounds: rounds) }.value
        }
    }

    static func table(_ rows: [LatencyRow]) -> TextTable {
        var table = TextTable([
            ("pattern", .left), ("transport", .left), ("size", .right), ("client ↔ server", .left),
            ("mean µs", .right), ("p50", .right), ("p99", .right), ("× raw", .right), ("CPU µs", .right),
            ("switches", .right),
        ])
        var previous: (String, String, Int)?
        for row in rows {
            if let previous, previous != (row.pattern, row.transport, row.size) { table.addSeparator() }
            previous = (row.pattern, row.transport, row.size)
            table.add([
                row.pattern, row.transport, Format.size(row.size), row.label, Format.decimal(row.mean, 1),
                Format.decimal(row.p50, 1), Format.decimal(row.p99, 1), Format.ratio(row.ratio),
                row.cpu.map { Format.decimal($0, 1) } ?? "–", row.switches.map { Format.decimal($0, 1) } ?? "–",
            ])
        }
        return table
    }

    static func notes(_ settings: Settings) -> [String] {
        [
            "raw echo server: its own thread and context; clients: their own context; 1 I/O thread each",
            "\(settings.repeats) runs per variant, interleaved; each run \(settings.latencyWarmup) untimed warm-up rounds, then \(settings.latencyRounds) timed",
            "mean, p50, p99 over all timed rounds of a variant; × raw = mean / raw client's mean",
            "CPU µs: the process's CPU time (all threads, the echo server's too) per round trip, warm-up and set-up included",
            "switches: the process's context switches (all threads: a thread that sleeps until woken, or is preempted) per round trip, counted the same way",
            "busy polling: ContextConfiguration.busyPolling = \(Int(busyPolling / .microseconds(1))) µs (the loop polls on for that long after its last activity instead of sleeping)",
        ]
    }
}

/// Makes `warmup + rounds` round trips with `roundTrip`, on the caller's executor, checking each
/// reply's size; returns the timed ones in nanoseconds. (The closure call costs well under 0.1 %
/// of a round trip of ~100 µs; the throughput loops, where it would show, are written out.)
nonisolated(nonsending) func timedRoundTrips(
    size: Int, warmup: Int, rounds: Int, _ roundTrip: () async throws -> Message
) async throws -> [UInt64] {
    var samples = [UInt64](repeating: 0, count: rounds)
    for round in 0..<(warmup + rounds) {
        let start = monotonicNanoseconds()
        let reply = try await roundTrip()
        let elapsed = monotonicNanoseconds() - start
        guard reply.byteCount == size else { throw BenchError("round trip \(round + 1): reply of \(reply.byteCount) bytes, expected \(size)") }
        if round >= warmup { samples[round - warmup] = elapsed }
    }
    return samples
}

/// Send and receive from code isolated to the socket.
func roundTripsIsolated<Role: SendingRole & ReceivingRole>(
    _ socket: isolated Socket<Role>, _ payload: Message, size: Int, warmup: Int, rounds: Int
) async throws -> [UInt64] {
    try await timedRoundTrips(size: size, warmup: warmup, rounds: rounds) {
        try await socket.send(payload)
        return try await socket.receive()
    }
}

/// The same from whatever executor the calling task runs on.
func roundTrips<Role: SendingRole & ReceivingRole>(
    _ socket: Socket<Role>, _ payload: Message, size: Int, warmup: Int, rounds: Int
) async throws -> [UInt64] {
    try await timedRoundTrips(size: size, warmup: warmup, rounds: rounds) {
        try await socket.send(payload)
        return try await socket.receive()
    }
}

/// `request(_:)` round trips from whatever executor the calling task runs on.
func requests(_ req: ReqSocket, _ payload: Message, size: Int, warmup: Int, rounds: Int) async throws -> [UInt64] {
    try await timedRoundTrips(size: size, warmup: warmup, rounds: rounds) { try await req.request(payload) }
}

/// A framework REP echo isolated to the socket (`serve`); returns when the socket is closed.
func serveEcho(_ rep: isolated RepSocket) async throws {
    try await rep.serve { $0 }
}

/// A framework ROUTER echo isolated to the socket: `rounds` requests, each sent back to its peer.
func routeEcho(_ router: isolated RouterSocket, rounds: Int) async throws {
    for _ in 0..<rounds {
        let request = try await router.receiveRouted()
        try await router.send(request.body, to: request.envelope)
    }
}
