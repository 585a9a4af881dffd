import CZeroMQ
import Testing
@testable import ZeroMQ

@Suite("SocketSecurity: one call secures a socket", .timeLimit(.minutes(3)))
struct SocketSecurityTests {
    @Test("each configuration sets the mechanism, the role, the keys and the ZAP domain")
    func optionsSet() async throws {
        try await withDeadline {
            let context = try makeContext()
            context.setAuthenticatorInstalled(true)
            let server = try CurveKeyPair.generate(), client = try CurveKeyPair.generate()

            let curveServer = try DealerSocket(context)
            try await curveServer.setSecurity(.curveServer(keys: server, domain: "echo"))
            #expect(try await curveServer.option(.mechanism) == Int(ZMQ_CURVE))
            #expect(try await curveServer.option(.curveServer))
            #expect(try await curveServer.option(.zapDomain) == "echo")
            #expect(try await curveServer.option(.curvePublicKey) == server.publicKey.bytes)
            #expect(try await curveServer.option(.curveSecretKey) == server.secretKey.bytes)
            // The same socket made a client: the server role goes, the domain stays (clients ignore it).
            try await curveServer.setSecurity(.curveClient(serverKey: server.publicKey, clientKeys: client))
            #expect(try await !curveServer.option(.curveServer))

            let curveClient = try DealerSocket(context)
            try await curveClient.setSecurity(.curveClient(serverKey: server.publicKey, clientKeys: client))
            #expect(try await curveClient.option(.mechanism) == Int(ZMQ_CURVE))
            #expect(try await !curveClient.option(.curveServer))
            #expect(try await curveClient.option(.zapDomain) == "")
            #expect(try await curveClient.option(.curveServerKey) == server.publicKey.bytes)
            #expect(try await curveClient.option(.curvePublicKey) == client.publicKey.bytes)
            #expect(try await curveClient.option(.curveSecretKey) == client.secretKey.bytes)
            // Back to NULL.
            try await curveClient.setSecurity(.null)
            #expect(try await curveClient.option(.mechanism) == Int(ZMQ_NULL))

            let plainServer = try RouterSocket(context)
            try await plainServer.setSecurity(.plainServer(domain: "users"))
            #expect(try await plainServer.option(.mechanism) == Int(ZMQ_PLAIN))
            #expect(try await plainServer.option(.plainServer))
            #expect(try await plainServer.option(.zapDomain) == "users")

            let plainClient = try DealerSocket(context)
            try await plainClient.setSecurity(.plain(username: "alice", password: "hunter2"))
            #expect(try await plainClient.option(.mechanism) == Int(ZMQ_PLAIN))
            #expect(try await !plainClient.option(.plainServer))
            #expect(try await plainClient.option(.plainUsername) == "alice")
            #expect(try await plainClient.option(.plainPassword) == "hunter2")
            await context.shutdown()
        }
    }

    @Test("a ZAP domain cannot be taken away (libzmq refuses an empty one): refused before anything is set")
    func domainCannotBeCleared() async throws {
        try await withDeadline {
            let context = try makeContext()
            let socket = try RouterSocket(context)
            try await socket.setSecurity(.plainServer(domain: "users"))
            for security in [SocketSecurity.null, .curveServer(keys: try .generate(), clients: .anyClient)] {
                let error = await #expect(throws: ZeroMQError.self) { try await socket.setSecurity(security) }
                #expect(error?.code == .invalidOption)
                #expect(error?.reason.contains("has the ZAP domain \"users\", and libzmq cannot clear a ZAP domain") == true)
                #expect(try await socket.option(.mechanism) == Int(ZMQ_PLAIN))
            }
            // Another domain is fine.
            try await socket.setSecurity(.plainServer(domain: "admins"))
            #expect(try await socket.option(.zapDomain) == "admins")
            await context.shutdown()
        }
    }

