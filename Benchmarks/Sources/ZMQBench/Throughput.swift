// Throughput: PUSH→PULL over tcp, ipc and inproc at 16 B, 64 B, 1 KiB and 64 KiB. The sender is
// always a raw libzmq PUSH on a dedicated thread (a `zmq_send` loop); only the receiver varies:
// a raw PULL thread (`zmq_msg_recv` loop, the ceiling) or the framework's receive paths. Each
// run is timed from the first message's arrival to the last's (rate = (N-1)/elapsed), verifies
// the count and the bytes, and records the process's CPU time (all threads) per message.
// Repeats interleave the variants; the median is reported.
import CZeroMQ
import Foundation
import ZeroMQ

/// How the framework side receives (the sender is always raw).
enum ReceiverVariant: String, CaseIterable, Sendable {
    case raw
    case ordinaryTask = "ordinary-task"
    case taskExecutor = "task-executor"
    case isolated
    case asyncSequence = "async-sequence"
    case asyncSequenceOnLoop = "async-sequence-task-executor"

    var label: String {
        switch self {
        case .raw: "raw libzmq (zmq_msg_recv loop, own thread)"
        case .ordinaryTask: "await receive() (ordinary task)"
        case .taskExecutor: "await receive() (task preferring the loop)"
        case .isolated: "await receive() (isolated to the socket)"
        case .asyncSequence: "AsyncSequence (ordinary task)"
        case .asyncSequenceOnLoop: "AsyncSequence (task preferring the loop)"
        }
    }
}

enum Throughput {
    static let sizes = [16, 64, 1024, 65_536]

    /// Messages per run at full size.
    static func defaultCount(_ size: Int) -> Int {
        switch size {
        case ...64: 1_000_000
        case ...1024: 300_000
        default: 20_000
        }
    }

    static func setup(_ transport: Transport) -> String {
        switch transport {
        case .tcp, .ipc: "context per end, 1 I/O thread each"
        case .inproc: "one context for both ends (raw: one raw context; framework: its Context, the raw sender's socket made with withUnsafeHandle)"
        }
    }

    /// One run: its rate and the process CPU time per message.
    struct Sample: Sendable {
        var rate: Double
        var cpuNanosecondsPerMessage: Double
    }

    static func run(_ settings: Settings) async throws -> [ThroughputRow] {
        var rows: [ThroughputRow] = []
        for transport in settings.transports {
            for size in settings.sizes {
                let count = settings.count(defaultCount(size))
                var samples: [ReceiverVariant: [Sample]] = [:]
                for round in 1...settings.repeats {
                    for variant in settings.receivers {
                        let step = "throughput \(transport.rawValue) \(Format.size(size)) \(variant.rawValue) (run \(round)/\(settings.repeats))"
                        Watchdog.shared.arm(step)
                        let sample = try await measure(variant, transport, size: size, count: count)
                        progress("\(step): \(Format.integer(sample.rate)) msg/s, \(Format.integer(sample.cpuNanosecondsPerMessage)) CPU ns/msg")
                        samples[variant, default: []].append(sample)
                    }
                }
                let rawRate = Statistics.median(samples[.raw, default: []].map(\.rate))
                for variant in settings.receivers {
                    let runs = samples[variant, default: []]
                    let rates = runs.map(\.rate)
                    let rate = Statistics.median(rates)
                    let medianRun = runs[Statistics.medianIndex(rates)]
                    rows.append(ThroughputRow(
                        transport: transport.rawValue, size: size, variant: variant.rawValue, label: variant.label,
                        setup: setup(transport), messages: count, rate: rounded(rate, 1), runs: rates.map { rounded($0, 1) },
                        megabytesPerSecond: rounded(rate * Double(size) / 1e6, 2),
                        ratio: roundedIfPresent(Statistics.ratio(rate, to: rawRate), 3),
                        cpuNanosecondsPerMessage: rounded(medianRun.cpuNanosecondsPerMessage, 1)
                    ))
                }
            }
        }
        Watchdog.shared.disarm()
        return rows
    }

