import Testing
import ZeroMQ
@testable import ZeroMQServices

/// The client's view of its endpoints' connections, driven by hand: no sockets, no monitors.
@Suite("Connection tracker", .timeLimit(.minutes(1)))
struct ConnectionTrackerTests {
    /// A failed-handshake event on `endpoint`, as a monitor reports it.
    static func failure(_ endpoint: String) -> SocketEvent {
        SocketEvent(kind: .handshakeFailedAuthentication, value: 400, endpoint: endpoint)
    }

    @Test("a new tracker: nothing connected, the first endpoint active, no one waiting")
    func initial() {
        let tracker = ConnectionTracker(endpoints: 3)
        #expect(tracker.count == 3)
        #expect(tracker.connectionStates == [false, false, false])
        #expect(tracker.active == 0)
        #expect(tracker.waiterCount == 0)
    }

    @Test("an endpoint is connected while at least one of its peers is up")
    func peers() {
        var tracker = ConnectionTracker(endpoints: 2)
        let wokenByA = tracker.handshakeSucceeded(1, peer: "tcp://a")
        let wokenByB = tracker.handshakeSucceeded(1, peer: "tcp://b")
        #expect(wokenByA.isEmpty && wokenByB.isEmpty)
        #expect(tracker.connectionStates == [false, true])
        tracker.peerGone(1, peer: "tcp://a")
        #expect(tracker.isConnected(1))
        tracker.peerGone(1, peer: "tcp://b")
        #expect(!tracker.isConnected(1))
        // A peer gone twice (a disconnection after the beacon lost it) changes nothing.
        tracker.peerGone(1, peer: "tcp://b")
        #expect(!tracker.isConnected(1))
    }

    @Test("an endpoint whose connections are not reported (inproc) counts as connected for good")
    func unreported() {
        var tracker = ConnectionTracker(endpoints: 2)
        tracker.handshakeFailed(1, Self.failure("inproc://service"))
        tracker.assumeConnected(1)
        #expect(tracker.connectionStates == [false, true])
        #expect(tracker.lastHandshakeFailure(of: 1) == nil)
        // No attempt waits there; one on the other endpoint still does.
        let waitsOnUnreported = tracker.wait(1, for: 1)
        let waitsOnOther = tracker.wait(2, for: 0)
        #expect(!waitsOnUnreported)
        #expect(waitsOnOther)
        #expect(tracker.waiterCount == 1)
        // A peer of another name going away does not take it down.
        tracker.peerGone(1, peer: "inproc://service")
        #expect(tracker.isConnected(1))
    }

    @Test("attempts wait only for an endpoint that is down, and a handshake there wakes exactly them")
    func waiters() {
        var tracker = ConnectionTracker(endpoints: 2)
        let waits = [tracker.wait(1, for: 0), tracker.wait(2, for: 0), tracker.wait(3, for: 1)]
        #expect(waits == [true, true, true])
        #expect(tracker.waiterCount == 3)
        let woken = tracker.handshakeSucceeded(0, peer: "tcp://a")
        #expect(woken == [1, 2])
        #expect(tracker.waiterCount == 1)
        // Connected now: nothing to wait for.
        let waitsWhileConnected = tracker.wait(4, for: 0)
        #expect(!waitsWhileConnected)
        // Woken already: stopping the wait finds nothing (its timer fired late).
        let stoppedWoken = tracker.stopWaiting(1, for: 0)
        #expect(!stoppedWoken)
        // A timeout or a cancellation takes one waiter out, once.
        let stopped = [tracker.stopWaiting(3, for: 1), tracker.stopWaiting(3, for: 1)]
        #expect(stopped == [true, false])
        #expect(tracker.waiterCount == 0)
    }

    @Test("closing takes every waiter out, by endpoint")
    func removeAll() {
        var tracker = ConnectionTracker(endpoints: 2)
        _ = tracker.wait(7, for: 1)
        _ = tracker.wait(5, for: 0)
        _ = tracker.wait(6, for: 0)
        let removed = tracker.removeAllWaiters()
        #expect(removed.map(\.endpoint) == [0, 0, 1])
        #expect(removed.map(\.id) == [5, 6, 7])
        #expect(tracker.waiterCount == 0)
    }

    @Test("a failed handshake is remembered until one succeeds")
    func handshakeFailures() {
        var tracker = ConnectionTracker(endpoints: 1)
        #expect(tracker.lastHandshakeFailure(of: 0) == nil)
        tracker.handshakeFailed(0, Self.failure("tcp://a"))
        tracker.handshakeFailed(0, Self.failure("tcp://b"))
        #expect(tracker.lastHandshakeFailure(of: 0)?.endpoint == "tcp://b")
        _ = tracker.handshakeSucceeded(0, peer: "tcp://b")
        #expect(tracker.lastHandshakeFailure(of: 0) == nil)
    }

    @Test("failover moves to the next endpoint round the list, once for failures on the same endpoint")
    func failover() {
        var tracker = ConnectionTracker(endpoints: 3)
        let first = tracker.failOver(from: 0)
        // Another attempt that was on endpoint 0 fails too: attempts have moved already.
        let again = tracker.failOver(from: 0)
        #expect(first == 1 && again == nil)
        #expect(tracker.active == 1)
        let rest = [tracker.failOver(from: 1), tracker.failOver(from: 2)]
        #expect(rest == [2, 0])
        #expect(tracker.active == 0)
    }

    @Test("one endpoint never fails over")
    func singleEndpoint() {
        var tracker = ConnectionTracker(endpoints: 1)
        let moved = tracker.failOver(from: 0)
        #expect(moved == nil)
        #expect(tracker.active == 0)
    }
}
