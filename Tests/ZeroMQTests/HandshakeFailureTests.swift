import CZeroMQ
import Foundation
import Testing
@testable import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// How each side of a handshake is set up, and what each side's connection view must report.
struct HandshakeRow: Sendable, CustomTestStringConvertible {
    var name: String
    var configureServer: @Sendable (RouterSocket) async throws -> Void
    var configureClient: @Sendable (DealerSocket) async throws -> Void
    /// What the server's first connection may have reported when it closes.
    var server: Set<PeerConnection.Handshake>
    /// What the client's first connection may have reported when it closes.
    var client: Set<PeerConnection.Handshake>
    /// The failure at least one side must report (the sides race: see below).
    var reported: HandshakeFailure

    var testDescription: String { name }

    static let serverKeys = TestCurveKeys.generate()
    static let clientKeys = TestCurveKeys.generate()
    static let strangerKeys = TestCurveKeys.generate()

    static func curveServer(_ socket: RouterSocket) async throws {
        try await socket.setOption(.curveServer, to: true)
        try await socket.setOption(.curveSecretKey, to: Array(serverKeys.secretKey.utf8))
    }

    static func curveClient(serverKey: [UInt8]) -> @Sendable (DealerSocket) async throws -> Void {
        { socket in
            try await socket.setOption(.curveServerKey, to: serverKey)
            try await socket.setOption(.curvePublicKey, to: Array(clientKeys.publicKey.utf8))
            try await socket.setOption(.curveSecretKey, to: Array(clientKeys.secretKey.utf8))
        }
    }

    static func plainClient(_ socket: DealerSocket) async throws {
        try await socket.setOption(.plainUsername, to: "admin")
        try await socket.setOption(.plainPassword, to: "secret")
    }

    /// The peer found the connection closed before it could tell why: it was writing (EPIPE)
    /// or reading (ECONNRESET) when the other side hung up.
    static let hungUp: Set<PeerConnection.Handshake> = [.failed(.noDetail(errno: EPIPE)), .failed(.noDetail(errno: ECONNRESET))]

    /// Measured with libzmq 4.3.4 (Docs/Monitoring.md has the table). When the mechanisms differ,
    /// both peers check the other's greeting, and whichever reads it first reports the mismatch
    /// and hangs up: the other sees only the hang-up. Which one is first is a race.
    static let failures: [HandshakeRow] = [
        HandshakeRow(
            name: "CURVE client with a wrong server key against a CURVE server",
            configureServer: curveServer, configureClient: curveClient(serverKey: Array(strangerKeys.publicKey.utf8)),
            server: [.failed(.protocolError(.cryptographic))], client: hungUp,
            reported: .protocolError(.cryptographic)
        ),
        HandshakeRow(
            name: "NULL client against a CURVE server",
            configureServer: curveServer, configureClient: { _ in },
            server: hungUp.union([.failed(.protocolError(.mechanismMismatch))]),
            client: hungUp.union([.failed(.protocolError(.mechanismMismatch))]),
            reported: .protocolError(.mechanismMismatch)
        ),
        HandshakeRow(
            name: "PLAIN client against a CURVE server",
            configureServer: curveServer, configureClient: plainClient,
            server: hungUp.union([.failed(.protocolError(.mechanismMismatch))]),
            client: hungUp.union([.failed(.protocolError(.mechanismMismatch))]),
            reported: .protocolError(.mechanismMismatch)
        ),
        HandshakeRow(
            name: "CURVE client against a NULL server",
            configureServer: { _ in }, configureClient: curveClient(serverKey: Array(serverKeys.publicKey.utf8)),
            server: hungUp.union([.failed(.protocolError(.mechanismMismatch))]),
            client: hungUp.union([.failed(.protocolError(.mechanismMismatch))]),
            reported: .protocolError(.mechanismMismatch)
        ),
        HandshakeRow(
            name: "PLAIN client against a PLAIN server with no ZAP handler",
            configureServer: { try await $0.setOption(.plainServer, to: true) }, configureClient: plainClient,
            server: [.failed(.noDetail(errno: EFAULT))], client: hungUp.union([.pending, .failed(.noDetail(errno: EAGAIN))]),
            reported: .noDetail(errno: EFAULT)
        ),
    ]
}