    @Test("a CURVE server relying on an authenticator is refused when none is installed, and nothing is set")
    func refusesUnguardedServer() async throws {
        try await withDeadline {
            let context = try makeContext()
            let socket = try RouterSocket(context)
            let keys = try CurveKeyPair.generate()
            let error = await #expect(throws: ZeroMQError.self) {
                try await socket.setSecurity(.curveServer(keys: keys, domain: "echo"))
            }
            #expect(error?.code == .invalidOption)
            #expect(error?.operation == "setSecurity(curveServer)")
            #expect(error?.socket == socket.description)
            #expect(error?.reason.contains("no ZAP authenticator is installed on this socket's context") == true)
            #expect(error?.reason.contains("accept every client key") == true)
            #expect(error?.reason.contains("clients: .anyClient") == true)
            #expect(error?.description.contains(keys.secretKey.z85) == false)
            // Nothing was set: still NULL, no domain, no key.
            #expect(try await socket.option(.mechanism) == Int(ZMQ_NULL))
            #expect(try await socket.option(.zapDomain) == "")
            #expect(try await socket.option(.curveSecretKey) == [UInt8](repeating: 0, count: 32))

            // Saying so explicitly is allowed; so is relying on an installed authenticator.
            try await socket.setSecurity(.curveServer(keys: keys, domain: "echo", clients: .anyClient))
            #expect(try await socket.option(.mechanism) == Int(ZMQ_CURVE))
            context.setAuthenticatorInstalled(true)
            try await socket.setSecurity(.curveServer(keys: keys, domain: "echo"))
            #expect(try await socket.option(.curveServer))
            await context.shutdown()
        }
    }

    @Test("security set after bind or connect is refused: libzmq would not apply it to that endpoint")
    func refusesAfterEndpoint() async throws {
        try await withDeadline {
            let context = try makeContext()
            let bound = try PullSocket(context)
            let endpoint = try await bound.bind("tcp://127.0.0.1:*")
            let error = await #expect(throws: ZeroMQError.self) { try await bound.setSecurity(.plainServer(domain: "")) }
            #expect(error?.code == .invalidOption)
            #expect(error?.reason.contains("already bound or connected (\(endpoint))") == true)
            #expect(try await bound.option(.mechanism) == Int(ZMQ_NULL))

            let connected = try PushSocket(context)
            try await connected.connect(endpoint)
            let again = await #expect(throws: ZeroMQError.self) {
                try await connected.setSecurity(.curveClient(serverKey: CurveKeyPair.generate().publicKey, clientKeys: .generate()))
            }
            #expect(again?.code == .invalidOption)

            await connected.close()
            let closed = await #expect(throws: ZeroMQError.self) { try await connected.setSecurity(.null) }
            #expect(closed?.code == .socketClosed)
            await context.shutdown()
        }
    }

    @Test("PLAIN credentials are checked first; the password never appears in descriptions or errors")
    func plainCredentials() async throws {
        try await withDeadline {
            let context = try makeContext()
            let socket = try DealerSocket(context)
            let longPassword = String(repeating: "p", count: 256)
            let cases: [(SocketSecurity, String)] = [
                (.plain(username: "", password: "secret-pw"), "a PLAIN user name is 1 to 255 bytes, not 0"),
                (.plain(username: "alice", password: ""), "a PLAIN password is 1 to 255 bytes, not 0"),
                (.plain(username: "alice", password: longPassword), "a PLAIN password is 1 to 255 bytes, not 256"),
                (.plainServer(domain: String(repeating: "d", count: 256)), "a ZAP domain is at most 255 bytes, not 256"),
            ]
            for (security, reason) in cases {
                let error = await #expect(throws: ZeroMQError.self) { try await socket.setSecurity(security) }
                #expect(error?.reason == reason)
                #expect(error?.description.contains("secret-pw") == false)
                #expect(error?.description.contains(longPassword) == false)
                #expect(try await socket.option(.mechanism) == Int(ZMQ_NULL))
            }
            await context.shutdown()
        }
    }

    @Test("descriptions redact the password and secret keys")
    func redaction() throws {
        let keys = try CurveKeyPair.generate()
        let plain = SocketSecurity.plain(username: "alice", password: "hunter2")
        let curve = SocketSecurity.curveServer(keys: keys, domain: "echo", clients: .anyClient)
        let client = SocketSecurity.curveClient(serverKey: keys.publicKey, clientKeys: keys)
        #expect(plain.description == ".plain(username: alice, password: <redacted>)")
        #expect(curve.description
            == ".curveServer(keys: CurveKeyPair(public: \(keys.publicKey), secret: <redacted>), domain: \"echo\", clients: .anyClient)")
        for security in [plain, curve, client] {
            var dumped = ""
            dump(security, to: &dumped)
            for text in [security.description, security.debugDescription, "\(security)", String(reflecting: security), dumped, "\([security])"] {
                #expect(!text.contains("hunter2"), "password in \(text)")
                #expect(!text.contains(keys.secretKey.z85), "secret key in \(text)")
            }
        }
    }

    /// Events of `monitor`, collected as they come.
    final class EventLog: Sendable {
        let events = Locked<[SocketEvent]>([])
        let task: Task<Void, Never>
        init(_ monitor: SocketMonitor) {
            let events = self.events
            task = Task {
                do {
                    for try await event in monitor.events { events.withLock { $0.append(event) } }
                } catch {}
            }
        }
        func contains(_ kind: SocketEvent.Kinds) -> Bool { events.withLock { $0.contains { $0.kind == kind } } }
        var all: [SocketEvent] { events.withLock { $0 } }
    }

    @Test("CURVE end to end with .anyClient: every message arrives, encrypted handshake succeeds")
    func curveEndToEnd() async throws {
        try await withDeadline {
            let context = try makeContext()
            let serverKeys = try CurveKeyPair.generate(), clientKeys = try CurveKeyPair.generate()
            let server = try PullSocket(context)
            try await server.setSecurity(.curveServer(keys: serverKeys, clients: .anyClient))
            let events = EventLog(try await server.monitor([.handshakeSucceeded, .handshakeFailedProtocol]))
            let endpoint = try await server.bind("tcp://127.0.0.1:*")
            let client = try PushSocket(context)
            try await client.setSecurity(.curveClient(serverKey: serverKeys.publicKey, clientKeys: clientKeys))
            try await client.connect(endpoint)
            for index in 0..<20 { try await client.send("message \(index)") }
            var received: [String] = []
            for _ in 0..<20 { received.append(try await server.receive(timeout: .seconds(10)).string ?? "?") }
            #expect(received == (0..<20).map { "message \($0)" })
            try await waitUntil("the server's monitor reports the handshake") { events.contains(.handshakeSucceeded) }
            #expect(!events.contains(.handshakeFailedProtocol))
            await context.shutdown()
            events.task.cancel()
        }
    }

    @Test("a CURVE client with the wrong server key: no message arrives in 2 s of attempts; the monitor reports the failure")
    func wrongServerKey() async throws {
        try await withDeadline {
            let context = try makeContext()
            let serverKeys = try CurveKeyPair.generate(), clientKeys = try CurveKeyPair.generate()
            let impostor = try CurveKeyPair.generate()
            let server = try PullSocket(context)
            try await server.setSecurity(.curveServer(keys: serverKeys, clients: .anyClient))
            let events = EventLog(try await server.monitor([.handshakeSucceeded, .handshakeFailedProtocol, .handshakeFailedNoDetail]))
            let endpoint = try await server.bind("tcp://127.0.0.1:*")
            let client = try PushSocket(context)
            try await client.setSecurity(.curveClient(serverKey: impostor.publicKey, clientKeys: clientKeys))
            try await client.connect(endpoint)
            var sent = 0, arrived = 0
            let end = ContinuousClock.now + .seconds(2)
            while ContinuousClock.now < end {
                if (try? await client.send("attempt \(sent)", timeout: .milliseconds(50))) != nil { sent += 1 }
                if (try? await server.receive(timeout: .milliseconds(50))) != nil { arrived += 1 }
            }
            #expect(sent > 0)
            #expect(arrived == 0, "\(arrived) of \(sent) messages reached the server")
            try await waitUntil("the server's monitor reports a failed handshake") { events.contains(.handshakeFailedProtocol) }
            let failure = events.all.first { $0.kind == .handshakeFailedProtocol }
            #expect(failure?.value == UInt32(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC))
            #expect(!events.contains(.handshakeSucceeded))
            await context.shutdown()
            events.task.cancel()
        }
    }
}
