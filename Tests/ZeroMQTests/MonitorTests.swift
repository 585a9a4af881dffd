import Testing
@testable import ZeroMQ

@Suite("Socket monitor", .timeLimit(.minutes(5)))
struct MonitorTests {
    @Test("a monitor reports the handshake and the disconnect, and ends when closed")
    func handshakeAndDisconnect() async throws {
        try await withDeadline {
            let context = try makeContext()
            let serverContext = try makeContext()
            let router = try RouterSocket(serverContext)
            let endpoint = try await router.bind("tcp://127.0.0.1:*")
            let dealer = try DealerSocket(context)
            let monitor = try await dealer.monitor([.handshakeSucceeded, .disconnected])
            try await dealer.connect(endpoint)
            var events = monitor.events.makeAsyncIterator()
            let first = try await events.next()
            #expect(first?.kind == .handshakeSucceeded)
            #expect(first?.endpoint == endpoint)
            await router.close()
            let second = try await events.next()
            #expect(second?.kind == .disconnected)
            #expect(second?.endpoint == endpoint)
            monitor.close()
            #expect(try await events.next() == nil)
            await dealer.close()
            await context.shutdown()
            await serverContext.shutdown()
        }
    }

    @Test("events read from libzmq's two frames")
    func parsing() {
        let message = Message(frames: [Frame([0x00, 0x10, 0x07, 0x00, 0x00, 0x00]), Frame("tcp://127.0.0.1:5555")])
        let event = SocketEvent(message)
        #expect(event == SocketEvent(kind: .handshakeSucceeded, value: 7, endpoint: "tcp://127.0.0.1:5555"))
        #expect(event?.description == "handshake succeeded tcp://127.0.0.1:5555 (7)")
        #expect(SocketEvent(Message(frames: [Frame([1, 2, 3])])) == nil)
    }

    @Test("a closed socket cannot be monitored")
    func closedSocket() async throws {
        try await withDeadline {
            let context = try makeContext()
            let dealer = try DealerSocket(context)
            await dealer.close()
            await #expect(throws: ZeroMQError.self) { try await dealer.monitor() }
            await context.shutdown()
        }
    }
}
