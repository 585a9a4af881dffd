import Testing
@testable import ZeroMQServices

/// The client's calls and attempts, driven by hand: waiters and replies are plain strings, and
/// there is no socket and no clock.
@Suite("Call table", .timeLimit(.minutes(1)))
struct CallTableTests {
    typealias Table = CallTable<String, String>

    @Test("ids start at 1 and are never reused; the table is idle when no call is in progress")
    func ids() {
        var table = Table()
        #expect(table.isIdle && table.callsInProgress == 0)
        let first = table.startCall(), second = table.startCall()
        #expect((first, second) == (1, 2))
        #expect(table.callsInProgress == 2 && !table.isIdle)
        let idleAfterFirst = table.finishCall()
        let idleAfterSecond = table.finishCall()
        #expect(!idleAfterFirst)
        #expect(idleAfterSecond, "the last call to finish leaves the table idle")
        let third = table.startCall()
        #expect(third == 3)
    }

    @Test("the common path: sent, waited for, answered: the reply resumes the waiter and the attempt ends")
    func answered() {
        var table = Table()
        let id = table.startCall()
        table.sending(id)
        #expect(table.attemptCount == 1)
        guard case .wait = table.wait(id, with: "caller", isCancelled: false) else {
            Issue.record("expected to wait")
            return
        }
        guard case .resume("caller") = table.received("reply", for: id) else {
            Issue.record("expected the caller to be resumed")
            return
        }
        #expect(table.attemptCount == 0)
        // Its timer fires later, or its caller is cancelled: nothing to do.
        let timedOut = table.timedOut(id)
        let cancelled = table.cancelled(id)
        #expect(timedOut == nil && cancelled == nil)
        // A second reply with the same id (a retried attempt answered twice) is late.
        guard case .dropLate = table.received("again", for: id) else {
            Issue.record("expected the second reply to be dropped")
            return
        }
        let idle = table.finishCall()
        #expect(idle)
    }

    @Test("a reply that comes while the request is being sent is kept, returned when the caller waits, and a second one dropped")
    func replyBeforeWait() {
        var table = Table()
        let id = table.startCall()
        table.sending(id)
        guard case .keep = table.received("early", for: id) else {
            Issue.record("expected the reply to be kept")
            return
        }
        guard case .dropLate = table.received("twice", for: id) else {
            Issue.record("expected the duplicate to be dropped")
            return
        }
        guard case .returnReply("early") = table.wait(id, with: "caller", isCancelled: false) else {
            Issue.record("expected the kept reply")
            return
        }
        #expect(table.attemptCount == 0)
    }

    @Test("a timer that fires resumes the waiter once; the reply after it is late")
    func timeout() {
        var table = Table()
        let id = table.startCall()
        table.sending(id)
        _ = table.wait(id, with: "caller", isCancelled: false)
        let firstFiring = table.timedOut(id)
        #expect(firstFiring == "caller")
        let secondFiring = table.timedOut(id)
        #expect(secondFiring == nil)
        guard case .dropLate = table.received("late", for: id) else {
            Issue.record("expected a late reply")
            return
        }
    }

    @Test("cancellation: of a waiting caller resumes it once; of a caller not yet waiting ends the attempt when it would wait")
    func cancellation() {
        var table = Table()
        let waiting = table.startCall()
        table.sending(waiting)
        _ = table.wait(waiting, with: "waiting", isCancelled: false)
        let resumed = table.cancelled(waiting)
        #expect(resumed == "waiting")
        let timerFinds = table.timedOut(waiting)
        #expect(timerFinds == nil, "the timer finds nothing after the cancellation")

        let sending = table.startCall()
        table.sending(sending)
        let sendingWaiter = table.cancelled(sending)
        #expect(sendingWaiter == nil, "a caller still sending has no waiter to resume")
        guard case .returnCancelled = table.wait(sending, with: "late", isCancelled: true) else {
            Issue.record("expected the cancelled caller not to wait")
            return
        }
        #expect(table.attemptCount == 0)
    }

    @Test("a failed send leaves nothing in flight; a reply for it is late")
    func sendFailed() {
        var table = Table()
        let id = table.startCall()
        table.sending(id)
        table.sendFailed(id)
        #expect(table.attemptCount == 0)
        guard case .dropLate = table.received("late", for: id) else {
            Issue.record("expected a late reply")
            return
        }
    }

    @Test("replies for ids never sent are late, whatever is in flight")
    func unknownIDs() {
        var table = Table()
        let id = table.startCall()
        table.sending(id)
        _ = table.wait(id, with: "caller", isCancelled: false)
        for unknown in [0, id + 1, .max] as [UInt64] {
            guard case .dropLate = table.received("stray", for: unknown) else {
                Issue.record("expected \(unknown) to be late")
                return
            }
        }
        #expect(table.attemptCount == 1)
    }

    @Test("closing returns every waiter once, and an attempt still sending learns it when it would wait")
    func close() {
        var table = Table()
        let a = table.startCall(), b = table.startCall(), c = table.startCall()
        for id in [a, b, c] { table.sending(id) }
        _ = table.wait(a, with: "a", isCancelled: false)
        _ = table.wait(b, with: "b", isCancelled: false)
        let closedWaiters = table.close()
        #expect(closedWaiters.sorted() == ["a", "b"])
        #expect(table.isClosed && table.attemptCount == 0)
        let closedAgain = table.close()
        #expect(closedAgain.isEmpty)
        guard case .returnClosed = table.wait(c, with: "c", isCancelled: false) else {
            Issue.record("expected the attempt being sent to see the close")
            return
        }
        // The calls still finish one by one; the last leaves the table idle.
        let idleAfterA = table.finishCall()
        let idleAfterB = table.finishCall()
        #expect(!idleAfterA && !idleAfterB)
        let idleAfterC = table.finishCall()
        #expect(idleAfterC)
    }

    @Test("retries of one call reuse its id: a reply to the first attempt can answer the second")
    func retries() {
        var table = Table()
        let id = table.startCall()
        table.sending(id)
        _ = table.wait(id, with: "first", isCancelled: false)
        let firstWaiter = table.timedOut(id)
        #expect(firstWaiter == "first")
        // The second attempt carries the same id; the first attempt's reply, late, answers it.
        table.sending(id)
        _ = table.wait(id, with: "second", isCancelled: false)
        guard case .resume("second") = table.received("reply to the first", for: id) else {
            Issue.record("expected the second attempt to take the reply")
            return
        }
    }
}
