import Testing
@testable import ZeroMQ

@Suite("Cancellation and timeouts lose nothing", .timeLimit(.minutes(5)))
struct CancellationTests {
    @Test("1 000 receives cancelled or timed out while messages arrive: each message exactly once, in order")
    func cancelledReceivesLoseNothing() async throws {
        try await withDeadline(120) {
            let total = 3_000
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("tcp://127.0.0.1:*"))
            let producer = Task {
                for index in 0..<total {
                    try await push.send(Message(frame(index)))
                    if index % 7 == 0 { try await Task.sleep(for: .microseconds(50)) }
                }
            }
            var received: [Int] = []
            var timedOut = 0, cancelled = 0, served = 0
            var attempt = 0
            while timedOut + cancelled < 1_000 {
                attempt += 1
                if attempt % 2 == 0 {
                    // A receive that times out.
                    do {
                        let message = try await pull.receive(timeout: .microseconds(Int64(attempt % 200)))
                        received.append(try #require(number(message.first)))
                        served += 1
                    } catch let error as ZeroMQError where error.code == .timedOut {
                        timedOut += 1
                    }
                } else {
                    // A receive that is cancelled, sometimes before and sometimes while it waits.
                    let task = Task { try await pull.receive() }
                    if attempt % 3 == 0 { await Task.yield() }
                    task.cancel()
                    do {
                        received.append(try #require(number(try await task.value.first)))
                        served += 1
                    } catch is CancellationError {
                        cancelled += 1
                    }
                }
            }
            let arrivedMeanwhile = received.count
            while received.count < total {
                received.append(try #require(number(try await pull.receive(timeout: .seconds(10)).first)))
            }
            try await producer.value
            #expect(received == Array(0..<total))
            // Every attempt ended one way, and each way happened: the interruptions raced real
            // deliveries (messages arrived while receives were being cancelled and timing out).
            #expect(timedOut + cancelled + served == attempt)
            #expect(timedOut > 0 && cancelled > 0, "timed out \(timedOut), cancelled \(cancelled)")
            #expect(arrivedMeanwhile > 0, "no message arrived while receives were interrupted")
            await context.shutdown()
        }
    }

    @Test(
        "cancelled and timed-out sends send whole messages or nothing",
        arguments: [1, 256]  // sendBatchSize: every send waits on the loop, or write-behind
    )
    func multipartSendAtomicity(sendBatchSize: Int) async throws {
        try await withDeadline(60) {
            let context = try makeContext { $0.sendBatchSize = sendBatchSize }
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.setOption(.sendHighWaterMark, to: 1)
            try await pull.setOption(.receiveHighWaterMark, to: 1)
            try await push.connect(try await pull.bind("tcp://127.0.0.1:*"))
            var sent: [Int] = []
            for index in 0..<300 {
                let message = Message(frames: [frame(index), Frame([UInt8](repeating: UInt8(index % 256), count: 100)), frame(index)])
                if index % 3 == 0 {
                    let task = Task { try await push.send(message) }
                    if index % 2 == 0 { await Task.yield() }
                    task.cancel()
                    if (try? await task.value) != nil { sent.append(index) }
                } else {
                    do {
                        try await push.send(message, timeout: .milliseconds(1))
                        sent.append(index)
                    } catch let error as ZeroMQError where error.code == .timedOut {}
                }
                // Drain now and then so that some sends block and some go through.
                if index % 10 == 9 {
                    while let message = try? await pull.receive(timeout: .milliseconds(20)) {
                        try Self.check(message, against: &sent)
                    }
                }
            }
            while let message = try? await pull.receive(timeout: .milliseconds(200)) {
                try Self.check(message, against: &sent)
            }
            #expect(sent.isEmpty, "messages reported sent but never received: \(sent)")
            await context.shutdown()
        }
    }

    /// Each received message must be whole and be the oldest one reported sent.
    private static func check(_ message: Message, against sent: inout [Int]) throws {
        #expect(message.frameCount == 3)
        let id = try #require(number(message[0]))
        #expect(number(message[2]) == id)
        #expect(message[1].bytes == [UInt8](repeating: UInt8(id % 256), count: 100))
        #expect(sent.first == id, "received \(id), expected \(String(describing: sent.first))")
        if sent.first == id { sent.removeFirst() }
    }

    @Test("cancelled receives never split a multipart message")
    func multipartReceiveAtomicity() async throws {
        try await withDeadline(60) {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("inproc://multipart-receive"))
            let producer = Task {
                for index in 0..<500 { try await push.send([frame(index), "middle", frame(index)]) }
            }
            var next = 0
            var attempt = 0
            while next < 500 {
                attempt += 1
                let task = Task { try await pull.receive() }
                if attempt % 2 == 0 { task.cancel() }
                guard let message = try? await task.value else { continue }
                #expect(message.frames.map { number($0) } == [next, nil, next])
                #expect(message[1].string == "middle")
                next += 1
            }
            try await producer.value
            await context.shutdown()
        }
    }

    @Test("a receive times out with a clear error, and the next receive gets the message")
    func timeoutKeepsMessage() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("inproc://timeout"))
            let start = ContinuousClock.now
            let error = await #expect(throws: ZeroMQError.self) {
                try await pull.receive(timeout: .milliseconds(50))
            }
            #expect(ContinuousClock.now - start >= .milliseconds(50))
            #expect(error?.code == .timedOut)
            #expect(error?.description.contains("receive on PULL#") == true)
            try await push.send("late")
            #expect(try await pull.receive(timeout: .seconds(5)).string == "late")
            await context.shutdown()
        }
    }
}
