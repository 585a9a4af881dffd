// Allocations per typed call: malloc-family calls of the whole process (client and service
// together) per call, counted by the AllocationCounter C target, over inproc in one context so
// that no transport buffer is counted. One call at a time, after a warm-up:
//
//   RequestClient ↔ RequestService, PassthroughCodec   the machinery of both ends, no codec
//   … a new task per call                              the same, each call made by a task of its own
//                                                      (a server handler calling another service):
//                                                      its async frames need fresh task memory
//   RequestClient ↔ RequestService, JSON                plus JSONEncoder and JSONDecoder at both ends
//
// Also the time per call (inproc, so mostly the two ends' own work and their thread hand-offs).
import AllocationCounter
import Foundation
import ZeroMQ
import ZeroMQServices

enum TypedAllocationVariant: String, CaseIterable, Sendable {
    case frames = "client-frames-service"
    case framesTaskPerCall = "client-frames-service-task-per-call"
    case json = "client-json-service"

    var label: String {
        switch self {
        case .frames: "RequestClient ↔ RequestService, PassthroughCodec"
        case .framesTaskPerCall: "RequestClient ↔ RequestService, PassthroughCodec, a new task per call"
        case .json: "RequestClient ↔ RequestService, JSON"
        }
    }
}

struct TypedAllocationRow: Codable, Sendable {
    var variant: String
    var label: String
    var calls: Int
    /// malloc-family calls of every thread per call (both ends).
    var perCall: Double
    /// Wall time per call, one call at a time over inproc.
    var microsecondsPerCall: Double
}

enum TypedAllocations {
    static let size = 64

    static func run(_ settings: Settings) async throws -> [TypedAllocationRow] {
        let calls = settings.count(20_000)
        var rows: [TypedAllocationRow] = []
        for variant in TypedAllocationVariant.allCases {
            let step = "typed allocations \(variant.rawValue)"
            Watchdog.shared.arm(step)
            let (allocations, nanoseconds) = try await measure(variant, calls: calls)
            let perCall = Double(allocations) / Double(calls)
            progress("\(step): \(Format.decimal(perCall, 1)) allocations/call, \(Format.decimal(nanoseconds / 1_000, 1)) µs/call")
            rows.append(TypedAllocationRow(
                variant: variant.rawValue, label: variant.label, calls: calls, perCall: rounded(perCall, 2),
                microsecondsPerCall: rounded(nanoseconds / 1_000, 2)
            ))
        }
        Watchdog.shared.disarm()
        return rows
    }

    /// Allocations during `calls` calls of `variant` after a warm-up, and the time per call in ns.
    static func measure(_ variant: TypedAllocationVariant, calls: Int) async throws -> (UInt64, Double) {
        let context = try Context()
        let endpoint = try Endpoints.shared.bindAddress(.inproc)
        let service: any GracefulService, client: any GracefulService
        let call: @Sendable (Int) async throws -> Void
        switch variant {
        case .frames, .framesTaskPerCall:
            service = try await RequestService<[Frame], [Frame]>(
                context, endpoints: [.bind(endpoint)], requestDecoder: PassthroughCodec(), responseEncoder: PassthroughCodec()
            ) { $0 }
            let framesClient = try await RequestClient(
                context, connectingTo: [endpoint], requestEncoder: PassthroughCodec(), responseDecoder: PassthroughCodec()
            )
            client = framesClient
            let payload = [Frame([UInt8](repeating: 0x2A, count: size))]
            call = { number in
                let reply = try await framesClient.request(payload)
                guard reply.first?.count == size else { throw BenchError("typed call \(number): a reply of the wrong size") }
            }
        case .json:
            service = try await RequestService<TypedProbe, TypedProbe>(context, endpoints: [.bind(endpoint)]) { $0 }
            let jsonClient = try await RequestClient<TypedProbe, TypedProbe>(context, connectingTo: [endpoint])
            client = jsonClient
            call = { number in
                let reply = try await jsonClient.request(TypedProbe.make(number))
                guard reply.round == number else { throw BenchError("typed call \(number): reply for \(reply.round)") }
            }
        }
        let result = try await TypedLatency.running(service) {
            try await TypedLatency.running(client) {
                try await counted(calls: calls, newTaskPerCall: variant == .framesTaskPerCall, call)
            }
        }
        await context.shutdown()
        return result
    }

    /// Warms up, then makes `calls` calls one at a time from an ordinary task while counting.
    private static func counted(
        calls: Int, newTaskPerCall: Bool, _ call: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> (UInt64, Double) {
        try await Task.detached {
            for number in 0..<1_000 { try await call(number) }
            allocation_counter_start()
            let start = monotonicNanoseconds()
            for number in 0..<calls {
                if newTaskPerCall {
                    try await Task { try await call(number) }.value
                } else {
                    try await call(number)
                }
            }
            let elapsed = monotonicNanoseconds() - start
            return (allocation_counter_stop(), Double(elapsed) / Double(calls))
        }.value
    }

    static func table(_ rows: [TypedAllocationRow]) -> TextTable {
        var table = TextTable([("client ↔ server", .left), ("calls", .right), ("allocations/call", .right), ("µs/call", .right)])
        for row in rows {
            table.add([
                row.label, Format.integer(Double(row.calls)), Format.decimal(row.perCall, 1),
                Format.decimal(row.microsecondsPerCall, 1),
            ])
        }
        return table
    }

    static func notes(_ settings: Settings) -> [String] {
        [
            "inproc, one context for both ends; 64 B bodies; one call at a time from an ordinary task, after 1 000 untimed calls",
            "allocations: malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign, valloc of every thread (client and service) / calls",
            "a new task per call: each call made by an unstructured task of its own, as a handler calling another service would (the task's creation counts)",
        ]
    }
}
