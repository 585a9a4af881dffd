import Testing
@testable import ZeroMQ

@Suite("Delivery: nothing lost, order kept", .timeLimit(.minutes(5)))
struct DeliveryTests {
    static let count = 100_000

    @Test("100 000 messages through PUSH/PULL over tcp")
    func pushPull() async throws {
        try await withDeadline(120) {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("tcp://127.0.0.1:*"))
            let producer = Task {
                for index in 0..<Self.count { try await push.send(Message(frame(index))) }
            }
            var expected = 0
            for try await message in pull.messages {
                #expect(number(message.first) == expected)
                if number(message.first) != expected { break }
                expected += 1
                if expected == Self.count { break }
            }
            try await producer.value
            #expect(expected == Self.count)
            await context.shutdown()
        }
    }

    @Test("receives from an ordinary task that wait for refills in progress keep order, and no refill stays marked", arguments: [8, 256])
    func receivesDuringRefills(batchSize: Int) async throws {
        try await withDeadline(120) {
            let context = try makeContext { $0.receiveBatchSize = batchSize }
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("tcp://127.0.0.1:*"))
            let count = 20_000
            let producer = Task {
                for index in 0..<count { try await push.send(Message(frame(index))) }
            }
            // One by one from an ordinary task: each empty inbox met while the loop refills it is
            // waited for (`takeFromInboxDuringRefill`), the rest wait on the loop.
            let received = try await Task.detached { () async throws -> [Int] in
                var received: [Int] = []
                received.reserveCapacity(count)
                for _ in 0..<count {
                    received.append(number(try await pull.receive(timeout: .seconds(10)).first) ?? -1)
                }
                return received
            }.value
            try await producer.value
            #expect(received == Array(0..<count))
            // Every refill ended: a receive that now finds the inbox empty does not wait for one.
            try await waitUntil("no refill is marked in progress") {
                !pull.core.refilling.load(ordering: .acquiring)
            }
            #expect(pull.core.takeFromInboxDuringRefill() == nil)
            await context.shutdown()
        }
    }

    @Test("read-ahead stops at the byte limit before the message limit, and refills once below half of it")
    func readAheadByteLimit() async throws {
        try await withDeadline {
            let context = try makeContext {
                $0.receiveBatchSize = 100
                $0.receiveBatchByteLimit = 1_000
            }
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("inproc://read-ahead-bytes"))
            let count = 40
            for index in 0..<count { try await push.send(Message(numberedFrame(index, size: 100))) }
            try await push.handedToLibzmq()  // all queued in libzmq
            let received = try await Task.detached { () async throws -> [Int] in
                let core = pull.core
                func inbox() -> (messages: Int, bytes: Int) {
                    core.inbox.withLock { ($0.messages.count, $0.bytes) }
                }
                var received: [Int] = []
                // The first receive hops to the loop, which reads the rest of a 1 000-byte batch.
                received.append(numberOfFrame(try await pull.receive(timeout: .seconds(10)).first) ?? -1)
                #expect(inbox() == (9, 900))
                // Down to 600 bytes: above half of the byte limit, no refill.
                for _ in 0..<3 { received.append(numberOfFrame(try await pull.receive(timeout: .seconds(10)).first) ?? -1) }
                #expect(inbox() == (6, 600))
                let refilling = core.refilling.load(ordering: .acquiring)
                #expect(!refilling)
                // Down to 500 (half): one refill, which tops the inbox up to 1 000 bytes again.
                received.append(numberOfFrame(try await pull.receive(timeout: .seconds(10)).first) ?? -1)
                try await waitUntil("the refill topped the inbox up") { inbox() == (10, 1_000) }
                while received.count < count {
                    received.append(numberOfFrame(try await pull.receive(timeout: .seconds(10)).first) ?? -1)
                }
                return received
            }.value
            #expect(received == Array(0..<count))
            // A message larger than the limit still comes through whole (a batch takes at least one).
            try await push.send(Message(numberedFrame(count, size: 5_000)))
            let large = try await Task.detached { try await pull.receive(timeout: .seconds(10)) }.value
            #expect(numberOfFrame(large.first) == count)
            #expect(large.byteCount == 5_000)
            await context.shutdown()
        }
    }

    @Test("a receive on the loop thread reads nothing ahead: not after waiting, not after yielding to the poll")
    func loopReceiveReadsNothingAhead() async throws {
        try await withDeadline {
            let context = try makeContext { $0.receiveBatchSize = 100 }  // one loop: both sockets share it
            let pull = try PullSocket(context), push = try PushSocket(context)
            #expect(pull.loop === push.loop)
            try await push.connect(try await pull.bind("inproc://loop-receive"))
            // More than the loop's hand-out budget, so that the receives also yield to a poll once.
            let count = PollLoop.handOutBudget + 200
            let receiver = Task { try await Self.receiveNumbered(pull, count: count) }
            try await pull.receivesWaiting()
            // One job on the shared loop hands all of them to libzmq before the loop polls and
            // serves the waiting receive: a batch could have been read ahead for it.
            try await Self.sendNumbered(push, count: count)
            let (numbers, largestInbox) = try await receiver.value
            #expect(numbers == Array(0..<count))
            // Read ahead, the messages would pass through the inbox (and refill jobs) first.
            #expect(largestInbox == 0)
            await context.shutdown()
        }
    }

    /// Receives `count` numbered messages isolated to `pull` (on its loop thread); returns their
    /// numbers and the most messages its read-ahead inbox held after any of the receives.
    private static func receiveNumbered(_ pull: isolated PullSocket, count: Int) async throws -> (numbers: [Int], largestInbox: Int) {
        var numbers: [Int] = [], largestInbox = 0
        for _ in 0..<count {
            numbers.append(numberOfFrame(try await pull.receive(timeout: .seconds(10)).first) ?? -1)
            largestInbox = max(largestInbox, pull.core.inboxCount.load(ordering: .relaxed))
        }
        return (numbers, largestInbox)
    }

    /// Sends `count` numbered messages isolated to `push`: in one loop job, straight to libzmq.
    private static func sendNumbered(_ push: isolated PushSocket, count: Int) async throws {
        for index in 0..<count { try await push.send(Message(numberedFrame(index, size: 8))) }
    }

    @Test("100 000 messages through PUB/SUB over tcp after the subscription settles")
    func pubSub() async throws {
        try await withDeadline(120) {
            let context = try makeContext()
            let pub = try PubSocket(context), sub = try SubSocket(context)
            // PUB drops at its high-water mark by design; lift both so a slow reader loses nothing.
            try await pub.setOption(.sendHighWaterMark, to: 0)
            try await sub.setOption(.receiveHighWaterMark, to: 0)
            try await sub.connect(try await pub.bind("tcp://127.0.0.1:*"))
            try await sub.subscribe(to: [])
            try await settleSubscription(pub, sub, topic: "")
            let producer = Task {
                for index in 0..<Self.count { try await pub.send(Message(frame(index))) }
            }
            var expected = 0
            while expected < Self.count {
                let message = try await sub.receive(timeout: .seconds(10))
                guard number(message.first) == expected else {
                    Issue.record("expected \(expected), got \(String(describing: number(message.first)))")
                    break
                }
                expected += 1
            }
            try await producer.value
            #expect(expected == Self.count)
            await context.shutdown()
        }
    }

    @Test("a burst from several sending tasks arrives whole and in per-task order")
    func concurrentSenders() async throws {
        try await withDeadline(60) {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("inproc://senders"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for sender in 0..<4 {
                    group.addTask {
                        for index in 0..<1_000 { try await push.send([frame(sender), frame(index)]) }
                    }
                }
                var next = [Int](repeating: 0, count: 4)
                for _ in 0..<4_000 {
                    let message = try await pull.receive(timeout: .seconds(10))
                    let sender = try #require(number(message[0]))
                    #expect(number(message[1]) == next[sender])
                    next[sender] += 1
                }
                #expect(next == [1_000, 1_000, 1_000, 1_000])
                try await group.waitForAll()
            }
            await context.shutdown()
        }
    }
}
