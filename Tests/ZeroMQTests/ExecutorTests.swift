import Testing
@testable import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

@Suite("The poll-loop executor", .timeLimit(.minutes(5)))
struct ExecutorTests {
    @Test("socket actors run on their loop thread; other threads are not it")
    func isolation() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context)
            #expect(!pull.loop.isCurrentThread)
            let onLoop = await pull.runOnLoop()
            #expect(onLoop)
            await context.shutdown()
        }
    }

    @Test("a task preferring the loop's task executor runs on the loop and receives without hops")
    func taskExecutorPreference() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("inproc://task-executor"))
            let loop = pull.loop
            let consumer = Task(executorPreference: loop.taskExecutor) { () async throws -> [Int] in
                #expect(loop.isCurrentThread)
                var seen: [Int] = []
                for _ in 0..<1_000 {
                    seen.append(number(try await pull.receive(timeout: .seconds(10)).first) ?? -1)
                    #expect(loop.isCurrentThread)
                }
                return seen
            }
            for index in 0..<1_000 { try await push.send(Message(frame(index))) }
            #expect(try await consumer.value == Array(0..<1_000))
            await context.shutdown()
        }
    }

    @Test("a task preferring the loop iterates `messages` without a job switch per message")
    func sequenceOnLoopWithoutJobSwitches() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind("inproc://sequence-on-loop"))
            for index in 0..<1_000 { try await push.send(Message(frame(index))) }
            try await push.handedToLibzmq()  // all queued in libzmq
            let loop = pull.loop
            let consumer = Task(executorPreference: loop.taskExecutor) { () async throws -> (seen: [Int], turns: Int) in
                let before = loop.turns.load(ordering: .relaxed)
                var seen: [Int] = []
                for try await message in pull.messages {
                    #expect(loop.isCurrentThread)
                    seen.append(number(message.first) ?? -1)
                    if seen.count == 1_000 { break }
                }
                return (seen, loop.turns.load(ordering: .relaxed) - before)
            }
            let (seen, turns) = try await consumer.value
            #expect(seen == Array(0..<1_000))
            // A hop per element made a turn per message (1 000); a few turns remain for the
            // messages that came in while the loop was busy.
            #expect(turns < 100, "\(turns) loop turns for 1 000 messages")
            await context.shutdown()
        }
    }

    @Test("a chain of jobs on the loop runs without a poll per link, within a budget per turn")
    func jobChainsShareATurn() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context)
            let loop = pull.loop
            let turns = await Task(executorPreference: loop.taskExecutor) { () async -> Int in
                let before = loop.turns.load(ordering: .relaxed)
                // Each yield queues the task's next job from the loop thread itself.
                for _ in 0..<1_000 { await Task.yield() }
                return loop.turns.load(ordering: .relaxed) - before
            }.value
            // A turn (with its poll) per yield made 1 000; the budget of 256 jobs per turn makes 4,
            // plus a few for the other work of the moment.
            #expect(turns >= 1_000 / PollLoop.jobBudget, "\(turns) loop turns for 1 000 yields")
            #expect(turns < 50, "\(turns) loop turns for 1 000 yields")
            await context.shutdown()
        }
    }

    @Test("with busy polling the loop polls on after its last activity, then sleeps")
    func busyPollingThenSleep() async throws {
        try await withDeadline {
            // Long, and few turns asked: a busy-polling loop yields its core on every idle turn,
            // and on a loaded machine (the suite runs in parallel) a yield can last a time slice.
            let busyPolling = Duration.seconds(2)
            let context = try makeContext { $0.busyPolling = busyPolling }
            let pull = try PullSocket(context)
            let loop = pull.loop
            let start = ContinuousClock.now
            // Activity: a job runs on the loop. It reads the turn count itself: this task may
            // resume long after the job (the suite runs in parallel, under TSan too), when the
            // loop may have stopped polling already.
            let atJob = try #require(await pull.turnsSeenOnLoop())
            // No job and no socket is ready, yet the loop keeps turning: it polls without sleeping.
            try await waitUntil("the busy-polling loop has made 20 turns with nothing to do") {
                loop.turns.load(ordering: .relaxed) - atJob >= 20
            }
            // Then it sleeps: its turns stop. The loop cannot sleep before `busyPolling` has passed
            // since the job above, which ran after `start`.
            let quietSince = try await waitUntilQuiet(loop)
            #expect(quietSince - start >= busyPolling, "slept \(quietSince - start) after the last job")
            await context.shutdown()
        }
    }

    @Test("a busy-polling loop woken by a ready socket polls on after handing out the message")
    func busyPollingAfterReadiness() async throws {
        try await withDeadline {
            let context = try makeContext { $0.busyPolling = .seconds(2) }  // as in busyPollingThenSleep
            let senders = try makeContext()  // another loop: its sends are no activity of this one
            let pull = try PullSocket(context), push = try PushSocket(senders)
            try await push.connect(try await pull.bind("tcp://127.0.0.1:*"))  // inproc needs one context
            let loop = pull.loop
            let receiver = Task.detached { try await pull.receive(timeout: .seconds(10)) }
            try await waitUntilQuiet(loop)  // the receiver waits and the loop sleeps
            // Counted while the loop sleeps, not after the receiver is back: this task may resume
            // long after the hand-out, when the loop may have stopped polling already.
            let asleep = loop.turns.load(ordering: .relaxed)
            try await push.send("wake")
            #expect(try await receiver.value.string == "wake")
            // The readiness woke the loop from its sleep and it polls on. (Without busy polling it
            // hands out the message and sleeps again, after a turn or two.)
            try await waitUntil("the loop has made 20 turns since it woke to hand out the message") {
                loop.turns.load(ordering: .relaxed) - asleep >= 20
            }
            await context.shutdown()
            await senders.shutdown()
        }
    }

    // Readiness alone, with no job after it: a watched descriptor's handler runs in the loop's
    // hand-out step and queues nothing. (After a socket's hand-out a refill job always follows,
    // which marks activity by itself; so the test above cannot tell when the hand-out step stamps
    // its activity, and this one can.)
    @Test("a busy-polling loop woken by a ready descriptor polls on, with no job after the hand-out")
    func busyPollingAfterDescriptorReadiness() async throws {
        try await withDeadline {
            let busyPolling = Duration.seconds(1)
            let context = try makeContext { $0.busyPolling = busyPolling }
            let pull = try PullSocket(context)  // for its loop
            let loop = pull.loop
            var ends: [Int32] = [0, 0]
            try #require(pipe(&ends) == 0)
            let (readEnd, writeEnd) = (ends[0], ends[1])
            defer { close(readEnd); close(writeEnd) }
            let turnAtHandOut = Locked(-1)
            await loop.submit {
                loop.watch(readable: readEnd) {
                    var byte: UInt8 = 0
                    _ = read(readEnd, &byte, 1)
                    turnAtHandOut.withLock { $0 = loop.turns.load(ordering: .relaxed) }
                }
            }
            // The busy polling after that job is over, and the loop has slept for longer than
            // `busyPolling`: the readiness below is all that wakes it.
            try await waitUntilQuiet(loop, for: busyPolling + .milliseconds(500))
            var byte: UInt8 = 1
            try #require(write(writeEnd, &byte, 1) == 1)
            try await waitUntil("the loop has handed out the descriptor's readiness") {
                turnAtHandOut.withLock { $0 } >= 0
            }
            let handedOut = turnAtHandOut.withLock { $0 }
            // Woken from its sleep, it polls on. (Had it dated the activity from before its poll,
            // the time it slept would count as idle: it would sleep again at once.)
            try await waitUntil("the loop has made 20 turns since it handed out the readiness") {
                loop.turns.load(ordering: .relaxed) - handedOut >= 20
            }
            await loop.submit { loop.stopWatching(readEnd) }
            await context.shutdown()
        }
    }

    /// Waits until `loop` has made no turn for `quiet` (it sleeps); returns when its last turn was
    /// seen. (200 ms is long enough that a busy-polling loop kept off its core for a while by the
    /// parallel suite is not taken for a sleeping one.)
    @discardableResult
    private func waitUntilQuiet(_ loop: PollLoop, for quiet: Duration = .milliseconds(200)) async throws -> ContinuousClock.Instant {
        var last = loop.turns.load(ordering: .relaxed)
        var quietSince = ContinuousClock.now
        try await waitUntil("the loop has made no turn for \(quiet)") {
            let turns = loop.turns.load(ordering: .relaxed)
            if turns != last { (last, quietSince) = (turns, .now) }
            return ContinuousClock.now - quietSince >= quiet
        }
        return quietSince
    }

    // Few round trips, and the server on the loop: under ThreadSanitizer with the whole suite
    // running, a hop through the shared cooperative pool waits tens to hundreds of milliseconds
    // (500 requests from an ordinary task to a server in another ordinary task took 29–32 s, past
    // the deadline; 0.27 s alone). Each request here makes one such hop, back to its task: 50 took
    // 13–18 s there.
    @Test("requests and replies from an ordinary task work on a busy-polling context")
    func busyPollingRequests() async throws {
        try await withDeadline(60) {
            let context = try makeContext { $0.busyPolling = .microseconds(50) }
            let rep = try RepSocket(context), req = try ReqSocket(context)
            try await req.connect(try await rep.bind("tcp://127.0.0.1:*"))
            let server = Task(executorPreference: rep.loop.taskExecutor) {
                for _ in 0..<50 {
                    let request = try await rep.receive(timeout: .seconds(10))
                    try await rep.send(request)
                }
            }
            // From an ordinary task: every call reaches the loop from another thread.
            let started = ContinuousClock.now
            let replies = try await Task.detached { () async throws -> [Int] in
                var replies: [Int] = []
                for index in 0..<50 {
                    replies.append(number(try await req.request(Message(frame(index)), timeout: .seconds(10)).first) ?? -1)
                }
                return replies
            }.value
            print("busy polling: 50 requests from an ordinary task in \(ContinuousClock.now - started)")
            #expect(replies == Array(0..<50))
            try await server.value
            await context.shutdown()
        }
    }

    @Test("a receive timeout fires while the loop polls without sleeping")
    func busyPollingTimeout() async throws {
        try await withDeadline {
            // The loop polls on for 1 s after its last job (the one that starts the wait): through
            // the whole wait below.
            let context = try makeContext { $0.busyPolling = .seconds(1) }
            let pull = try PullSocket(context)
            _ = try await pull.bind("inproc://busy-polling-timeout")
            let before = try #require(await pull.turnsSeenOnLoop())
            let timedOut = await #expect(throws: ZeroMQError.self) { try await pull.receive(timeout: .milliseconds(100)) }
            let turns = try #require(await pull.turnsSeenOnLoop()) - before
            print("busy polling: a 100 ms receive timeout fired after \(turns) turns of the loop")
            #expect(timedOut?.code == .timedOut)
            // A loop that slept through the wait turns about three times (the job that starts it,
            // the sleep until the timer, the job that ends it).
            #expect(turns >= 10)
            await context.shutdown()
        }
    }

    @Test("two loops share the sockets in turn")
    func twoLoops() async throws {
        try await withDeadline {
            let context = try makeContext { $0.pollLoops = 2 }
            let a = try PairSocket(context), b = try PairSocket(context)
            #expect(a.loop !== b.loop)
            try await b.connect(try await a.bind("inproc://two-loops"))
            try await a.send("across")
            #expect(try await b.receive(timeout: .seconds(5)).string == "across")
            await context.shutdown()
        }
    }

    @Test("timers fire in deadline order and can be cancelled")
    func timerHeap() {
        var heap = TimerHeap()
        let start = ContinuousClock.now
        var fired: [Int] = []
        _ = heap.schedule(at: start + .milliseconds(30)) { fired.append(3) }
        let cancelled = heap.schedule(at: start + .milliseconds(10)) { fired.append(1) }
        _ = heap.schedule(at: start + .milliseconds(20)) { fired.append(2) }
        heap.cancel(cancelled)
        #expect(heap.pollTimeout(now: start) == 20)
        for action in heap.takeExpired(now: start + .milliseconds(25)) { action() }
        #expect(fired == [2])
        #expect(heap.pollTimeout(now: start + .milliseconds(25)) == 5)
        for action in heap.takeExpired(now: start + .seconds(1)) { action() }
        #expect(fired == [2, 3])
        #expect(heap.pollTimeout(now: start) == -1)
    }

    @Test("a timer's slot, reused after a cancel, runs only the new timer, at its own deadline; a second cancel of the old id leaves it be")
    func timerSlotReuse() {
        var heap = TimerHeap()
        let start = ContinuousClock.now
        var fired: [Int] = []
        let keep = heap.schedule(at: start + .milliseconds(40)) { fired.append(3) }
        let first = heap.schedule(at: start + .milliseconds(10)) { fired.append(1) }
        heap.cancel(first)
        #expect(heap.count == 1)
        // Takes the slot `first` had, whose entry (due at 10 ms) is still in the heap.
        let second = heap.schedule(at: start + .milliseconds(30)) { fired.append(2) }
        heap.cancel(first)
        #expect(heap.count == 2)
        #expect(heap.pollTimeout(now: start) == 30)
        for action in heap.takeExpired(now: start + .milliseconds(20)) { action() }
        #expect(fired == [])
        for action in heap.takeExpired(now: start + .milliseconds(30)) { action() }
        #expect(fired == [2])
        // A fired timer's id cancels nothing either, though a new timer holds its slot.
        let third = heap.schedule(at: start + .milliseconds(50)) { fired.append(5) }
        heap.cancel(second)
        #expect(heap.count == 2)
        #expect(heap.pollTimeout(now: start + .milliseconds(30)) == 10)
        heap.cancel(keep)
        for action in heap.takeExpired(now: start + .seconds(1)) { action() }
        #expect(fired == [2, 5])
        heap.cancel(third)
        #expect(heap.count == 0)
        #expect(heap.pollTimeout(now: start) == -1)
    }

    @Test("libzmq facts")
    func libzmq() {
        #expect(LibZMQ.version >= LibZMQ.Version(major: 4, minor: 3, patch: 0))
        #expect(LibZMQ.has(.ipc))
        #expect(LibZMQ.capabilities.contains(.ipc))
    }
}

extension Socket {
    /// Whether code isolated to the socket runs on its loop thread.
    func runOnLoop() -> Bool { loop.isCurrentThread }

    /// The loop's turn count, read by a job on the loop; nil if the job ran elsewhere.
    func turnsSeenOnLoop() -> Int? { loop.isCurrentThread ? loop.turns.load(ordering: .relaxed) : nil }
}
