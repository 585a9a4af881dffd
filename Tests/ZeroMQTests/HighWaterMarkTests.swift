import Foundation
import Synchronization
import Testing

@testable import ZeroMQ

/// One configuration of the slow-consumer test.
struct HighWaterMarkCase: Sendable, CustomTestStringConvertible {
    /// Send and receive high-water mark of the PUSH and the PULL.
    var highWaterMark: Int
    /// ``ContextConfiguration/sendBatchSize``: 1 makes every blocked send wait on the loop; 256
    /// lets sends from ordinary tasks queue in the socket (write-behind) first.
    var sendBatchSize: Int

    var testDescription: String { "HWM \(highWaterMark), sendBatchSize \(sendBatchSize)" }
}

@Suite("High-water marks: senders suspend without blocking a thread, nothing reported sent is lost", .serialized, .timeLimit(.minutes(10)))
struct HighWaterMarkTests {
    static let senders = 64
    static let messagesPerSender = 150
    static let payloadSize = 512

    @Test(
        "64 tasks send over tcp to a slow consumer, cancelling at random: they suspend (no thread blocked, memory bounded), resume, and exactly the sends that returned arrive, once, in per-task order",
        arguments: [
            HighWaterMarkCase(highWaterMark: 1, sendBatchSize: 1),
            HighWaterMarkCase(highWaterMark: 4, sendBatchSize: 256),
            HighWaterMarkCase(highWaterMark: 10, sendBatchSize: 1),
        ]
    )
    func slowConsumer(_ setup: HighWaterMarkCase) async throws {
        try await withDeadline(180) {
            try await Self.runSlowConsumer(setup)
        }
    }

    /// What one sender task did: the sequence numbers whose send returned, and those whose send
    /// threw `CancellationError`.
    struct SenderLog: Sendable {
        var sender: Int
        var sent: [Int] = []
        var cancelled: [Int] = []
    }

    static func runSlowConsumer(_ setup: HighWaterMarkCase) async throws {
        let context = try makeContext { $0.sendBatchSize = setup.sendBatchSize }
        let pull = try PullSocket(context), push = try PushSocket(context)
        try await pull.setOption(.receiveHighWaterMark, to: setup.highWaterMark)
        try await push.setOption(.sendHighWaterMark, to: setup.highWaterMark)
        // Small kernel buffers, so that what sits between the two sockets is bounded by a few
        // dozen messages rather than by the kernel's autotuned megabytes.
        try await pull.setOption(.receiveBufferSize, to: 4096)
        try await push.setOption(.sendBufferSize, to: 4096)
        try await push.connect(try await pull.bind("tcp://127.0.0.1:*"))
        // Connected once a first message made it through.
        try await push.send(TaggedMessage.make(sender: 9999, sequence: 0, payloadSize: payloadSize))
        _ = TaggedMessage.parse(try await pull.receive(timeout: .seconds(10)), payloadSize: payloadSize)

        // A second pair on the same loop: it must keep talking while the senders are suspended.
        let pingA = try PairSocket(context, on: push.loop), pingB = try PairSocket(context, on: push.loop)
        try await pingB.connect(try await pingA.bind("inproc://hwm-ping-\(UUID().uuidString)"))
        #expect(pingA.loop === pull.loop)

        let baselineThreads = ProcessFigures.otherThreadCount()
        let baselineAll = ProcessFigures.threadNames().count
        let baselineRSS = try #require(ProcessFigures.residentBytes())
        let sampler = ResidentSampler()

        let returned = SharedCounter()  // sends that returned normally so far
        let seed = UInt64.random(in: 0...UInt64.max)
        let senders = Task {
            try await withThrowingTaskGroup(of: SenderLog.self) { group in
                for sender in 0..<Self.senders {
                    group.addTask {
                        var random = SplitMix64(seed: seed &+ UInt64(sender))
                        var log = SenderLog(sender: sender)
                        for sequence in 0..<Self.messagesPerSender {
                            let message = TaggedMessage.make(
                                sender: sender, sequence: sequence, payloadSize: payloadSize)
                            if random.next() % 5 == 0 {
                                // This send is cancelled: before it starts, or after it got going.
                                let send = Task { try await push.send(message) }
                                for _ in 0..<(random.next() % 4) { await Task.yield() }
                                send.cancel()
                                switch await send.result {
                                case .success:
                                    log.sent.append(sequence)
                                    returned.increment()
                                case .failure(let error):
                                    guard error is CancellationError else { throw error }
                                    log.cancelled.append(sequence)
                                }
                            } else {
                                try await push.send(message)  // no timeout
                                log.sent.append(sequence)
                                returned.increment()
                            }
                        }
                        return log
                    }
                }
                return try await group.reduce(into: [SenderLog]()) { $0.append($1) }
            }
        }

        // Phase 1: nobody reads. Every sender ends up suspended in a send that waits on the loop,
        // and once libzmq's I/O thread has filled the pipes and kernel buffers, nothing moves.
        let phaseOneStart = ContinuousClock.now
        var waiting = 0
        var stalledAt = -1
        while true {
            let before = returned.count
            waiting = await push.core.waiterCounts().senders
            for _ in 0..<50 { await push.loop.submit {} }
            try await Task.sleep(for: .milliseconds(20))
            if waiting == Self.senders, returned.count == before, await push.core.waiterCounts().senders == waiting {
                stalledAt = before
                break
            }
            if ContinuousClock.now - phaseOneStart > .seconds(60) {
                Issue.record("the senders never all suspended: \(await push.core.sendState())")
                senders.cancel()
                return
            }
        }
        let queuedInSocket = push.core.outbox.withLock { $0.queued }

        // No thread is blocked: the loop that owns the suspended sends serves another pair...
        let pingStart = ContinuousClock.now
        for round in 0..<200 {
            try await pingA.send(Message(frame(round)))
            let echo = try await pingB.receive(timeout: .seconds(5))
            try await pingB.send(echo)
            #expect(number(try await pingA.receive(timeout: .seconds(5)).first) == round)
        }
        let pingTime = ContinuousClock.now - pingStart
        // ...and 64 suspended senders cost no thread.
        let stalledThreads = ProcessFigures.otherThreadCount()
        let stalledAll = ProcessFigures.threadNames().count
        #expect(
            stalledThreads <= baselineThreads + 4,
            "threads grew from \(baselineThreads) to \(stalledThreads) with 64 senders suspended")
        #expect(await push.core.waiterCounts().senders == Self.senders)
        // Memory is bounded: what was accepted but not read is the write-behind queue, the
        // high-water marks and what libzmq's I/O batches and the 4 KiB kernel buffers hold.
        let bound = setup.sendBatchSize + 2 * setup.highWaterMark + 256
        #expect(stalledAt <= bound, "\(stalledAt) messages accepted while nobody reads (bound \(bound))")
        #expect(returned.count <= bound, "\(returned.count) messages accepted while nobody reads (bound \(bound))")