    /// One run of one variant.
    static func measure(_ variant: ReceiverVariant, _ transport: Transport, size: Int, count: Int) async throws -> Sample {
        let address = try Endpoints.shared.bindAddress(transport)
        let tally: Tally
        let cpuBefore: Double
        let cpuAfter: Double
        if variant == .raw {
            // The ceiling: raw PULL on its own thread.
            let receiverContext = try Raw.context()
            let pull = try Raw.socket(receiverContext.raw, ZMQ_PULL)
            let endpoint = try Raw.bind(pull, address)
            let shared = transport == .inproc
            cpuBefore = SystemMetrics.cpuSeconds()
            let receiver = RawReceiver.start("raw PULL", socket: pull, ownedContext: shared ? nil : receiverContext, count: count)
            let sender: RawSender
            if shared {
                let push = try Raw.socket(receiverContext.raw, ZMQ_PUSH)
                try Raw.connect(push, endpoint)
                sender = RawSender("raw PUSH", socket: push, ownedContext: nil, count: count, payload: .copy(size: size))
            } else {
                sender = try RawSender.connecting("raw PUSH", to: endpoint, count: count, payload: .copy(size: size))
            }
            tally = try await receiver.value()
            cpuAfter = SystemMetrics.cpuSeconds()
            try await sender.finish()
            if shared { try await RawThread.run("zmq_ctx_term") { try Raw.terminate(receiverContext) } }
        } else {
            let context = try Context()
            let pull = try PullSocket(context)
            let endpoint = try await pull.bind(address)
            cpuBefore = SystemMetrics.cpuSeconds()
            let sender: RawSender
            if transport == .inproc {
                // inproc needs both ends on one context: the raw sender uses the framework's.
                let push = try context.withUnsafeHandle { try Raw.socket($0, ZMQ_PUSH) }
                try Raw.connect(push, endpoint)
                sender = RawSender("raw PUSH", socket: push, ownedContext: nil, count: count, payload: .copy(size: size))
            } else {
                sender = try RawSender.connecting("raw PUSH", to: endpoint, count: count, payload: .copy(size: size))
            }
            tally = try await receive(variant, pull, count: count)
            cpuAfter = SystemMetrics.cpuSeconds()
            try await sender.finish()
            await context.shutdown()
        }
        try tally.verify(messages: count, bytes: count * size, "throughput \(transport.rawValue) \(size) B \(variant.rawValue)")
        return Sample(rate: tally.rate, cpuNanosecondsPerMessage: (cpuAfter - cpuBefore) * 1e9 / Double(count))
    }

    /// Receives `count` messages the way `variant` says, never on the main actor.
    static func receive(_ variant: ReceiverVariant, _ pull: PullSocket, count: Int) async throws -> Tally {
        switch variant {
        case .raw:
            preconditionFailure("the raw variant has no framework receiver")
        case .ordinaryTask:
            return try await Task.detached { try await receiveLoop(pull, count) }.value
        case .taskExecutor:
            return try await Task(executorPreference: pull.loop.taskExecutor) { try await receiveLoop(pull, count) }.value
        case .isolated:
            return try await receiveIsolated(pull, count)
        case .asyncSequence:
            return try await Task.detached { try await receiveSequence(pull, count) }.value
        case .asyncSequenceOnLoop:
            return try await Task(executorPreference: pull.loop.taskExecutor) { try await receiveSequence(pull, count) }.value
        }
    }
}

/// `count` × `await pull.receive()` on whatever executor the calling task runs on (the global
/// one for an ordinary task, the socket's loop for a task preferring its task executor).
///
/// This loop and `receiveIsolated` are written out rather than sharing a helper that takes the
/// receive as a closure: in A/B runs the async closure call per message lowered the isolated rate
/// from 0.84–0.99× to 0.62–0.73× raw (inproc, 64 B), a cost that would be charged to the framework.
func receiveLoop(_ pull: PullSocket, _ count: Int) async throws -> Tally {
    var tally = Tally()
    tally.bytes = try await pull.receive().byteCount
    tally.first = monotonicNanoseconds()
    for _ in 1..<count {
        tally.bytes &+= try await pull.receive().byteCount
    }
    tally.last = monotonicNanoseconds()
    tally.messages = count
    return tally
}

/// The same loop isolated to the socket: no hop per call.
func receiveIsolated(_ pull: isolated PullSocket, _ count: Int) async throws -> Tally {
    var tally = Tally()
    tally.bytes = try await pull.receive().byteCount
    tally.first = monotonicNanoseconds()
    for _ in 1..<count {
        tally.bytes &+= try await pull.receive().byteCount
    }
    tally.last = monotonicNanoseconds()
    tally.messages = count
    return tally
}

/// `for try await message in pull.messages`, breaking after `count` messages.
func receiveSequence(_ pull: PullSocket, _ count: Int) async throws -> Tally {
    var tally = Tally()
    for try await message in pull.messages {
        if tally.messages == 0 { tally.first = monotonicNanoseconds() }
        tally.bytes &+= message.byteCount
        tally.messages += 1
        if tally.messages == count { break }
    }
    tally.last = monotonicNanoseconds()
    return tally
}

extension Throughput {
    /// The section's table: one group of rows per transport and size.
    static func table(_ rows: [ThroughputRow]) -> TextTable {
        var table = TextTable([
            ("transport", .left), ("size", .right), ("receiver", .left), ("msg/s", .right),
            ("MB/s", .right), ("× raw", .right), ("CPU ns/msg", .right),
        ])
        var previous: (String, Int)?
        for row in rows {
            if let previous, previous != (row.transport, row.size) { table.addSeparator() }
            previous = (row.transport, row.size)
            table.add([
                row.transport, Format.size(row.size), row.label, Format.integer(row.rate),
                Format.decimal(row.megabytesPerSecond, 1), Format.ratio(row.ratio),
                row.cpuNanosecondsPerMessage.map(Format.integer) ?? "-",
            ])
        }
        return table
    }

    static var notes: [String] {
        [
            "sender: raw libzmq PUSH on a dedicated thread (zmq_send loop); only the receiver varies",
            "setup: tcp (127.0.0.1), ipc: \(setup(.tcp)); inproc: \(setup(.inproc))",
            "rate: (N-1) / time from the first message's arrival to the last's; median of the repeats;",
            "CPU ns/msg: process CPU time (all threads, sender included) of the median run / N",
        ]
    }
}
