import Testing
@testable import ZeroMQServices

/// `StreamCredits`, the service's flow control for server streams, with plain values: keys are
/// strings, waiters and task handles are ints.
@Suite("StreamCredits: a service's server streams, as a pure state machine")
struct StreamCreditsTests {
    typealias Credits = StreamCredits<String, Int, Int>

    @Test("a stream sends exactly its credit, then waits; a grant resumes the waiter with one credit taken")
    func creditBoundsSending() {
        var credits = Credits()
        #expect(step { credits.open("a", credit: 2) } == .opened)
        #expect(step { credits.attach("a", handle: 7) } == false)
        #expect(step { credits.take("a") } == .send)
        #expect(step { credits.take("a") } == .send)
        #expect(step { credits.take("a") } == .wait)
        #expect(step { credits.wait("a", with: 1) } == .wait)
        guard case .resume(let waiter) = credits.grant("a", credit: 3) else {
            Issue.record("the grant resumed nobody")
            return
        }
        #expect(waiter == 1)
        // One of the three went to the resumed sender.
        #expect(step { credits.credit(of: "a") } == 2)
        #expect(step { credits.take("a") } == .send)
        #expect(step { credits.take("a") } == .send)
        #expect(step { credits.take("a") } == .wait)
    }

    @Test("credit that comes before the sender waits is kept, and the wait returns at once")
    func creditBeforeWait() {
        var credits = Credits()
        #expect(step { credits.open("a", credit: 1) } == .opened)
        #expect(step { credits.take("a") } == .send)
        #expect(step { credits.take("a") } == .wait)
        guard case .none = credits.grant("a", credit: 1) else {
            Issue.record("nobody waits yet")
            return
        }
        #expect(step { credits.wait("a", with: 1) } == .send)
        #expect(step { credits.credit(of: "a") } == 0)
    }

    @Test("a cancel stops the stream: the waiter and the task handle come back, later takes stop")
    func cancel() {
        var credits = Credits()
        #expect(step { credits.open("a", credit: 1) } == .opened)
        #expect(step { credits.attach("a", handle: 7) } == false)
        #expect(step { credits.take("a") } == .send)
        #expect(step { credits.wait("a", with: 1) } == .wait)
        let (waiter, handle) = credits.cancel("a")
        #expect(waiter == 1 && handle == 7)
        #expect(step { credits.isCancelled("a") })
        #expect(step { credits.take("a") } == .stop(.cancelled))
        // Credit after the cancel resumes nobody.
        guard case .none = credits.grant("a", credit: 5) else {
            Issue.record("a cancelled stream resumed a waiter")
            return
        }
        #expect(step { credits.take("a") } == .stop(.cancelled))
    }

    @Test("a cancel before the task starts makes it stop at once")
    func cancelBeforeAttach() {
        var credits = Credits()
        #expect(step { credits.open("a", credit: 4) } == .opened)
        let (waiter, handle) = credits.cancel("a")
        #expect(waiter == nil && handle == nil)
        #expect(step { credits.attach("a", handle: 7) } == true)
    }

    @Test("a task cancelled before it waits finds the stream stopped when it does")
    func abandonBeforeWait() {
        var credits = Credits()
        #expect(step { credits.open("a", credit: 0) } == .opened)
        #expect(step { credits.abandon("a") } == nil)
        #expect(step { credits.wait("a", with: 1) } == .stop(.cancelled))
        // And one that waits is handed back.
        #expect(step { credits.open("b", credit: 0) } == .opened)
        #expect(step { credits.wait("b", with: 2) } == .wait)
        #expect(step { credits.abandon("b") } == 2)
        #expect(step { credits.take("b") } == .stop(.cancelled))
    }

    @Test("a shutdown stops every stream at its next item and hands back every waiter")
    func shutdown() {
        var credits = Credits()
        #expect(step { credits.open("a", credit: 0) } == .opened)
        #expect(step { credits.open("b", credit: 5) } == .opened)
        #expect(step { credits.wait("a", with: 1) } == .wait)
        #expect(step { credits.shutDown() } == [1])
        #expect(credits.isShuttingDown)
        #expect(step { credits.take("b") } == .stop(.shuttingDown))
        #expect(step { credits.take("a") } == .stop(.shuttingDown))
    }

