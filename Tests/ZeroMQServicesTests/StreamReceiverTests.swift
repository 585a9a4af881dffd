import Testing
@testable import ZeroMQServices

/// `StreamReceiver`, the client's side of a server stream, with plain values: items are ints,
/// waiters are strings.
@Suite("StreamReceiver: a client's server stream, as a pure state machine")
struct StreamReceiverTests {
    typealias Receiver = StreamReceiver<Int, String>

    static let violation = RequestError(code: .undecodableReply)

    /// The item of a `next` that returned one at once.
    static func item(_ next: StreamNext<Int>?) -> [Int]? {
        if case .item(let item, let grant)? = next { return [item, grant] }
        return nil
    }

    @Test("items come out in order; half a window taken grants that many again")
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
        #expect(Self.item(step { receiver.next("r") }) == [1, 0])
        #expect(Self.item(step { receiver.next("r") }) == [2, 2])
        #expect(receiver.credit == 2)
        #expect(Self.item(step { receiver.next("r") }) == [3, 0])
        #expect(Self.item(step { receiver.next("r") }) == [4, 2])
        #expect(receiver.credit == 4)
    }

    @Test("a waiting reader is resumed by the next item, and by the end")
    func waiting() {
        var receiver = Receiver(window: 2)
        #expect(step { receiver.next("r") } == nil)
        guard case .resume("r", .item(1, grant: 1)) = receiver.received(1, violation: Self.violation) else {
            Issue.record("the item did not resume the reader")
            return
        }
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
        #expect(Self.item(step { receiver.next("r") }) == [1, 0])
        #expect(Self.item(step { receiver.next("r") }) == [2, 0])
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
        #expect(Self.item(step { receiver.next("r") })?.first == 1)
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
        #expect(Self.item(step { receiver.next("r") })?.first == 1)
        #expect(Self.item(step { receiver.next("r") })?.first == 2)
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

    @Test("a window of one grants one for each item taken")
    func windowOfOne() {
        var receiver = Receiver(window: 0)
        #expect(receiver.window == 1)
        _ = receiver.received(1, violation: Self.violation)
        #expect(Self.item(step { receiver.next("r") }) == [1, 1])
    }
}
