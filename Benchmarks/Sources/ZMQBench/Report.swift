// The results of a run as Codable structs that follow the zmq-bench results schema 1,
// written as sorted, pretty-printed JSON with absent figures omitted (never NaN).
import Foundation

struct Results: Codable, Sendable {
    var schema = 1
    var date: String
    var commit: String?
    var machine: Machine
    var settings: RunSettings
    var throughput: [ThroughputRow]?
    var send: [SendRow]?
    var latency: [LatencyRow]?
    /// The typed request/reply client against raw REQ/REP (pattern "typed").
    var typed: [LatencyRow]?
    /// Typed calls per second with 64 in flight, against a raw DEALER/ROUTER pipeline and
    /// grpc-swift 2 (section "typed").
    var typedThroughput: [TypedThroughputRow]?
    /// Responses per second through one server stream, against a raw PUSH → PULL pair
    /// (section "typed").
    var typedStreams: [TypedStreamRow]?
    /// CURVE against NULL: handshakes, throughput and round trips (section "security").
    var security: [SecurityRow]?
    var peers: PeerResults?
    /// The `zmq` tool's push and pull against raw ends (section "cli"; tcp, 64 B).
    var cli: [ThroughputRow]?
    var scale: [ScaleRow]?
    var allocations: [AllocationRow]?
    /// Allocations per typed call, client and service together (section "allocations").
    var typedAllocations: [TypedAllocationRow]?
    var memory: Memory?
    var idle: [IdleRow]?
}

struct Machine: Codable, Sendable {
    var cores: Int
    var system: String
    var libzmq: String
    var swift: String
    var pyzmq: String?
    var pyzmqLibzmq: String?
}

struct RunSettings: Codable, Sendable {
    var `repeat`: Int
    var quick: Bool
}

struct ThroughputRow: Codable, Sendable {
    var transport: String
    var size: Int
    var variant: String
    var label: String
    var setup: String
    var messages: Int
    var rate: Double
    var runs: [Double]
    var megabytesPerSecond: Double
    var ratio: Double?
    var cpuNanosecondsPerMessage: Double?
}

struct SendRow: Codable, Sendable {
    var transport: String
    var size: Int
    var frames: Int
    var variant: String
    var label: String
    var messages: Int
    var rate: Double
    var runs: [Double]
    var megabytesPerSecond: Double
    var ratio: Double?
    var baseline: String
}

struct LatencyRow: Codable, Sendable {
    var pattern: String
    var transport: String
    var size: Int
    var variant: String
    var label: String
    var rounds: Int
    var mean: Double
    var p50: Double
    var p99: Double
    var ratio: Double?
    /// Process CPU time per round trip, µs (all threads; warm-up and set-up included).
    var cpu: Double?
    /// Context switches of the process per round trip (all threads; warm-up and set-up
    /// included): how many times a thread went to sleep or was preempted.
    var switches: Double?
}

/// One figure of the security section: a rate (handshake: connections/s; throughput: msg/s) or
/// round trips (mean, p50, p99 in µs), with its ratio to raw libzmq with the same mechanism and,
/// for CURVE rows, to the same end with NULL.
struct SecurityRow: Codable, Sendable {
    /// "handshake", "throughput" or "latency".
    var measure: String
    var transport: String
    var size: Int
    /// "null" or "curve".
    var mechanism: String
    /// "raw" or "framework".
    var variant: String
    var label: String
    /// Connections, messages or timed round trips, over all runs.
    var count: Int
    var rate: Double?
    var runs: [Double]?
    var mean: Double?
    var p50: Double?
    var p99: Double?
    var ratio: Double?
    var curveToNull: Double?
}

struct PeerResults: Codable, Sendable {
    var throughput: [PeerThroughputRow]
    /// Same shape as the latency section's rows.
    var latency: [LatencyRow]
}

struct PeerThroughputRow: Codable, Sendable {
    var transport: String
    var size: Int
    var variant: String
    var label: String
    var messages: Int
    var rate: Double
    var ratio: Double?
}

struct ScaleRow: Codable, Sendable {
    var sockets: Int
    var loops: Int
    var variant: String
    var label: String
    var messages: Int
    var rate: Double
    var ratio: Double?
}

struct AllocationRow: Codable, Sendable {
    var size: Int
    var variant: String
    var label: String
    var perMessage: Double
    /// Drain time per message (no I/O): the receive path's own cost.
    var nanosecondsPerMessage: Double?
}

struct Memory: Codable, Sendable {
    var rssStartMegabytes: Double?
    var rssPeakMegabytes: Double?
    var rssPer1000SocketsMegabytes: Double?
}

struct IdleRow: Codable, Sendable {
    var sockets: Int
    var seconds: Double
    var corePercent: Double
}

/// Rounds to `places` decimals, keeping the JSON readable.
func rounded(_ value: Double, _ places: Int) -> Double {
    let scale = pow(10, Double(places))
    return (value * scale).rounded() / scale
}

/// Rounds an optional figure; nil and non-finite values become nil (omitted from the JSON).
func roundedIfPresent(_ value: Double?, _ places: Int) -> Double? {
    guard let value, value.isFinite else { return nil }
    return rounded(value, places)
}

extension Results {
    /// Writes the results as JSON to `path`.
    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw BenchError("writing the JSON results to \(path) failed: \(error.localizedDescription)")
        }
    }

    /// Now, as `2026-11-26T04:10:00Z`.
    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