    @Test("at the limit an open is refused as full, and the stream is not kept; closing one makes room; a duplicate is told from full")
    func limit() {
        var credits = Credits(limit: 2)
        #expect(step { credits.open("a", credit: 1) } == .opened)
        #expect(step { credits.open("b", credit: 1) } == .opened)
        #expect(step { credits.open("c", credit: 1) } == .full)
        #expect(step { credits.open("a", credit: 1) } == .duplicate)
        #expect(credits.count == 2)
        #expect(step { credits.credit(of: "c") } == nil)
        credits.close("a")
        #expect(step { credits.open("c", credit: 1) } == .opened)
        #expect(step { credits.open("d", credit: 1) } == .full)
        #expect(Credits(limit: 0).limit == 1)
    }

    @Test("the windows of one connection's streams add up to at most the connection limit; other connections have their own; closing gives the window back")
    func connectionLimit() {
        var credits = Credits(connectionLimit: 10)
        let one: [[UInt8]] = [[1]], two: [[UInt8]] = [[2]]
        #expect(step { credits.open("a", connection: one, credit: 6) } == .opened)
        #expect(step { credits.open("b", connection: one, credit: 5) } == .overConnectionLimit)
        #expect(step { credits.open("b", connection: one, credit: 4) } == .opened)
        #expect(credits.window(of: one) == 10)
        #expect(step { credits.open("c", connection: two, credit: 10) } == .opened)
        #expect(step { credits.open("d", connection: two, credit: 11) } == .overConnectionLimit)
        // Later credit replaces what the caller took: it does not count against the limit.
        _ = credits.grant("a", credit: 100)
        #expect(credits.window(of: one) == 10)
        credits.close("a")
        #expect(credits.window(of: one) == 4)
        #expect(step { credits.open("e", connection: one, credit: 6) } == .opened)
        credits.close("b")
        credits.close("e")
        #expect(credits.window(of: one) == 0)
        #expect(step { credits.open("f", connection: one, credit: 11) } == .overConnectionLimit)
        #expect(credits.count == 1)
    }

    @Test("one key opens one stream at a time; closing forgets it, credit for unknown keys is ignored")
    func keys() {
        var credits = Credits()
        #expect(step { credits.open("a", credit: 1) } == .opened)
        #expect(step { credits.open("a", credit: 1) } == .duplicate)
        #expect(credits.count == 1)
        credits.close("a")
        #expect(credits.count == 0)
        guard case .none = credits.grant("a", credit: 1) else {
            Issue.record("credit for a closed stream resumed someone")
            return
        }
        #expect(step { credits.credit(of: "a") } == nil)
        #expect(step { credits.open("a", credit: 1) } == .opened)
        // A task whose stream is gone stops.
        credits.close("a")
        #expect(step { credits.take("a") } == .stop(.cancelled))
        #expect(step { credits.attach("a", handle: 1) } == true)
    }

    @Test("credit saturates instead of overflowing")
    func saturation() {
        var credits = Credits()
        #expect(step { credits.open("a", credit: 1) } == .opened)
        for _ in 0..<4 { _ = credits.grant("a", credit: .max) }
        #expect(step { credits.credit(of: "a") } == Int.max / 2)
        #expect(step { credits.take("a") } == .send)
    }

    @Test("a stall ends the wait it was set for and the stream; a stall timer of an earlier wait does nothing")
    func stall() {
        var credits = Credits()
        #expect(step { credits.open("a", credit: 0) } == .opened)
        #expect(step { credits.currentWait(of: "a") } == nil)
        #expect(step { credits.wait("a", with: 1) } == .wait)
        #expect(step { credits.currentWait(of: "a") } == 1)
        // Credit came in time: the first wait is over, and its timer finds nothing to end.
        guard case .resume(1) = credits.grant("a", credit: 1) else {
            Issue.record("the grant resumed nobody")
            return
        }
        #expect(step { credits.stall("a", wait: 1) } == nil)
        #expect(step { credits.wait("a", with: 2) } == .wait)
        #expect(step { credits.currentWait(of: "a") } == 2)
        // A late timer of the first wait leaves the second one be.
        #expect(step { credits.stall("a", wait: 1) } == nil)
        #expect(step { credits.currentWait(of: "a") } == 2)
        // The second wait's own timer ends it; the stream takes nothing more, credit or not.
        #expect(step { credits.stall("a", wait: 2) } == 2)
        #expect(step { credits.currentWait(of: "a") } == nil)
        guard case .none = credits.grant("a", credit: 5) else {
            Issue.record("a stalled stream resumed a waiter")
            return
        }
        #expect(step { credits.take("a") } == .stop(.stalled))
        #expect(step { credits.stall("b", wait: 1) } == nil)
    }
}

/// Runs `body` and returns its result: lets `#expect` check what a mutating call returns (the
/// macro cannot take a mutating call itself).
func step<T>(_ body: () -> T) -> T { body() }
