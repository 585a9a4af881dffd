import Foundation
import CZeroMQ
import Testing
@testable import ZeroMQ
import ZeroMQSupport

@Suite("Closing and shutdown", .timeLimit(.minutes(5)))
struct LifecycleTests {
    @Test("a receive waiting on a socket that gets closed ends with socketClosed")
    func closeWakesReceiver() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context)
            try await pull.bind("inproc://close-me")
            let waiting = Task { try await pull.receive() }
            try await pull.receivesWaiting(1)
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
            let seen = Locked<[Int]>([])
            let consumer = Task {
                for try await message in pull.messages {
                    seen.withLock { $0.append(number(message.first) ?? -1) }
                }
            }
            try await waitUntil("the consumer saw the three messages") { seen.withLock { $0.count } == 3 }
            await pull.close()
            try await consumer.value  // the loop ends, without an error
            #expect(seen.withLock { $0 } == [0, 1, 2])
            await context.shutdown()
        }
    }

    @Test("breaking out of the sequence loses nothing", arguments: IteratorPlace.allCases)
    func breakLosesNothing(place: IteratorPlace) async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("inproc://sequence-break"))
            for index in 0..<100 { try await push.send(Message(frame(index))) }
            let seen = try await place.run(on: pull.loop) { () async throws -> [Int] in
                var seen: [Int] = []
                for try await message in pull.messages {
                    seen.append(number(message.first) ?? -1)
                    if seen.count == 10 { break }
                }
                for try await message in pull.messages {
                    seen.append(number(message.first) ?? -1)
                    if seen.count == 100 { break }
                }
                return seen
            }
            #expect(seen == Array(0..<100))
            await context.shutdown()
        }
    }

    @Test(
        "a receive that waits while a loop holds a batch gets the batch's next message when the loop is left",
        arguments: IteratorPlace.allCases
    )
    func restoredBatchServesWaiter(place: IteratorPlace) async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("inproc://sequence-restore"))
            for index in 0..<100 { try await push.send(Message(frame(index))) }
            try await push.handedToLibzmq()  // all queued in libzmq
            let (seen, waiting) = try await place.run(on: pull.loop) {
                () async throws -> ([Int], Task<Message, any Error>) in
                var seen: [Int] = []
                var iterator = pull.messages.makeAsyncIterator()
                // Off the loop, the first message comes with the other 99 read ahead and the
                // second takes them all; on the loop, the first takes all 100 from libzmq.
                while seen.count < 10, let message = try await iterator.next() {
                    seen.append(number(message.first) ?? -1)
                }
                let waiting = Task { try await pull.receive(timeout: .seconds(10)) }
                try await pull.receivesWaiting(1)
                _ = consume iterator
                return (seen, waiting)
            }
            #expect(number(try await waiting.value.first) == 10)
            var rest: [Int] = []
            for _ in 11..<100 { rest.append(number(try await pull.receive(timeout: .seconds(10)).first) ?? -1) }
            #expect(seen == Array(0..<10))
            #expect(rest == Array(11..<100))
            await context.shutdown()
        }
    }

    @Test("a receive that registers to wait after messages were read ahead meanwhile takes them at once")
    func waiterTakesMessagesReadAheadMeanwhile() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("inproc://read-ahead-meanwhile"))
            for index in 0..<10 { try await push.send(Message(frame(index))) }
            try await push.handedToLibzmq()  // all queued in libzmq
            // From off the loop, the first receive reads the other nine ahead into the inbox.
            #expect(number(try await pull.receive(timeout: .seconds(10)).first) == 0)
            #expect(pull.core.inboxCount.load(ordering: .relaxed) == 9)
            // What a receive does when jobs ran between its last look and its registration (a
            // refill that read ahead): it must not wait while the inbox holds messages.
            #expect(number(try await pull.registerWaiter(timeout: .seconds(5)).first) == 1)
            for index in 2..<10 { #expect(number(try await pull.receive(timeout: .seconds(10)).first) == index) }
            await context.shutdown()
        }
    }

    @Test(
        "a socket whose messages loop still holds read-ahead messages cannot be handed to a device",
        arguments: IteratorPlace.allCases
    )
    func handOverRefusedWhileBatchLent(place: IteratorPlace) async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("inproc://sequence-lent"))
            for index in 0..<20 { try await push.send(Message(frame(index))) }
            try await push.handedToLibzmq()  // all queued in libzmq
            let (first, error) = try await place.run(on: pull.loop) { () async throws -> ([Int?], ZeroMQError?) in
                var iterator = pull.messages.makeAsyncIterator()
                let first = [number(try await iterator.next()?.first), number(try await iterator.next()?.first)]
                // Off the loop, the second message took the read-ahead batch; on the loop, the
                // first took a batch straight from libzmq.
                let error = await #expect(throws: ZeroMQError.self) { _ = try await pull.handOver(to: "a test") }
                _ = consume iterator
                return (first, error)
            }
            #expect(first == [0, 1])
            #expect(error?.reason.contains("holds messages the socket read ahead") == true)
            #expect(number(try await pull.receive(timeout: .seconds(10)).first) == 2)
            // Once the loop is left, nothing stands in the way.
            for index in 3..<20 { #expect(number(try await pull.receive(timeout: .seconds(10)).first) == index) }
            let handle = try await pull.handOver(to: "a test")
            zmq_close(handle.raw)  // the new owner closes it (else zmq_ctx_term waits for it)
            await context.shutdown()
        }
    }

    @Test("a context's libzmq handle makes C sockets that reach its sockets over inproc, until shutdown")
    func contextHandleForCPeers() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context)
            try await pull.bind("inproc://raw-peer")
            let sent = try context.withUnsafeHandle { handle -> Int32 in
                guard let push = zmq_socket(handle, ZMQ_PUSH) else { return -1 }
                defer { zmq_close(push) }
                guard zmq_connect(push, "inproc://raw-peer") == 0 else { return -1 }
                return zmq_send(push, "from C", 6, 0)
            }
            #expect(sent == 6)
            #expect(try await pull.receive(timeout: .seconds(10)).string == "from C")
            await context.shutdown()
            let error = #expect(throws: ZeroMQError.self) { try context.withUnsafeHandle { _ in } }
            #expect(error?.code == .contextTerminated)
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
            try await push.sendsWaiting(1)  // at the high-water mark
            let start = ContinuousClock.now
            await context.shutdown()
            let elapsed = ContinuousClock.now - start
            // Bounded by the 300 ms linger, not by the infinite default: 2 s is room for a slow
            // run, scaled for ThreadSanitizer (where it took 2.3 s once, on 2 busy cores).
            #expect(elapsed < testTimeout(.seconds(2)), "shutdown took \(elapsed)")
            for waiter in waiters {
                let error = await #expect(throws: ZeroMQError.self) { try await waiter.value }
                #expect(error?.code == .socketClosed)
            }
            await #expect(throws: ZeroMQError.self) { try await blocked.value }
            let late = #expect(throws: ZeroMQError.self) { try PullSocket(context) }
            #expect(late?.code == .contextTerminated)
        }
    }

    @Test("shutdown() called from five tasks at once: each returns only once the context is terminated")
    func concurrentShutdown() async throws {
        try await withDeadline {
            let context = try makeContext { $0.shutdownLinger = .milliseconds(300) }
            // A message queued for a peer that never answers: termination waits out the linger.
            let push = try PushSocket(context)
            try await push.connect("tcp://127.0.0.1:9")
            try await push.send("undeliverable")
            try await push.handedToLibzmq()
            let finished = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        await context.shutdown()
                        return context.storage.hasFinishedShutdown
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(finished == Array(repeating: true, count: 5))
            await context.shutdown()  // and once more, after the fact: returns at once
            #expect(context.storage.hasFinishedShutdown)
        }
    }

    @Test("dropping sockets and the context without shutdown releases every thread, fd and byte")
    func dropWithoutShutdown() async throws {
        try await withDeadline {
            // In a process of its own (an exit test): other tests' threads and fds would blur the figures.
            let result = try await #require(processExitsWith: .success, observing: [\.standardErrorContent]) {
                func cycle() async throws {
                    let context = try makeContext()
                    let pull = try PullSocket(context), push = try PushSocket(context)
                    try await push.connect(try await pull.bind("tcp://127.0.0.1:*"))
                    try await push.send(Message(frames: ["x", Frame(bytes: [UInt8](repeating: 7, count: 100_000))]))
                    guard try await pull.receive(timeout: .seconds(5)).first?.string == "x" else { exit(2) }
                }
                // The first cycle starts the runtime's own threads and libzmq's one-time allocations,
                // and Dispatch's timer descriptor is opened (for good) before measuring: otherwise
                // the sleeps of the wait below open it, and the count never comes back (seen under
                // ThreadSanitizer, where the threads take long enough to go for the wait to sleep).
                try await cycle()
                try await ProcessFigures.openRuntimeTimerDescriptor()
                let before = ProcessFigures.current()
                for _ in 0..<50 { try await cycle() }
                // Dropped contexts terminate in the background: wait for their threads and fds to go.
                var settled = true
                do {
                    try await waitUntil("the dropped contexts' threads and fds are gone", timeout: .seconds(30)) {
                        let now = ProcessFigures.current()
                        return now.threads <= before.threads && now.fileDescriptors <= before.fileDescriptors
                    }
                } catch {
                    settled = false
                }
                let after = ProcessFigures.current()
                // 50 contexts, 100 sockets and 5 MB of messages leaked would add far more than 8 MiB
                // (not checked under ThreadSanitizer, whose shadow memory grows with every thread,
                // nor under AddressSanitizer, whose quarantine holds freed memory: 47.8 → 74.5 MiB
                // in `make leaks`, where LeakSanitizer checks this child at its exit instead).
                let memoryFlat =
                    ProcessFigures.isUnderThreadSanitizer || ProcessFigures.isUnderAddressSanitizer
                    || after.residentBytes - before.residentBytes < 8 << 20
                let verdict = settled && memoryFlat ? "flat" : "grew"
                FileHandle.standardError.write(
                    Data("before: \(before)\nafter 50 dropped contexts: \(after)\nverdict: \(verdict)\n".utf8))
            }
            let figures = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(figures.contains("verdict: flat"), "\(figures)")
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

extension Socket where Role: ReceivingRole {
    /// Registers a receive waiter without looking at the inbox or libzmq first.
    func registerWaiter(timeout: Duration) async throws -> Message {
        let id = core.makeWaiterID()
        return try await withUnsafeThrowingContinuation { continuation in
            core.enqueueReceiver(id: id, continuation: continuation, timeout: timeout, readAhead: readAhead)
        }
    }
}
