import Testing
@testable import ZeroMQ

@Suite("Closing and shutdown")
struct LifecycleTests {
    @Test("a receive waiting on a socket that gets closed ends with socketClosed")
    func closeWakesReceiver() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context)
            try await pull.bind("inproc://close-me")
            let waiting = Task { try await pull.receive() }
            try await Task.sleep(for: .milliseconds(20))
            await pull.close()
            let error = await #expect(throws: ZeroMQError.self) { try await waiting.value }
            #expect(error?.code == .socketClosed)
            let again = await #expect(throws: ZeroMQError.self) { try await pull.receive() }
            #expect(again?.code == .socketClosed)
            await context.shutdown()
        }
    }

    @Test("the message sequence ends when the socket closes")
    func sequenceEndsOnClose() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("inproc://sequence-end"))
            for index in 0..<3 { try await push.send(Message(frame(index))) }
            let consumer = Task {
                var seen: [Int] = []
                for try await message in pull.messages { seen.append(number(message.first) ?? -1) }
                return seen
            }
            while await !pull.isClosed {
                try await Task.sleep(for: .milliseconds(20))
                await pull.close()
            }
            let seen = try await consumer.value
            #expect(seen.count <= 3)
            #expect(seen == Array(0..<seen.count))
            await context.shutdown()
        }
    }

    @Test("breaking out of the sequence loses nothing")
    func breakLosesNothing() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("inproc://sequence-break"))
            for index in 0..<100 { try await push.send(Message(frame(index))) }
            var seen: [Int] = []
            for try await message in pull.messages {
                seen.append(number(message.first) ?? -1)
                if seen.count == 10 { break }
            }
            for try await message in pull.messages {
                seen.append(number(message.first) ?? -1)
                if seen.count == 100 { break }
            }
            #expect(seen == Array(0..<100))
            await context.shutdown()
        }
    }

    @Test("context shutdown with open sockets, pending waiters and undeliverable messages finishes within its linger")
    func shutdownIsBounded() async throws {
        try await withDeadline {
            let context = try makeContext { $0.shutdownLinger = .milliseconds(300) }
            let pulls = try (0..<5).map { _ in try PullSocket(context) }
            var waiters: [Task<Message, any Error>] = []
            for (index, pull) in pulls.enumerated() {
                try await pull.bind("inproc://shutdown-\(index)")
                waiters.append(Task { try await pull.receive() })
            }
            // Messages queued for a peer that never comes (linger is infinite by default).
            let push = try PushSocket(context)
            try await push.connect("tcp://127.0.0.1:9")
            let blocked = Task {
                for _ in 0..<2_000 { try await push.send("undeliverable") }
            }
            try await Task.sleep(for: .milliseconds(50))
            let start = ContinuousClock.now
            await context.shutdown()
            let elapsed = ContinuousClock.now - start
            #expect(elapsed < .seconds(2), "shutdown took \(elapsed)")
            for waiter in waiters {
                let error = await #expect(throws: ZeroMQError.self) { try await waiter.value }
                #expect(error?.code == .socketClosed)
            }
            await #expect(throws: ZeroMQError.self) { try await blocked.value }
            let late = #expect(throws: ZeroMQError.self) { try PullSocket(context) }
            #expect(late?.code == .contextTerminated)
        }
    }

    @Test("dropping sockets and the context without shutdown releases everything")
    func dropWithoutShutdown() async throws {
        try await withDeadline {
            for _ in 0..<20 {
                let context = try makeContext()
                let pull = try PullSocket(context), push = try PushSocket(context)
                try await push.connect(try await pull.bind("inproc://drop"))
                try await push.send("x")
                #expect(try await pull.receive(timeout: .seconds(5)).string == "x")
            }
        }
    }

    @Test("withContext shuts the context down after its body, also when the body throws")
    func scopedContext() async throws {
        struct Failure: Error {}
        try await withDeadline {
            let (context, socket) = try await Context.withContext { context in
                let pull = try PullSocket(context)
                try await pull.bind("inproc://scoped")
                return (context, pull)
            }
            #expect(context.isShutDown)
            #expect(await socket.isClosed)

            let escaped = Lock<Context?>(nil)
            await #expect(throws: Failure.self) {
                try await Context.withContext { context in
                    escaped.withLock { $0 = context }
                    throw Failure()
                }
            }
            #expect(escaped.withLock { $0?.isShutDown } == true)
        }
    }
}