/// Handshakes that fail without an authenticator, seen through the connection view on both
/// sides; and the server's application gets nothing.
@Suite("Handshake failures in the connection view", .timeLimit(.minutes(3)))
struct HandshakeFailureTests {
    @Test("each side reports the expected reason, and the server receives nothing", arguments: HandshakeRow.failures)
    func failure(_ row: HandshakeRow) async throws {
        try await withDeadline(30) {
            let serverContext = try makeContext()
            let clientContext = try makeContext()
            let server = try RouterSocket(serverContext)
            // A handshake that hangs (PLAIN without ZAP) ends after a second, not libzmq's 30 s.
            try await server.setOption(.handshakeInterval, to: .seconds(1))
            try await row.configureServer(server)
            let serverMonitor = try await server.connectionMonitor()
            let endpoint = try await server.bind("tcp://127.0.0.1:*")
            let client = try DealerSocket(clientContext)
            try await client.setOption(.linger, to: .zero)
            try await client.setOption(.handshakeInterval, to: .seconds(1))
            try await row.configureClient(client)
            let clientMonitor = try await client.connectionMonitor()
            try await client.connect(endpoint)
            try await client.send("must not arrive")

            let closedFirst: @Sendable ([ConnectionUpdate]) -> Bool = { $0.contains { $0.change == .closed } }
            let serverSide = try await serverMonitor.updates(until: closedFirst)
            let clientSide = try await clientMonitor.updates(until: closedFirst)
            print("[quirks] \(row.name) | server: \(serverSide.map { "\($0.change)" }) | client: \(clientSide.map { "\($0.change)" })")
            let serverClosed = try #require(serverSide.first { $0.change == .closed }?.connection)
            let clientClosed = try #require(clientSide.first { $0.change == .closed }?.connection)
            #expect(row.server.contains(serverClosed.handshake), "server: \(serverSide)")
            #expect(serverClosed.direction == .incoming)
            #expect(row.client.contains(clientClosed.handshake), "client: \(clientSide)")
            #expect(clientClosed.direction == .outgoing)
            #expect(clientClosed.endpoint == endpoint)
            #expect(
                [serverClosed.handshake, clientClosed.handshake].contains(.failed(row.reported)),
                "one side reports \(row.reported)"
            )
            // Nothing reached the server's application.
            await #expect(throws: ZeroMQError.self) { try await server.receive(timeout: .milliseconds(300)) }

            serverMonitor.close()
            clientMonitor.close()
            await client.close()
            await server.close()
            await clientContext.shutdown()
            await serverContext.shutdown()
        }
    }

    @Test("CURVE with the right server key and no authenticator: both sides succeed (any client key is accepted)")
    func curveWithoutAuthenticator() async throws {
        try await withDeadline(30) {
            let serverContext = try makeContext()
            let clientContext = try makeContext()
            let server = try RouterSocket(serverContext)
            try await HandshakeRow.curveServer(server)
            let serverMonitor = try await server.connectionMonitor()
            let endpoint = try await server.bind("tcp://127.0.0.1:*")
            let client = try DealerSocket(clientContext)
            try await HandshakeRow.curveClient(serverKey: Array(HandshakeRow.serverKeys.publicKey.utf8))(client)
            let clientMonitor = try await client.connectionMonitor()
            try await client.connect(endpoint)
            let serverHandshake = try await serverMonitor.firstHandshake()
            let clientHandshake = try await clientMonitor.firstHandshake()
            #expect(serverHandshake.change == .handshakeSucceeded)
            #expect(clientHandshake.change == .handshakeSucceeded)
            #expect(serverMonitor.openConnections.map(\.handshake) == [.succeeded])
            try await client.send("hello")
            let received = try await server.receive(timeout: .seconds(5))
            #expect(received.last?.string == "hello")
            serverMonitor.close()
            clientMonitor.close()
            await client.close()
            await server.close()
            await clientContext.shutdown()
            await serverContext.shutdown()
        }
    }

    @Test("a stranger that opens a TCP connection and never speaks is dropped after the handshake interval")
    func silentStranger() async throws {
        try await withDeadline(30) {
            let context = try makeContext()
            let server = try RouterSocket(context)
            try await server.apply(ConnectionHardening(handshakeInterval: .milliseconds(300)))
            let monitor = try await server.connectionMonitor()
            let endpoint = try await server.bind("tcp://127.0.0.1:*")
            let port = try #require(endpoint.split(separator: ":").last.flatMap { UInt16($0) })
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            try #require(descriptor >= 0)
            defer { Glibc.close(descriptor) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            try #require(connected == 0)
            let started = ContinuousClock.now
            let seen = try await monitor.updates { $0.contains { $0.change == .closed } }
            let elapsed = ContinuousClock.now - started
            print("[quirks] silent stranger, handshake interval 300 ms: \(seen.map(\.description)) after \(elapsed)")
            let closed = seen.first { $0.change == .closed }?.connection
            #expect(closed?.handshake == .failed(.noDetail(errno: EAGAIN)), "\(seen)")
            #expect(elapsed >= .milliseconds(250))
            // Well under libzmq's default interval (30 s): the option took effect. (The time is
            // when this test read the update; a starved run under TSan read it 6.5 s late.)
            #expect(elapsed < .seconds(20))
            monitor.close()
            await server.close()
            await context.shutdown()
        }
    }
}
