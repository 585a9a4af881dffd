// Send: the sender side varies, the receiver is always a raw libzmq PULL on a dedicated thread
// (tcp loopback, a context per end). 64 B: raw `zmq_send` loop vs the framework's
// `try await push.send(message)` isolated to the socket and from an ordinary task. 64 KiB: raw
// copy, raw zero-copy (`zmq_msg_init_data` over one buffer), the framework's copied path (a
// Message made once from a 65,536-byte [UInt8], which libzmq copies on every send, as raw
// `zmq_send` does) and its zero-copy path (a Message made once from a frame built in place with
// `Frame(unsafeUninitializedCapacity:)`, whose buffer libzmq references). Multipart: 16 × 4 KiB frames, raw
// `ZMQ_SNDMORE` vs `Message(frames:)`. Timed at the receiver, first message to last; repeats
// interleave the variants of a group and the median is reported.
import CZeroMQ
import Foundation
import ZeroMQ

enum SenderVariant: String, Sendable {
    case rawCopy = "raw-copy"
    case rawZeroCopy = "raw-zero-copy"
    case rawMultipart = "raw-multipart"
    case frameworkIsolated = "framework-isolated"
    case frameworkOrdinaryTask = "framework-ordinary-task"
    case frameworkCopy = "framework-copy"
    case frameworkZeroCopy = "framework-zero-copy"
    case frameworkMultipart = "framework-multipart"

    var label: String {
        switch self {
        case .rawCopy: "raw zmq_send loop (copy, own thread)"
        case .rawZeroCopy: "raw zmq_msg_init_data (zero-copy, own thread)"
        case .rawMultipart: "raw zmq_send + ZMQ_SNDMORE (16 × 4 KiB)"
        case .frameworkIsolated: "await send() (isolated to the socket)"
        case .frameworkOrdinaryTask: "await send() (ordinary task)"
        case .frameworkCopy: "await send() of a 64 KiB [UInt8] Message (copied, isolated)"
        case .frameworkZeroCopy: "await send() of a 64 KiB frame built in place (zero-copy, isolated)"
        case .frameworkMultipart: "await send() of Message(frames:) 16 × 4 KiB (isolated)"
        }
    }

    var isRaw: Bool { rawValue.hasPrefix("raw") }
}

enum SendBenchmark {
    /// A group of rows compared with the same baseline.
    struct Group {
        var size: Int
        var frames: Int
        var fullCount: Int
        var baseline: SenderVariant
        var variants: [SenderVariant]
    }

    static let groups = [
        Group(size: 64, frames: 1, fullCount: 1_000_000, baseline: .rawCopy, variants: [.rawCopy, .frameworkIsolated, .frameworkOrdinaryTask]),
        Group(size: 65_536, frames: 1, fullCount: 20_000, baseline: .rawCopy, variants: [.rawCopy, .rawZeroCopy, .frameworkCopy, .frameworkZeroCopy]),
        Group(size: 65_536, frames: 16, fullCount: 20_000, baseline: .rawMultipart, variants: [.rawMultipart, .frameworkMultipart]),
    ]

    static func run(_ settings: Settings) async throws -> [SendRow] {
        var rows: [SendRow] = []
        for group in groups {
            let count = settings.count(group.fullCount)
            var rates: [SenderVariant: [Double]] = [:]
            for round in 1...settings.repeats {
                for variant in group.variants {
                    let step = "send \(Format.size(group.size))\(group.frames > 1 ? " in \(group.frames) frames" : "") \(variant.rawValue) (run \(round)/\(settings.repeats))"
                    Watchdog.shared.arm(step)
                    let rate = try await measure(variant, size: group.size, frames: group.frames, count: count)
                    progress("\(step): \(Format.integer(rate)) msg/s")
                    rates[variant, default: []].append(rate)
                }
            }
            let baseline = Statistics.median(rates[group.baseline, default: []])
            for variant in group.variants {
                let runs = rates[variant, default: []]
                let rate = Statistics.median(runs)
                rows.append(SendRow(
                    transport: "tcp", size: group.size, frames: group.frames, variant: variant.rawValue, label: variant.label,
                    messages: count, rate: rounded(rate, 1), runs: runs.map { rounded($0, 1) },
                    megabytesPerSecond: rounded(rate * Double(group.size) / 1e6, 2),
                    ratio: roundedIfPresent(Statistics.ratio(rate, to: baseline), 3), baseline: group.baseline.rawValue
                ))
            }
        }
        Watchdog.shared.disarm()
        return rows
    }

