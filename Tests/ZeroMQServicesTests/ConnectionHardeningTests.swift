import Foundation
import Testing
import ZeroMQ
@testable import ZeroMQServices

/// The typed services apply their ``ConnectionHardening``: options on the sockets they make, and
/// a peer above the maximum message size is dropped while the service serves everyone else.
@Suite("Connection hardening of the typed services", .timeLimit(.minutes(3)))
struct ConnectionHardeningTests {
    @Test("the configurations default to the standard hardening; nil keeps libzmq's defaults")
    func defaults() {
        #expect(RequestClientConfiguration().connectionHardening == .standard)
        #expect(RequestServiceConfiguration().connectionHardening == .standard)
        #expect(ConnectionHardening.standard.heartbeatInterval == .seconds(5))
        #expect(ConnectionHardening.standard.heartbeatTimeout == .seconds(15))
        #expect(ConnectionHardening.standard.heartbeatTTL == .seconds(15))
        #expect(ConnectionHardening.standard.handshakeInterval == .seconds(10))
        #expect(ConnectionHardening.standard.maximumMessageSize == nil)
        #expect(ConnectionHardening.untrustedNetwork.maximumMessageSize == 1 << 20)
        #expect(ConnectionHardening.untrustedNetwork.handshakeInterval == .seconds(5))
    }

    @Test("apply sets every option on the socket")
    func apply() async throws {
        try await withDeadline {
            try await withContext { context in
                let socket = try DealerSocket(context)
                let hardening = ConnectionHardening(
                    heartbeatInterval: .milliseconds(250), heartbeatTimeout: .milliseconds(750),
                    heartbeatTTL: .milliseconds(1500), handshakeInterval: .seconds(2), maximumMessageSize: 4096
                )
                try await socket.apply(hardening)
                #expect(try await socket.option(.heartbeatInterval) == .milliseconds(250))
                #expect(try await socket.option(.heartbeatTimeout) == .milliseconds(750))
                #expect(try await socket.option(.heartbeatTTL) == .milliseconds(1500))
                #expect(try await socket.option(.handshakeInterval) == .seconds(2))
                #expect(try await socket.option(.maximumMessageSize) == 4096)
                try await socket.apply(.libzmqDefaults)
                #expect(try await socket.option(.heartbeatInterval) == .zero)
                #expect(try await socket.option(.maximumMessageSize) == -1)
                await socket.close()
            }
        }
    }

    @Test("a client sending a request above the service's limit is disconnected; the others get every reply")
    func oversizedRequest() async throws {
        try await withDeadline(60) {
            try await withContext { context in
                var configuration = RequestServiceConfiguration()
                configuration.connectionHardening = ConnectionHardening(maximumMessageSize: 4096)
                let handled = Locked(0)
                let service = try await RequestService(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], requestDecoder: StringCodec(),
                    responseEncoder: StringCodec(), configuration: configuration
                ) { (request: String) in
                    handled.withLock { $0 += 1 }
                    return "echo \(request)"
                }
                let endpoint = service.boundEndpoints[0]
                let clients = try await (0..<3).asyncMap { _ in
                    try await RequestClient(
                        context, connectingTo: [endpoint], requestEncoder: StringCodec(), responseDecoder: StringCodec(),
                        configuration: RequestClientConfiguration(timeout: testTimeout(.seconds(5)))
                    )
                }
                // The offender speaks the wire format (Docs/WireProtocol.md) with a body too big.
                let offender = try DealerSocket(context)
                try await offender.setOption(.reconnectInterval, to: nil)
                try await offender.setOption(.linger, to: .zero)
                let offenderMonitor = try await offender.connectionMonitor()
                try await offender.connect(endpoint)
                #expect(try await offenderMonitor.firstHandshake().change == .handshakeSucceeded)

                let replies = try await withServices([service] + clients) {
                    try await withThrowingTaskGroup(of: Int.self) { group in
                        for (number, client) in clients.enumerated() {
                            group.addTask {
                                var answered = 0
                                for index in 0..<20 {
                                    let reply = try await client.request("\(number).\(index)")
                                    if reply == "echo \(number).\(index)" { answered += 1 }
                                }
                                return answered
                            }
                        }
                        try await offender.send(Message(frames: [
                            Frame([0, 0, 0, 0, 0, 0, 0, 1]), Frame([UInt8]()), Frame([UInt8](repeating: 0x22, count: 8192)),
                        ]))
                        let seen = try await offenderMonitor.updates { $0.contains { $0.change == .closed } }
                        #expect(seen.last?.connection.handshake == .succeeded)
                        return try await group.reduce(0, +)
                    }
                }
                #expect(replies == 60, "every well-behaved request was answered")
                #expect(handled.withLock { $0 } == 60, "the oversized request never reached the handler")
                offenderMonitor.close()
                await offender.close()
            }
        }
    }
}

extension Sequence {
    /// `map` with an async throwing transform, in order.
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
