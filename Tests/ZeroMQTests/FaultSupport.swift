import Foundation
import Synchronization
import Testing

@testable import ZeroMQ

extension ProcessFigures {
    /// Threads that are neither a poll loop, a context-termination thread nor one of libzmq's
    /// (`ZMQbg/...`): the Swift concurrency pool, the test runner and whatever else. Tests that
    /// run in parallel add contexts (whose threads are named and excluded here) but cannot grow
    /// the cooperative pool past the number of CPUs, so this count is stable across them.
    static func otherThreadCount() -> Int {
        threadNames().filter { !$0.hasPrefix("zmq-") && !$0.hasPrefix("ZMQbg") }.count
    }

    /// Resident set size in bytes (`VmRSS`), or nil when unreadable.
    static func residentBytes() -> Int? {
        let bytes = current().residentBytes
        return bytes >= 0 ? bytes : nil
    }
}

/// Samples the resident set size every few milliseconds until stopped, keeping the maximum.
final class ResidentSampler: Sendable {
    private final class Shared: Sendable {
        let maximum = Atomic<Int>(0)
        let stopped = Atomic<Bool>(false)
    }

    private let shared = Shared()
    private let task: Task<Void, Never>

    init(every interval: Duration = .milliseconds(5)) {
        let shared = shared
        task = Task.detached {
            while !shared.stopped.load(ordering: .relaxed) {
                if let now = ProcessFigures.residentBytes() { shared.maximum.max(now, ordering: .relaxed) }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Stops sampling; returns the largest resident set size seen, in bytes.
    func stop() async -> Int {
        shared.stopped.store(true, ordering: .relaxed)
        await task.value
        if let now = ProcessFigures.residentBytes() { shared.maximum.max(now, ordering: .relaxed) }
        return shared.maximum.load(ordering: .relaxed)
    }
}

/// A message that says who sent it and which of theirs it is, with a payload derived from both
/// so that a torn or mixed-up message is seen.
enum TaggedMessage {
    static func make(sender: Int, sequence: Int, payloadSize: Int) -> Message {
        Message(frames: [
            frame(sender), frame(sequence), Frame(payload(sender: sender, sequence: sequence, size: payloadSize)),
        ])
    }

    static func payload(sender: Int, sequence: Int, size: Int) -> [UInt8] {
        [UInt8](repeating: UInt8(truncatingIfNeeded: sender &* 31 &+ sequence), count: size)
    }

    /// `(sender, sequence)` of a whole, intact message; nil (and a recorded issue) otherwise.
    static func parse(
        _ message: Message, payloadSize: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) -> (sender: Int, sequence: Int)? {
        guard message.frameCount == 3, let sender = number(message[0]), let sequence = number(message[1]) else {
            Issue.record("a message that is not tagged: \(message.frameCount) frames", sourceLocation: sourceLocation)
            return nil
        }
        guard message[2].bytes == payload(sender: sender, sequence: sequence, size: payloadSize) else {
            Issue.record("the payload of (\(sender), \(sequence)) is damaged", sourceLocation: sourceLocation)
            return nil
        }
        return (sender, sequence)
    }
}

extension SocketCore {
    /// How many sends and receives wait on the loop for this socket (read on its loop).
    func waiterCounts() async -> (senders: Int, receivers: Int) {
        await loop.submit { (self.confined.senders.count, self.confined.receivers.count) }
    }

    /// The send side of the socket, for a failure report: waiters, write-behind, poll interest.
    func sendState() async -> String {
        let outbox = outbox.withLock { "outbox \($0.messages.count) (queued \($0.queued), flush scheduled \($0.flushScheduled))" }
        let loopSide = await loop.submit {
            "\(self.confined.senders.count) senders waiting, backlog \(self.confined.backlog.count), "
                + "poll events \(self.confined.pollEvents), polled \(self.confined.isPolled)"
        }
        return "\(label): \(loopSide), \(outbox)"
    }
}

/// A counter tasks share (an `Atomic` in a class, so escaping closures can capture it).
final class SharedCounter: Sendable {
    private let value = Atomic<Int>(0)

    func increment() { value.add(1, ordering: .relaxed) }

    var count: Int { value.load(ordering: .relaxed) }
}
