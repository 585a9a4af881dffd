import Testing
@testable import ZeroMQServices

/// `StreamReceiver`, the client's side of a server stream, with plain values: items are ints,
/// waiters are strings.
@Suite("StreamReceiver: a client's server stream, as a pure state machine")
struct StreamReceiverTests {
    typealias Receiver = StreamReceiver<Int, String>

    static let violation = RequestError(code: .undecodableReply)

    /// The batch of a `next` that returned one at once.
    static func items(_ next: StreamNext<Int>?) -> [Int]? {
        if case .items(let items)? = next { return items }
        return nil
    }

    @Test("items come out in order, in batches of at most half a window; using half a window grants that many again")
    func orderAndGrants() {
        var receiver = Receiver(window: 4)
        for item in 1...4 {
            guard case .none = receiver.received(item, violation: Self.violation) else {
                Issue.record("nobody waits")
                return
            }
        }
        #expect(receiver.credit == 0)
        #expect(receiver.bufferedCount == 4)
        #expect(Self.items(step { receiver.next("r") }) == [1, 2])
        // Taking is not using: no credit until the caller says it used them.
        #expect(receiver.credit == 0)
        #expect(step { receiver.use(1) } == 0)
        #expect(step { receiver.use(1) } == 2)
        #expect(receiver.credit == 2)
        #expect(Self.items(step { receiver.next("r") }) == [3, 4])
        #expect(step { receiver.use(2) } == 2)
        #expect(receiver.credit == 4)
    }

    @Test("what this process holds never exceeds the window: the buffer and the caller's batch together")
    func memoryBound() {
        var receiver = Receiver(window: 8)
        for item in 1...8 { _ = receiver.received(item, violation: Self.violation) }
        #expect(Self.items(step { receiver.next("r") }) == [1, 2, 3, 4])
        // The caller holds 4 and 4 are buffered: the service has no credit left.
        #expect(receiver.credit == 0)
        guard case .none = receiver.received(9, violation: RequestError(code: .undecodableReply, requestID: 9)) else {
            Issue.record("an item beyond the window resumed someone")
            return
        }
        #expect(receiver.bufferedCount == 4)
        #expect(Self.items(step { receiver.next("r") }) == [5, 6, 7, 8])
        guard case .failed(let error)? = receiver.next("r") else {
            Issue.record("the item beyond the window did not fail the stream")
            return
        }
        #expect(error.requestID == 9)
    }

    @Test("a waiting reader is resumed by the next item, and by the end")
    func waiting() {
        var receiver = Receiver(window: 2)
        #expect(step { receiver.next("r") } == nil)
        guard case .resume("r", .items([1])) = receiver.received(1, violation: Self.violation) else {
            Issue.record("the item did not resume the reader")
            return
        }
        #expect(step { receiver.use(1) } == 1)
        #expect(step { receiver.next("r") } == nil)
        guard case .resume("r", .finished) = receiver.ended(.finished) else {
            Issue.record("the end did not resume the reader")
            return
        }
        // After the end, the end again.
        guard case .finished? = receiver.next("r") else {
            Issue.record("a finished stream gave more")
            return
        }
    }

    @Test("the end comes after the items received before it; no grant once it ended")
    func endAfterItems() {
        var receiver = Receiver(window: 2)
        _ = receiver.received(1, violation: Self.violation)
        _ = receiver.received(2, violation: Self.violation)
        _ = receiver.ended(.finished)
        #expect(Self.items(step { receiver.next("r") }) == [1])
        #expect(step { receiver.use(1) } == 0)
        #expect(Self.items(step { receiver.next("r") }) == [2])
        guard case .finished? = receiver.next("r") else {
            Issue.record("no end after the items")
            return
        }
    }

    @Test("a failure is thrown once, after the items, then the stream is finished")
    func failure() {
        var receiver = Receiver(window: 2)
        _ = receiver.received(1, violation: Self.violation)
        _ = receiver.ended(.failed(RequestError(code: .timedOut)))
        // A later end does not replace the first.
        guard case .none = receiver.ended(.finished) else {
            Issue.record("a second end did something")
            return
        }
        #expect(Self.items(step { receiver.next("r") }) == [1])
        guard case .failed(let error)? = receiver.next("r") else {
            Issue.record("no failure")
            return
        }
        #expect(error.code == .timedOut)
        guard case .finished? = receiver.next("r") else {
            Issue.record("the failure came twice")
            return
        }
    }

    @Test("an item beyond the credit fails the stream instead of growing the buffer")
    func violation() {
        var receiver = Receiver(window: 2)
        _ = receiver.received(1, violation: Self.violation)
        _ = receiver.received(2, violation: Self.violation)
        _ = receiver.received(3, violation: RequestError(code: .undecodableReply, requestID: 99))
        #expect(receiver.bufferedCount == 2)
        _ = receiver.received(4, violation: Self.violation)
        #expect(receiver.bufferedCount == 2)
        #expect(Self.items(step { receiver.next("r") }) == [1])
        #expect(Self.items(step { receiver.next("r") }) == [2])
        guard case .failed(let error)? = receiver.next("r") else {
            Issue.record("the violation did not fail the stream")
            return
        }
        #expect(error.requestID == 99)
    }

    @Test("items after the end are dropped")
    func afterEnd() {
        var receiver = Receiver(window: 2)
        _ = receiver.ended(.finished)
        _ = receiver.received(1, violation: Self.violation)
        #expect(receiver.bufferedCount == 0)
    }

    @Test("a window of one hands out one item at a time and grants one for each item used")
    func windowOfOne() {
        var receiver = Receiver(window: 0)
        #expect(receiver.window == 1)
        #expect(receiver.batchLimit == 1)
        _ = receiver.received(1, violation: Self.violation)
        #expect(Self.items(step { receiver.next("r") }) == [1])
        #expect(step { receiver.use(1) } == 1)
    }
}
