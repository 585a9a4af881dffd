import CZeroMQ
import Testing
@testable import ZeroMQ

/// The per-connection view as a pure state machine: monitor events in, connection updates out,
/// no socket.
@Suite("Connection tracker", .timeLimit(.minutes(1)))
struct ConnectionTrackerTests {
    private static let server = "tcp://127.0.0.1:5555"

    private func event(_ kind: SocketEvent.Kinds, _ value: UInt32, _ endpoint: String = server) -> SocketEvent {
        SocketEvent(kind: kind, value: value, endpoint: endpoint)
    }

    @Test("connected, handshake succeeded, disconnected: one connection's whole life")
    func successfulLife() {
        var tracker = ConnectionTracker()
        let opened = tracker.handle(event(.connected, 12))
        #expect(opened == [ConnectionUpdate(.opened, PeerConnection(id: 1, endpoint: Self.server, fileDescriptor: 12, direction: .outgoing))])
        let ready = tracker.handle(event(.handshakeSucceeded, 0))
        #expect(ready.map(\.change) == [.handshakeSucceeded])
        #expect(ready.first?.connection.id == 1)
        #expect(ready.first?.connection.handshake == .succeeded)
        #expect(tracker.openConnections.map(\.id) == [1])
        let closed = tracker.handle(event(.disconnected, 12))
        #expect(closed.map(\.change) == [.closed])
        #expect(closed.first?.connection.isOpen == false)
        #expect(closed.first?.connection.handshake == .succeeded)
        #expect(tracker.openConnections.isEmpty)
    }

    @Test("each failure event maps to its reason, and the connection closes after it")
    func failureReasons() {
        let cases: [(SocketEvent.Kinds, UInt32, HandshakeFailure)] = [
            (.handshakeFailedNoDetail, UInt32(EFAULT), .noDetail(errno: EFAULT)),
            (.handshakeFailedProtocol, UInt32(bitPattern: ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC), .protocolError(.cryptographic)),
            (.handshakeFailedProtocol, UInt32(bitPattern: ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH), .protocolError(.mechanismMismatch)),
            (.handshakeFailedAuthentication, 400, .authentication(status: 400)),
            (.handshakeFailedAuthentication, 300, .authentication(status: 300)),
            (.handshakeFailedAuthentication, 500, .authentication(status: 500)),
        ]
        for (kind, value, reason) in cases {
            var tracker = ConnectionTracker()
            _ = tracker.handle(event(.accepted, 7))
            let failed = tracker.handle(event(kind, value))
            #expect(failed.map(\.change) == [.handshakeFailed(reason)], "\(kind)")
            #expect(failed.first?.connection.direction == .incoming)
            #expect(failed.first?.connection.isOpen == true)
            let closed = tracker.handle(event(.disconnected, 7))
            #expect(closed.first?.connection.handshake == .failed(reason))
            #expect(closed.first?.connection.isOpen == false)
            #expect(tracker.openConnections.isEmpty)
        }
    }

    @Test("protocol error codes have zmq.h's names; unknown codes keep their number")
    func protocolErrorNames() {
        #expect(ProtocolError.mechanismMismatch.name == "ZMTP_MECHANISM_MISMATCH")
        #expect(ProtocolError.cryptographic.description == "ZMTP_CRYPTOGRAPHIC (0x11000001)")
        #expect(ProtocolError(rawValue: UInt32(bitPattern: ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID)).name == "ZAP_BAD_REQUEST_ID")
        #expect(ProtocolError(rawValue: 0x1234).name == nil)
        #expect(ProtocolError(rawValue: 0x1234).description == "unknown (0x1234)")
        #expect(HandshakeFailure.noDetail(errno: EFAULT).description == "no detail (EFAULT)")
        #expect(HandshakeFailure.authentication(status: 400).description == "authentication failed with ZAP status 400")
        #expect(HandshakeFailure(event(.disconnected, 3)) == nil)
    }

    @Test("a second failure of a connection not closed yet is reported; the connection keeps the first reason")
    func secondFailure() {
        var tracker = ConnectionTracker()
        _ = tracker.handle(event(.accepted, 8))
        _ = tracker.handle(event(.handshakeFailedNoDetail, UInt32(EFAULT)))
        let second = tracker.handle(event(.handshakeFailedNoDetail, UInt32(EAGAIN)))
        #expect(second.map(\.change) == [.handshakeFailed(.noDetail(errno: EAGAIN))])
        #expect(second.first?.connection.id == 1)
        #expect(second.first?.connection.handshake == .failed(.noDetail(errno: EFAULT)))
        #expect(tracker.openConnections.count == 1)
        let closed = tracker.handle(event(.disconnected, 8))
        #expect(closed.first?.connection.handshake == .failed(.noDetail(errno: EFAULT)))
        #expect(tracker.openConnections.isEmpty)
    }