        // Phase 2: a slow consumer. The senders resume and finish (still cancelling at random).
        let end = TaggedMessage.make(sender: 10_000, sequence: 0, payloadSize: payloadSize)
        let consumer = Task {
            var received: [(sender: Int, sequence: Int)] = []
            while true {
                let message: Message
                do {
                    message = try await pull.receive(timeout: .seconds(20))
                } catch {
                    // Report where the messages are, and free the senders so the test ends.
                    Issue.record("consumer: \(error) after \(received.count) messages; \(await push.core.sendState())")
                    senders.cancel()
                    throw error
                }
                guard let tag = TaggedMessage.parse(message, payloadSize: payloadSize) else { continue }
                if tag.sender == 10_000 { return received }
                received.append(tag)
                if received.count % 32 == 0 { try await Task.sleep(for: .milliseconds(1)) }  // slow
            }
        }
        let logs = try await senders.value
        // Every earlier send returned, so this one comes after all of them.
        try await push.send(end)
        let received = try await consumer.value
        let maximumRSS = await sampler.stop()

        // Exactly the sends that returned arrived, once each, and none that threw.
        let sent = logs.reduce(0) { $0 + $1.sent.count }
        let cancelled = logs.reduce(0) { $0 + $1.cancelled.count }
        #expect(sent + cancelled == Self.senders * Self.messagesPerSender)
        #expect(cancelled > 0)
        #expect(received.count == sent, "sent \(sent), received \(received.count)")
        var perSender = [Int: [Int]]()
        for tag in received { perSender[tag.sender, default: []].append(tag.sequence) }
        for log in logs {
            let got = perSender[log.sender] ?? []
            // Per-task order, no duplicate: strictly increasing; and exactly what returned.
            #expect(zip(got, got.dropFirst()).allSatisfy { $0 < $1 }, "sender \(log.sender) out of order: \(got)")
            #expect(got == log.sent, "sender \(log.sender): received \(got.count), sent \(log.sent.count)")
            #expect(Set(got).isDisjoint(with: log.cancelled), "sender \(log.sender): a cancelled send arrived")
        }
        #expect(await push.core.waiterCounts().senders == 0)
        // RSS is process-wide and other suites run in parallel: this only catches a gross leak (the
        // bound that matters is the count of accepted-but-unread messages above).
        // (Not under ThreadSanitizer: its shadow memory grew RSS by 613 MiB here by itself.)
        #expect(
            ProcessFigures.isUnderThreadSanitizer || maximumRSS - baselineRSS < 256 << 20,
            "RSS grew by \(ProcessFigures.mebibytes(maximumRSS - baselineRSS))")
        print(
            """
            [hwm] \(setup.testDescription): \(Self.senders) tasks, \(sent) sent, \(cancelled) cancelled, \
            \(received.count) received; stalled with \(waiting) senders suspended after \(stalledAt) sends \
            (\(queuedInSocket) in write-behind, bound \(bound)); other threads \(baselineThreads) -> \(stalledThreads), \
            all threads \(baselineAll) -> \(stalledAll); 200 ping round-trips on the same loop in \(pingTime); \
            RSS \(ProcessFigures.mebibytes(baselineRSS)) -> max \(ProcessFigures.mebibytes(maximumRSS)); seed \(seed)
            """
        )
        await context.shutdown()
    }

    @Test(
        "A slow SUB under four fast PUBs: libzmq drops whole messages (never reorders or duplicates), PUB never blocks, RSS stays bounded"
    )
    func slowSubscriber() async throws {
        try await withDeadline(180) {
            let publishers = 4, perPublisher = 50_000, payloadSize = 1024, highWaterMark = 10
            let context = try makeContext { $0.pollLoops = 2 }
            let sub = try SubSocket(context)
            try await sub.setOption(.receiveHighWaterMark, to: highWaterMark)
            try await sub.setOption(.receiveBufferSize, to: 4096)
            try await sub.setOption(.subscribe, to: [])
            var pubs: [PubSocket] = []
            for _ in 0..<publishers {
                let pub = try PubSocket(context)
                try await pub.setOption(.sendHighWaterMark, to: highWaterMark)
                try await pub.setOption(.sendBufferSize, to: 4096)
                try await sub.connect(try await pub.bind("tcp://127.0.0.1:*"))
                pubs.append(pub)
            }
            // Wait for the subscription to reach every publisher: each says hello until heard.
            var heard = Set<Int>()
            while heard.count < publishers {
                for (index, pub) in pubs.enumerated() where !heard.contains(index) {
                    try await pub.send(TaggedMessage.make(sender: index, sequence: 0, payloadSize: payloadSize))
                }
                while let message = try? await sub.receive(timeout: .milliseconds(20)) {
                    if let tag = TaggedMessage.parse(message, payloadSize: payloadSize) { heard.insert(tag.sender) }
                }
            }

            let baselineRSS = try #require(ProcessFigures.residentBytes())
            let sampler = ResidentSampler()
            let ended = Locked(Set<Int>())
            // The slow consumer: records every sequence number per publisher until each has ended.
            let consumer = Task {
                var received = [[Int]](repeating: [], count: publishers)
                var count = 0
                while ended.withLock({ $0.count }) < publishers {
                    let message = try await sub.receive(timeout: .seconds(20))
                    guard let tag = TaggedMessage.parse(message, payloadSize: payloadSize) else { continue }
                    if tag.sequence == 0 { continue }  // a late hello
                    if tag.sequence > perPublisher {
                        ended.withLock { _ = $0.insert(tag.sender) }
                        continue
                    }
                    received[tag.sender].append(tag.sequence)
                    count += 1
                    if count % 20 == 0 { try await Task.sleep(for: .milliseconds(2)) }  // slow
                }
                return received
            }
            // The fast publishers: sequence 1...perPublisher, then an end marker until it is heard
            // (PUB drops it too while the subscriber is behind).
            let blastStart = ContinuousClock.now
            let blastTimes = try await withThrowingTaskGroup(of: Duration.self) { group in
                for (index, pub) in pubs.enumerated() {
                    group.addTask {
                        let start = ContinuousClock.now
                        for sequence in 1...perPublisher {
                            try await pub.send(
                                TaggedMessage.make(sender: index, sequence: sequence, payloadSize: payloadSize))
                        }
                        let time = ContinuousClock.now - start
                        var marker = perPublisher + 1
                        while !ended.withLock({ $0.contains(index) }) {
                            try await pub.send(
                                TaggedMessage.make(sender: index, sequence: marker, payloadSize: payloadSize))
                            marker += 1
                            try await Task.sleep(for: .milliseconds(5))
                        }
                        return time
                    }
                }
                return try await group.reduce(into: [Duration]()) { $0.append($1) }
            }
            let received = try await consumer.value
            let totalTime = ContinuousClock.now - blastStart
            let maximumRSS = await sampler.stop()

            var delivered = 0
            for (index, sequences) in received.enumerated() {
                // Drops only: strictly increasing, so no message twice and none out of order.
                #expect(
                    zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 },
                    "publisher \(index) reordered or duplicated")
                #expect(sequences.allSatisfy { (1...perPublisher).contains($0) })
                delivered += sequences.count
            }
            let sent = publishers * perPublisher
            let dropped = sent - delivered
            // The consumer is far slower than the publishers: PUB, which never blocks, dropped.
            #expect(dropped > 0)
            #expect(delivered > 0)
            // 200 MB were published; buffering them shows (without HWMs RSS grew by about 760 MiB).
            // RSS is process-wide: a suite holding 100+ MiB in parallel would disturb this bound.
            #expect(
                ProcessFigures.isUnderThreadSanitizer || maximumRSS - baselineRSS < 128 << 20,
                "RSS grew by \(ProcessFigures.mebibytes(maximumRSS - baselineRSS))")
            print(
                """
                [pubsub] \(publishers) PUBs x \(perPublisher) messages of \(payloadSize) B, HWM \(highWaterMark): \
                \(sent) sent, \(delivered) delivered, \(dropped) dropped by PUB at its HWM; \
                per publisher delivered \(received.map(\.count)); publish times \(blastTimes), all in \(totalTime); \
                RSS \(ProcessFigures.mebibytes(baselineRSS)) -> max \(ProcessFigures.mebibytes(maximumRSS))
                """
            )
            await context.shutdown()
        }
    }
}
