// Allocations: malloc-family calls per received message, counted by the AllocationCounter C
// target (which interposes glibc's allocator for the whole process), while draining an inproc
// queue: a framework PULL (receive HWM 0) is filled with N messages by a framework PUSH (send
// HWM 0) first, then counting starts and a receive variant drains it. Also the drain's time per
// message: the framework's own cost without I/O. A self-check at startup makes sure the counter
// really sees allocations; the section is skipped with a warning when it does not.
import AllocationCounter
import CZeroMQ
import Foundation
import ZeroMQ

enum Allocations {
    static let sizes = [16, 64, 1024]
    static let variants: [ReceiverVariant] = [.raw, .asyncSequence, .asyncSequenceOnLoop, .ordinaryTask, .taskExecutor, .isolated]

    struct Measured {
        var row: AllocationRow
        var nanosecondsPerMessage: Double
    }

    static func label(_ variant: ReceiverVariant) -> String {
        variant == .raw ? "raw zmq_msg_recv on the loop thread (withUnsafeHandle)" : variant.label
    }

    /// True when a known Swift array allocation is counted (the interposition works).
    static func selfCheck() -> Bool {
        allocation_counter_start()
        allocationProbeSink = makeAllocationProbe(count: 1000)
        let counted = allocation_counter_stop()
        allocationProbeSink = []
        return counted > 0
    }

    static func run(_ settings: Settings) async throws -> [Measured] {
        var measured: [Measured] = []
        let count = settings.count(200_000)
        for size in sizes {
            for variant in variants {
                let step = "allocations \(Format.size(size)) \(variant.rawValue)"
                Watchdog.shared.arm(step)
                let (allocations, nanoseconds) = try await drain(variant, size: size, count: count)
                let perMessage = Double(allocations) / Double(count)
                progress("\(step): \(Format.decimal(perMessage, 3)) allocations/msg, \(Format.integer(nanoseconds)) ns/msg")
                measured.append(Measured(
                    row: AllocationRow(size: size, variant: variant.rawValue, label: label(variant), perMessage: rounded(perMessage, 4), nanosecondsPerMessage: rounded(nanoseconds, 1)),
                    nanosecondsPerMessage: nanoseconds
                ))
            }
        }
        Watchdog.shared.disarm()
        return measured
    }

    /// Fills the queue, then drains it with `variant` while counting: allocations, ns per message.
    static func drain(_ variant: ReceiverVariant, size: Int, count: Int) async throws -> (UInt64, Double) {
        let context = try Context()
        let pull = try PullSocket(context)
        try await pull.setOption(.receiveHighWaterMark, to: 0)
        let endpoint = try await pull.bind(try Endpoints.shared.bindAddress(.inproc))
        let push = try PushSocket(context)
        try await push.setOption(.sendHighWaterMark, to: 0)
        try await push.connect(endpoint)
        try await sendIsolated(push, Message([UInt8](repeating: 0x2A, count: size)), count)

        allocation_counter_start()
        let start = monotonicNanoseconds()
        let tally: Tally
        if variant == .raw {
            tally = try await pull.withUnsafeHandle { handle in try drainRaw(handle, count) }
        } else {
            tally = try await Throughput.receive(variant, pull, count: count)
        }
        let elapsed = monotonicNanoseconds() - start
        let allocations = allocation_counter_stop()
        await context.shutdown()
        try tally.verify(messages: count, bytes: count * size, "allocations \(size) B \(variant.rawValue)")
        return (allocations, Double(elapsed) / Double(count))
    }

    /// `zmq_msg_recv` with ZMQ_DONTWAIT on the socket's loop thread: the queue is full already.
    private static func drainRaw(_ handle: UnsafeMutableRawPointer, _ count: Int) throws -> Tally {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        var tally = Tally()
        for index in 0..<count {
            let received = zmq_msg_recv(&message, handle, ZMQ_DONTWAIT)
            if received == -1 {
                throw BenchError.libzmq("zmq_msg_recv", "draining the inproc queue, message \(index + 1) of \(count)")
            }
            tally.bytes &+= Int(received)
        }
        tally.messages = count
        return tally
    }

    static func table(_ measured: [Measured]) -> TextTable {
        var table = TextTable([("size", .right), ("receiver", .left), ("allocations/msg", .right), ("ns/msg", .right)])
        var previous: Int?
        for entry in measured {
            if let previous, previous != entry.row.size { table.addSeparator() }
            previous = entry.row.size
            table.add([Format.size(entry.row.size), entry.row.label, Format.decimal(entry.row.perMessage, 3), Format.integer(entry.nanosecondsPerMessage)])
        }
        return table
    }

    static func notes(_ settings: Settings) -> [String] {
        [
            "inproc queue of \(Format.integer(Double(settings.count(200_000)))) messages filled first (HWM 0 both ends), then drained while counting",
            "allocations: malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign, valloc of every thread / N",
            "ns/msg: drain time / N, no I/O: the framework's own cost per message",
        ]
    }
}

/// Keeps the self-check's array alive so the allocation cannot be optimized away.
nonisolated(unsafe) var allocationProbeSink: [Int] = []

@inline(never)
func makeAllocationProbe(count: Int) -> [Int] {
    Array(repeating: count, count: count)
}
