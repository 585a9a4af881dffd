import Foundation  // Thread
import Synchronization
import Testing
@testable import ZeroMQ

/// A socket flooded with messages, read by code on its loop, must not starve the loop's other
/// sockets: the receive fast paths yield until the loop has polled after
/// `PollLoop.handOutBudget` messages.
@Suite("Fairness: a flooded socket does not starve its loop's neighbours", .timeLimit(.minutes(2)))
struct FairnessTests {
    static let flood = 400_000

    enum Reader: String, CaseIterable, CustomTestStringConvertible {
        case receive, sequence
        var testDescription: String { rawValue }
    }

    @Test("a second socket on the loop is served while the first is drained on the loop", arguments: Reader.allCases)
    func neighbourServed(reader: Reader) async throws {
        try await withDeadline(60) {
            let context = try makeContext()  // one loop: both PULLs share it
            let flooded = try PullSocket(context), neighbour = try PullSocket(context)
            try await flooded.setOption(.receiveHighWaterMark, to: 0)
            let floodEndpoint = try await flooded.bind(Transport.inproc.endpoint())
            let neighbourEndpoint = try await neighbour.bind(Transport.ipc.endpoint())
            #expect(flooded.loop === neighbour.loop)

            // The flood waits in libzmq before anyone reads it.
            let pusher = try PushSocket(context)
            try await pusher.setOption(.sendHighWaterMark, to: 0)
            try await pusher.connect(floodEndpoint)
            try await Self.sendFlood(pusher)

            // The neighbour's sender is on a loop of its own, so its send needs nothing of this one.
            let otherContext = try makeContext()
            let neighbourPusher = try PushSocket(otherContext)
            try await neighbourPusher.connect(neighbourEndpoint)
            // A message through first: the connection is up before the drain starts (a release
            // build drains the flood in milliseconds, less than an ipc connection can take).
            try await neighbourPusher.send("warm-up")
            #expect(try await neighbour.receive(timeout: .seconds(10)).string == "warm-up")

            let taken = Count()
            let neighbourTask = Task { try await Self.receiveOne(neighbour, taken: taken) }
            try await waitUntil("the neighbour's receive waits") { await neighbour.waitingCalls.receives == 1 }

            // The neighbour's message is sent as soon as the drain has begun (a test task polling
            // every millisecond could see it after the drain is over).
            let drain = Task { try await Self.drain(flooded, with: reader, taken: taken) }
            await Self.drainBegun(taken)
            try await neighbourPusher.send("hello")
            let takenWhenServed = try await neighbourTask.value
            let total = try await drain.value
            print("fairness (\(reader)): the neighbour was served after \(takenWhenServed) of \(total) flooded messages")
            #expect(total == Self.flood)
            // Without the yield the neighbour is served once the whole flood is taken, never
            // before. (How early depends on the machine: a release build under load served it
            // after 2 000 to 91 000 of 200 000.)
            #expect(takenWhenServed < Self.flood, "the neighbour waited for the flood to be drained")
            await otherContext.shutdown()
            await context.shutdown()
        }
    }

    /// Returns once the drain has taken a message (or after 30 s), seen by a thread of its own
    /// that watches without sleeping. A task that busy-waited would hold one of the cooperative
    /// pool's threads (two on a 2-core machine); with both readers' cases running at once, two
    /// such tasks could hold the whole pool while the drains they wait for still need it to start.
    private static func drainBegun(_ taken: Count) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                let deadline = ContinuousClock.now + .seconds(30)
                while taken.value.load(ordering: .relaxed) == 0, ContinuousClock.now < deadline {}
                continuation.resume()
            }
        }
    }

    private static func sendFlood(_ pusher: isolated PushSocket) async throws {
        for index in 0..<flood { try await pusher.send(Message("\(index)")) }
    }

    /// Runs on the loop (isolated to the neighbour): what the drain had taken when the neighbour
    /// got its message is exact, since both run on the one loop thread.
    private static func receiveOne(_ socket: isolated PullSocket, taken: Count) async throws -> Int {
        _ = try await socket.receive(timeout: .seconds(30))
        return taken.value.load(ordering: .relaxed)
    }

    /// Takes the whole flood on the loop (isolated to the socket), without waiting on anything.
    private static func drain(_ socket: isolated PullSocket, with reader: Reader, taken: Count) async throws -> Int {
        var count = 0
        switch reader {
        case .receive:
            while count < flood {
                _ = try await socket.receive(timeout: .seconds(30))
                count += 1
                taken.value.store(count, ordering: .relaxed)
            }
        case .sequence:
            for try await _ in socket.messages {
                count += 1
                taken.value.store(count, ordering: .relaxed)
                if count == flood { break }
            }
        }
        return count
    }
}

/// A count shared between the test and the tasks on the loop.
final class Count: Sendable {
    let value = Atomic<Int>(0)
}