    /// One run: `count` messages of `size` bytes (in `frames` frames) to a raw PULL thread.
    static func measure(_ variant: SenderVariant, size: Int, frames: Int, count: Int) async throws -> Double {
        let receiverContext = try Raw.context()
        let pull = try Raw.socket(receiverContext.raw, ZMQ_PULL)
        let endpoint = try Raw.bind(pull, "tcp://127.0.0.1:*")
        let receiver = RawReceiver.start("raw PULL", socket: pull, ownedContext: receiverContext, count: count, multipart: frames > 1)
        let tally: Tally
        if variant.isRaw {
            let payload: SenderPayload = switch variant {
            case .rawZeroCopy: .zeroCopy(size: size)
            case .rawMultipart: .multipart(frames: frames, frameSize: size / frames)
            default: .copy(size: size)
            }
            let sender = try RawSender.connecting("raw PUSH", to: endpoint, count: count, payload: payload)
            tally = try await receiver.value()
            try await sender.finish()
        } else {
            let context = try Context()
            let push = try PushSocket(context)
            try await push.connect(endpoint)
            let message: Message = if frames > 1 {
                Message(frames: (0..<frames).map { _ in Frame([UInt8](repeating: 0x2A, count: size / frames)) })
            } else if variant == .frameworkZeroCopy {
                Message(Frame(unsafeUninitializedCapacity: size) { buffer in
                    buffer.initializeMemory(as: UInt8.self, repeating: 0x2A)
                    return size
                })
            } else {
                Message([UInt8](repeating: 0x2A, count: size))
            }
            if variant == .frameworkOrdinaryTask {
                try await Task.detached { try await sendLoop(push, message, count) }.value
            } else {
                try await sendIsolated(push, message, count)
            }
            tally = try await receiver.value()
            await context.shutdown()
        }
        try tally.verify(messages: count, bytes: count * size, "send \(size) B \(variant.rawValue)")
        return tally.rate
    }

    static func table(_ rows: [SendRow]) -> TextTable {
        var table = TextTable([
            ("size", .right), ("frames", .right), ("sender", .left), ("msg/s", .right), ("MB/s", .right),
            ("× baseline", .right), ("baseline", .left),
        ])
        var previous: (Int, Int)?
        for row in rows {
            if let previous, previous != (row.size, row.frames) { table.addSeparator() }
            previous = (row.size, row.frames)
            table.add([
                Format.size(row.size), "\(row.frames)", row.label, Format.integer(row.rate),
                Format.decimal(row.megabytesPerSecond, 1), Format.ratio(row.ratio), row.baseline,
            ])
        }
        return table
    }

    static var notes: [String] {
        [
            "receiver: raw libzmq PULL on a dedicated thread; tcp 127.0.0.1, context per end, 1 I/O thread each",
            "rate: (N-1) / time from the first message's arrival to the last's; median of the repeats",
        ]
    }
}

/// `count` sends from code isolated to the socket.
func sendIsolated(_ push: isolated PushSocket, _ message: Message, _ count: Int) async throws {
    for _ in 0..<count {
        try await push.send(message)
    }
}

/// `count` sends from whatever executor the calling task runs on.
func sendLoop(_ push: PushSocket, _ message: Message, _ count: Int) async throws {
    for _ in 0..<count {
        try await push.send(message)
    }
}