    @Test("handshake events without a descriptor go to the oldest pending connection of their endpoint")
    func handshakesInOrder() {
        var tracker = ConnectionTracker()
        _ = tracker.handle(event(.accepted, 20))
        _ = tracker.handle(event(.accepted, 21))
        _ = tracker.handle(event(.connected, 30, "tcp://10.0.0.1:7000"))
        // The other endpoint's outcome does not touch this endpoint's connections.
        let other = tracker.handle(event(.handshakeSucceeded, 0, "tcp://10.0.0.1:7000"))
        #expect(other.first?.connection.fileDescriptor == 30)
        let first = tracker.handle(event(.handshakeFailedProtocol, UInt32(bitPattern: ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)))
        #expect(first.first?.connection.fileDescriptor == 20)
        let second = tracker.handle(event(.handshakeSucceeded, 0))
        #expect(second.first?.connection.fileDescriptor == 21)
        // Descriptors decide the disconnects, in any order.
        #expect(tracker.handle(event(.disconnected, 21)).first?.connection.handshake == .succeeded)
        #expect(tracker.handle(event(.disconnected, 20)).first?.connection.handshake == .failed(.protocolError(.mechanismMismatch)))
        #expect(tracker.openConnections.map(\.fileDescriptor) == [30])
    }

    @Test("a handshake reported under a resolved endpoint goes to the pending connection of another name")
    func resolvedEndpoint() {
        var tracker = ConnectionTracker()
        _ = tracker.handle(event(.connected, 9, "tcp://localhost:5555"))
        let ready = tracker.handle(event(.handshakeSucceeded, 0, "tcp://127.0.0.1:5555"))
        #expect(ready.first?.connection.fileDescriptor == 9)
        #expect(ready.first?.connection.endpoint == "tcp://localhost:5555")
        #expect(tracker.openConnections.count == 1)
    }

    @Test("a socket that closes closes every open connection; a reused descriptor closes the stale record")
    func closingAndReuse() {
        var tracker = ConnectionTracker()
        _ = tracker.handle(event(.accepted, 5))
        _ = tracker.handle(event(.handshakeSucceeded, 0))
        // Descriptor 5 again, without a disconnect in between: the old record missed its end.
        let reused = tracker.handle(event(.accepted, 5))
        #expect(reused.map(\.change) == [.closed, .opened])
        #expect(reused.map(\.connection.id) == [1, 2])
        _ = tracker.handle(event(.accepted, 6))
        let stopped = tracker.handle(event(.monitorStopped, 0, ""))
        #expect(stopped.map(\.change) == [.closed, .closed])
        #expect(stopped.map(\.connection.id) == [2, 3])
        #expect(tracker.openConnections.isEmpty)
        // Listener and connecter events are not connections.
        #expect(tracker.handle(event(.listening, 4)).isEmpty)
        #expect(tracker.handle(event(.connectRetried, 200)).isEmpty)
        #expect(tracker.handle(event(.closed, 4)).isEmpty)
        #expect(tracker.handle(event(.connectDelayed, 0)).isEmpty)
    }

    @Test("connections that began before monitoring started are reported, and do not stay open forever")
    func lateStart() {
        var tracker = ConnectionTracker()
        let closedUnknown = tracker.handle(event(.disconnected, 40))
        #expect(closedUnknown.first?.connection.direction == .unknown)
        #expect(closedUnknown.first?.connection.isOpen == false)
        #expect(tracker.openConnections.isEmpty)
        let ready = tracker.handle(event(.handshakeSucceeded, 0))
        #expect(ready.first?.connection.fileDescriptor == nil)
        #expect(tracker.openConnections.count == 1)
        let closed = tracker.handle(event(.disconnected, 41))
        #expect(closed.first?.connection.id == ready.first?.connection.id)
        #expect(closed.first?.connection.fileDescriptor == 41)
        #expect(tracker.openConnections.isEmpty)
    }

    @Test("a thousand connections opening and closing leave nothing behind")
    func bounded() {
        var tracker = ConnectionTracker()
        var updates = 0
        for descriptor in UInt32(0)..<1000 {
            updates += tracker.handle(event(.accepted, descriptor % 50)).count
            updates += tracker.handle(event(.handshakeSucceeded, 0)).count
            updates += tracker.handle(event(.disconnected, descriptor % 50)).count
        }
        #expect(updates == 3000)
        #expect(tracker.openConnections.isEmpty)
    }
}
