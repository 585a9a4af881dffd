// Scale: N PULL sockets (1, 10, 100, 1000) on one poll loop of one framework context, each fed by
// its own raw PUSH of one raw sender thread (its own context) sending 64 B round-robin over tcp;
// 1,000,000 messages in all, split evenly. The framework side is one ordinary task per socket
// iterating `messages` for its share; the ceiling is one raw thread draining all N PULLs with
// `zmq_poll` + ZMQ_DONTWAIT. N = 100 also runs with the sockets spread over 2 poll loops. One
// warm-up message per socket first (so every connection is up), then the timed messages; the
// rate is (total-1) / time from the first timed message's arrival to the last's, overall.
import CZeroMQ
import Foundation
import ZeroMQ

enum Scale {
    static let socketCounts = [1, 10, 100, 1000]
    static let size = 64

    enum Variant: Hashable {
        case raw
        case framework(loops: Int)

        var id: String {
            switch self {
            case .raw: "raw"
            case .framework: ReceiverVariant.asyncSequence.rawValue
            }
        }

        var loops: Int {
            switch self {
            case .raw: 1
            case .framework(let loops): loops
            }
        }

        func label(_ sockets: Int) -> String {
            switch self {
            case .raw: "raw: one thread, zmq_poll + ZMQ_DONTWAIT over \(sockets) PULL"
            case .framework(let loops): "AsyncSequence, a task per socket, \(loops) poll loop\(loops == 1 ? "" : "s")"
            }
        }
    }

    static func run(_ settings: Settings) async throws -> [ScaleRow] {
        var rows: [ScaleRow] = []
        let total = settings.count(1_000_000)
        for sockets in socketCounts {
            let perSocket = max(1, total / sockets)
            let messages = perSocket * sockets
            let variants: [Variant] = sockets == 100 ? [.raw, .framework(loops: 1), .framework(loops: 2)] : [.raw, .framework(loops: 1)]
            var rates: [Variant: [Double]] = [:]
            for round in 1...settings.repeats {
                for variant in variants {
                    let step = "scale \(sockets) sockets \(variant.id) \(variant.loops) loop(s) (run \(round)/\(settings.repeats))"
                    Watchdog.shared.arm(step)
                    let rate = switch variant {
                    case .raw: try await measureRaw(sockets: sockets, perSocket: perSocket)
                    case .framework(let loops): try await measureFramework(sockets: sockets, loops: loops, perSocket: perSocket)
                    }
                    progress("\(step): \(Format.integer(rate)) msg/s")
                    rates[variant, default: []].append(rate)
                }
            }
            let raw = Statistics.median(rates[.raw, default: []])
            for variant in variants {
                let rate = Statistics.median(rates[variant, default: []])
                rows.append(ScaleRow(
                    sockets: sockets, loops: variant.loops, variant: variant.id, label: variant.label(sockets),
                    messages: messages, rate: rounded(rate, 1), ratio: roundedIfPresent(Statistics.ratio(rate, to: raw), 3)
                ))
            }
        }
        Watchdog.shared.disarm()
        return rows
    }

    /// The framework: `sockets` PULLs on a context with `loops` poll loops, a task per socket.
    static func measureFramework(sockets: Int, loops: Int, perSocket: Int) async throws -> Double {
        var configuration = ContextConfiguration()
        configuration.maximumSockets = sockets + 16
        configuration.pollLoops = loops
        let context = try Context(configuration: configuration)
        var pulls: [PullSocket] = []
        var endpoints: [String] = []
        for _ in 0..<sockets {
            let pull = try PullSocket(context)
            endpoints.append(try await pull.bind("tcp://127.0.0.1:*"))
            pulls.append(pull)
        }
        let go = Gate()
        let sender = try ScaleSender(endpoints: endpoints, perSocket: perSocket, go: go)
        let warmedUp = Countdown(sockets, gate: go)
        let tallies = try await withThrowingTaskGroup(of: Tally.self) { group in
            for pull in pulls {
                group.addTask { try await receiveShare(pull, perSocket, warmedUp) }
            }
            var tallies: [Tally] = []
            for try await tally in group { tallies.append(tally) }
            return tallies
        }
        let tally = Tally.merged(tallies)
        try await sender.finish()
        await context.shutdown()
        try tally.verify(messages: sockets * perSocket, bytes: sockets * perSocket * size, "scale \(sockets) sockets, \(loops) loops")
        return tally.rate
    }

