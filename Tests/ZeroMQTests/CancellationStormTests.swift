import Foundation
import Synchronization
import Testing

@testable import ZeroMQ

/// One configuration of the storm.
struct StormCase: Sendable, CustomTestStringConvertible {
    var sendBatchSize: Int
    /// Whether the storm's tasks prefer the sockets' loop (sends and receives then talk to libzmq
    /// directly) or are ordinary tasks (write-behind and read-ahead).
    var onLoop: Bool

    var testDescription: String {
        "sendBatchSize \(sendBatchSize), \(onLoop ? "tasks preferring the loop" : "ordinary tasks")"
    }
}

@Suite("Cancellation storm: thousands of sends and receives cancelled on shared sockets", .serialized, .timeLimit(.minutes(10)))
struct CancellationStormTests {
    enum Outcome: Sendable {
        case sent(Int), sendCancelled(Int), received(Int), receiveCancelled
    }

    static let tasks = 4_000  // half send, half receive
    static let payloadSize = 64

    @Test(
        "4 000 tasks send and receive on one PUSH and one PULL and are cancelled at random: afterwards both work, and exactly the sends that returned arrive, once",
        arguments: [
            StormCase(sendBatchSize: 1, onLoop: false),
            StormCase(sendBatchSize: 256, onLoop: false),
            StormCase(sendBatchSize: 256, onLoop: true),
        ]
    )
    func storm(_ setup: StormCase) async throws {
        try await withDeadline(180) {
            let payloadSize = Self.payloadSize
            let context = try makeContext { $0.sendBatchSize = setup.sendBatchSize }
            let pull = try PullSocket(context), push = try PushSocket(context)
            // Small high-water marks, so that sends wait as well as receives.
            try await pull.setOption(.receiveHighWaterMark, to: 20)
            try await push.setOption(.sendHighWaterMark, to: 20)
            try await push.connect(try await pull.bind("tcp://127.0.0.1:*"))
            try await push.send(TaggedMessage.make(sender: 1, sequence: 0, payloadSize: payloadSize))
            _ = TaggedMessage.parse(try await pull.receive(timeout: .seconds(10)), payloadSize: payloadSize)

            let executor: (any TaskExecutor)? = setup.onLoop ? push.loop.taskExecutor : nil
            let started = SharedCounter(), finished = SharedCounter()
            let seed = UInt64.random(in: 0...UInt64.max)
            var random = SplitMix64(seed: seed)
            var running: [Task<Outcome, any Error>] = []
            running.reserveCapacity(Self.tasks)
            for index in 0..<Self.tasks {
                let task: Task<Outcome, any Error>
                if index % 2 == 0 {
                    let sequence = index / 2
                    let message = TaggedMessage.make(sender: 0, sequence: sequence, payloadSize: payloadSize)
                    task = Task(executorPreference: executor) {
                        started.increment()
                        defer { finished.increment() }
                        do {
                            try await push.send(message)
                            return .sent(sequence)
                        } catch is CancellationError {
                            return .sendCancelled(sequence)
                        }
                    }
                } else {
                    task = Task(executorPreference: executor) {
                        started.increment()
                        defer { finished.increment() }
                        do {
                            let message = try await pull.receive()
                            return .received(TaggedMessage.parse(message, payloadSize: payloadSize)?.sequence ?? -1)
                        } catch is CancellationError {
                            return .receiveCancelled
                        }
                    }
                }
                running.append(task)
                // Cancel this one at once, a random earlier one, or none; let things move now and then.
                switch random.next() % 8 {
                case 0: task.cancel()
                case 1, 2, 3: running[Int(random.next() % UInt64(running.count))].cancel()
                default: break
                }
                if random.next() % 16 == 0 { await Task.yield() }
                if random.next() % 200 == 0 { try await Task.sleep(for: .microseconds(200)) }
            }
            // The rest are cancelled wherever they are.
            for task in running { task.cancel() }
            var outcomes: [Outcome] = []
            for task in running { outcomes.append(try await task.value) }

            // Every call returned exactly once (a second resume would trap), none is left waiting.
            #expect(started.count == Self.tasks)
            #expect(finished.count == Self.tasks)
            #expect(await push.core.waiterCounts() == (0, 0))
            #expect(await pull.core.waiterCounts() == (0, 0))

            var sent = Set<Int>(), cancelledSends = Set<Int>(), received: [Int] = []
            var cancelledReceives = 0
            for outcome in outcomes {
                switch outcome {
                case .sent(let sequence): sent.insert(sequence)
                case .sendCancelled(let sequence): cancelledSends.insert(sequence)
                case .received(let sequence): received.append(sequence)
                case .receiveCancelled: cancelledReceives += 1
                }
            }
            let receivedInStorm = received.count
            // What was sent and not yet received is still there: take exactly that many...
            #expect(received.count <= sent.count)
            while received.count < sent.count {
                let message = try await pull.receive(timeout: .seconds(10))
                received.append(TaggedMessage.parse(message, payloadSize: payloadSize)?.sequence ?? -1)
            }
            // ...and nothing more: the next message is the one sent now.
            try await push.send(TaggedMessage.make(sender: 2, sequence: 0, payloadSize: payloadSize))
            let next = try await pull.receive(timeout: .seconds(10))
            #expect(TaggedMessage.parse(next, payloadSize: payloadSize)?.sender == 2, "a message beyond those sent")

            #expect(Set(received).count == received.count, "a message arrived twice")
            #expect(Set(received) == sent, "received \(received.count), sent \(sent.count)")
            #expect(Set(received).isDisjoint(with: cancelledSends), "a cancelled send arrived")
            // The storm cancelled something (which side depends on timing: with write-behind,
            // under ThreadSanitizer, every send was once accepted before its cancellation came).
            #expect(!cancelledSends.isEmpty || cancelledReceives > 0)

            // The sockets still work: 100 more, in order.
            for sequence in 0..<100 {
                try await push.send(TaggedMessage.make(sender: 3, sequence: sequence, payloadSize: payloadSize))
            }
            for sequence in 0..<100 {
                let tag = TaggedMessage.parse(try await pull.receive(timeout: .seconds(10)), payloadSize: payloadSize)
                #expect(tag?.sender == 3 && tag?.sequence == sequence)
            }
            print(
                """
                [storm] \(setup.testDescription): \(Self.tasks) tasks; sends: \(sent.count) returned, \
                \(cancelledSends.count) cancelled; receives: \(receivedInStorm) returned, \(cancelledReceives) cancelled; \
                \(sent.count - receivedInStorm) drained afterwards; seed \(seed)
                """
            )
            await context.shutdown()
        }
    }
}