    /// The ceiling: one raw thread polling `sockets` raw PULLs (one context, maximumSockets ≥ N).
    static func measureRaw(sockets: Int, perSocket: Int) async throws -> Double {
        let context = try Raw.context(maximumSockets: sockets + 16)
        var pulls: [RawPointer] = []
        var endpoints: [String] = []
        for _ in 0..<sockets {
            let pull = try Raw.socket(context.raw, ZMQ_PULL)
            endpoints.append(try Raw.bind(pull, "tcp://127.0.0.1:*"))
            pulls.append(pull)
        }
        let go = Gate()
        let sender = try ScaleSender(endpoints: endpoints, perSocket: perSocket, go: go)
        let receiver = RawThread<Tally>("raw poll receiver") { [pulls] in
            var items = pulls.map { zmq_pollitem_t(socket: $0.raw, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            var warmup = Tally()
            try pollDrain(&items, &message, count: sockets, into: &warmup)
            go.open()
            var tally = Tally()
            try pollDrain(&items, &message, count: sockets * perSocket, into: &tally)
            for pull in pulls { try Raw.close(pull) }
            try Raw.terminate(context)
            return tally
        }
        let tally = try await receiver.value()
        try await sender.finish()
        try tally.verify(messages: sockets * perSocket, bytes: sockets * perSocket * size, "scale raw \(sockets) sockets")
        return tally.rate
    }

    /// Receives `count` messages from the polled sockets, each readable one drained until EAGAIN.
    private static func pollDrain(_ items: inout [zmq_pollitem_t], _ message: inout zmq_msg_t, count: Int, into tally: inout Tally) throws {
        while tally.messages < count {
            try zmqCheck(zmq_poll(&items, Int32(items.count), -1), "zmq_poll")
            for index in items.indices where items[index].revents & Int16(ZMQ_POLLIN) != 0 {
                while true {
                    let received = zmq_msg_recv(&message, items[index].socket, ZMQ_DONTWAIT)
                    if received == -1 {
                        if zmq_errno() == EAGAIN { break }
                        throw BenchError.libzmq("zmq_msg_recv", "ZMQ_DONTWAIT")
                    }
                    if tally.messages == 0 { tally.first = monotonicNanoseconds() }
                    tally.messages += 1
                    tally.bytes += Int(received)
                }
            }
        }
        tally.last = monotonicNanoseconds()
    }
}

/// One warm-up message (untimed), then this socket's share through `messages`.
func receiveShare(_ pull: PullSocket, _ share: Int, _ warmedUp: Countdown) async throws -> Tally {
    _ = try await pull.receive()
    warmedUp.arrive()
    return try await receiveSequence(pull, share)
}

/// One raw thread with its own context owning one PUSH per endpoint: a warm-up message on each,
/// then (once `go` opens) `perSocket` rounds of one message per socket, round-robin.
final class ScaleSender: Sendable {
    private let thread: RawThread<Void>
    private let finishGate = Gate()

    init(endpoints: [String], perSocket: Int, go: Gate) throws {
        let context = try Raw.context(maximumSockets: endpoints.count + 16)
        var pushes: [RawPointer] = []
        for endpoint in endpoints {
            let push = try Raw.socket(context.raw, ZMQ_PUSH)
            try Raw.connect(push, endpoint)
            pushes.append(push)
        }
        let finish = finishGate
        let size = Scale.size
        thread = RawThread("raw scale sender") { [pushes] in
            let payload = [UInt8](repeating: 0x2A, count: size)
            var failure: (any Error)?
            do {
                try payload.withUnsafeBytes { buffer in
                    for push in pushes {
                        try zmqCheck(zmq_send(push.raw, buffer.baseAddress, size, 0), "zmq_send", "warm-up")
                    }
                    go.wait()
                    for _ in 0..<perSocket {
                        for push in pushes {
                            try zmqCheck(zmq_send(push.raw, buffer.baseAddress, size, 0), "zmq_send")
                        }
                    }
                }
            } catch {
                failure = error
            }
            if failure == nil { finish.wait() }
            for push in pushes { try Raw.close(push) }
            try Raw.terminate(context)
            if let failure { throw failure }
        }
    }

    func finish() async throws {
        finishGate.open()
        try await thread.value()
    }
}

extension Scale {
    static func table(_ rows: [ScaleRow]) -> TextTable {
        var table = TextTable([("sockets", .right), ("loops", .right), ("receiver", .left), ("messages", .right), ("msg/s", .right), ("× raw", .right)])
        var previous: Int?
        for row in rows {
            if let previous, previous != row.sockets { table.addSeparator() }
            previous = row.sockets
            table.add(["\(row.sockets)", "\(row.loops)", row.label, Format.integer(Double(row.messages)), Format.integer(row.rate), Format.ratio(row.ratio)])
        }
        return table
    }

    static var notes: [String] {
        [
            "tcp 127.0.0.1, 64 B; one raw sender thread (own context) with a PUSH per PULL, round-robin",
            "framework: one context, ioThreads 1; × raw: to the raw poll thread with the same N",
        ]
    }
}
