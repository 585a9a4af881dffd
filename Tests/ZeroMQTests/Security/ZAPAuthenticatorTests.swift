import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif
import MetricsTestKit
import Testing
@testable import ZeroMQ

/// What a refused client is: the server's side of the failures.
enum ClientSecurity: Sendable {
    case null
    case plain(user: String, password: String)
    case curve(server: String, client: TestCurveKeys)

    func apply<Role>(to socket: Socket<Role>) async throws {
        switch self {
        case .null:
            break
        case .plain(let user, let password):
            try await socket.setOption(.plainUsername, to: user)
            try await socket.setOption(.plainPassword, to: password)
        case .curve(let server, let client):
            try await socket.setOption(.curveServerKey, to: Array(server.utf8))
            try await socket.setOption(.curvePublicKey, to: Array(client.publicKey.utf8))
            try await socket.setOption(.curveSecretKey, to: Array(client.secretKey.utf8))
        }
    }
}

enum ServerSecurity: Sendable {
    case null(domain: String)
    case plain
    case curve(TestCurveKeys)

    func apply<Role>(to socket: Socket<Role>) async throws {
        switch self {
        case .null(let domain):
            try await socket.setOption(.zapDomain, to: domain)
        case .plain:
            try await socket.setOption(.plainServer, to: true)
        case .curve(let keys):
            try await socket.setOption(.curveServer, to: true)
            try await socket.setOption(.curveSecretKey, to: Array(keys.secretKey.utf8))
        }
    }
}

/// Collects an authenticator's events until it stops.
final class EventCollector: Sendable {
    private let events = Locked<[AuthenticationEvent]>([])
    private let task: Task<Void, Never>

    init(_ authenticator: ZAPAuthenticator) {
        let stream = authenticator.events()
        let events = self.events
        task = Task { for await event in stream { events.withLock { $0.append(event) } } }
    }

    var current: [AuthenticationEvent] { events.withLock { $0 } }

    /// Waits until `count` events came.
    func wait(for count: Int, timeout: Duration = .seconds(10)) async throws -> [AuthenticationEvent] {
        try await waitUntil("\(count) authentication events", timeout: timeout) { self.current.count >= count }
        return current
    }

    /// Every event, once the authenticator has stopped.
    func all() async -> [AuthenticationEvent] {
        await task.value
        return current
    }
}

@Suite("ZAP authenticator end to end", .timeLimit(.minutes(5)))
struct ZAPAuthenticatorTests {
    /// Runs `body` with a server context guarded by an authenticator and a client context.
    @discardableResult
    func withGuardedContexts<T: Sendable>(
        _ configuration: ZAPAuthenticatorConfiguration,
        _ body: @escaping @Sendable (_ server: Context, _ client: Context, ZAPAuthenticator, EventCollector) async throws -> T
    ) async throws -> T {
        try await withDeadline(60) {
            let serverContext = try makeContext()
            let clientContext = try makeContext()
            let result: T
            do {
                result = try await ZAPAuthenticator.withAuthenticator(serverContext, configuration: configuration) { authenticator in
                    let collector = EventCollector(authenticator)
                    return try await body(serverContext, clientContext, authenticator, collector)
                }
            } catch {
                await clientContext.shutdown()
                await serverContext.shutdown()
                throw error
            }
            await clientContext.shutdown()
            await serverContext.shutdown()
            return result
        }
    }

    /// A PULL server with `security`, keeping metadata, bound on tcp loopback; its monitor.
    func makeServer(_ context: Context, _ security: ServerSecurity) async throws -> (PullSocket, String, SocketMonitor) {
        let server = try PullSocket(context)
        await server.setKeepsMessageMetadata(true)
        try await security.apply(to: server)
        let monitor = try await server.monitor([
            .handshakeSucceeded, .handshakeFailedAuthentication, .handshakeFailedProtocol, .handshakeFailedNoDetail,
        ])
        let endpoint = try await server.bind("tcp://127.0.0.1:*")
        return (server, endpoint, monitor)
    }

    @Test("an allowed CURVE client's messages flow, and the receiver reads its User-Id")
    func allowedCurveClient() async throws {
        let serverKeys = TestCurveKeys.generate()
        let clientKeys = TestCurveKeys.generate()
        let policy = ZAPPolicy(curve: .decidedBy { client in
            client.publicKey.z85 == clientKeys.publicKey ? .allow(userID: "alice", metadata: ["Role": "admin"]) : .deny(reason: "unknown key")
        })
        try await withGuardedContexts(ZAPAuthenticatorConfiguration(policy: policy)) { serverContext, clientContext, _, events in
            let (server, endpoint, monitor) = try await makeServer(serverContext, .curve(serverKeys))
            let client = try PushSocket(clientContext)
            try await ClientSecurity.curve(server: serverKeys.publicKey, client: clientKeys).apply(to: client)
            try await client.connect(endpoint)
            try await client.send("hello")
            let message = try await server.receive(timeout: .seconds(10))
            #expect(message.string == "hello")
            #expect(message[0].userID == "alice")
            #expect(message[0].metadata("Role") == "admin")
            var monitorEvents = monitor.events.makeAsyncIterator()
            #expect(try await monitorEvents.next()?.kind == .handshakeSucceeded)
            let decided = try await events.wait(for: 1)
            #expect(decided.first?.status == .success)
            #expect(decided.first?.mechanism == .curve)
            #expect(decided.first?.identity == clientKeys.publicKey)
            #expect(decided.first?.userID == "alice")
            #expect(decided.first?.peerAddress == "127.0.0.1")
            monitor.close()
        }
    }

    @Test("a certificate store is the allow-list; setSecurity needs the authenticator installed; a reload lets a new key in")
    func certificateStore() async throws {
        let serverKeys = try CurveKeyPair.generate()
        let member = try CurveKeyPair.generate()
        let newcomer = try CurveKeyPair.generate()
        let store = CertificateStore(certificates: [Certificate(publicKey: member.publicKey)])
        let policy = ZAPPolicy(curve: .certificates(store))
        let serverContext = try makeContext()
        try await withDeadline(60) {
            let clientContext = try makeContext()
            try await ZAPAuthenticator.withAuthenticator(serverContext, configuration: ZAPAuthenticatorConfiguration(policy: policy)) { authenticator in
                let events = EventCollector(authenticator)
                let server = try PullSocket(serverContext)
                await server.setKeepsMessageMetadata(true)
                try await server.setSecurity(.curveServer(keys: serverKeys))  // accepted: an authenticator is installed
                let endpoint = try await server.bind("tcp://127.0.0.1:*")
                let client = try PushSocket(clientContext)
                try await client.setSecurity(.curveClient(serverKey: serverKeys.publicKey, clientKeys: member))
                try await client.connect(endpoint)
                try await client.send("member")
                #expect(try await server.receive(timeout: .seconds(10))[0].userID == member.publicKey.z85)

                let late = try PushSocket(clientContext)
                try await late.setOption(.linger, to: .zero)
                try await late.setSecurity(.curveClient(serverKey: serverKeys.publicKey, clientKeys: newcomer))
                try await late.connect(endpoint)
                try await late.send("too early")
                let refused = try await events.wait(for: 2)[1]
                #expect(refused.reason == "client key \(newcomer.publicKey.z85) is not in the certificate store")
                await late.close()

                store.replaceAll(with: [Certificate(publicKey: member.publicKey), Certificate(publicKey: newcomer.publicKey)])
                let again = try PushSocket(clientContext)
                try await again.setSecurity(.curveClient(serverKey: serverKeys.publicKey, clientKeys: newcomer))
                try await again.connect(endpoint)
                try await again.send("now allowed")
                let message = try await server.receive(timeout: .seconds(10))
                #expect(message.string == "now allowed")
                #expect(message[0].userID == newcomer.publicKey.z85)
                await again.close()
                await client.close()
            }
            // Stopped: a CURVE server relying on an authenticator is refused again.
            let unguarded = try PullSocket(serverContext)
            await #expect(throws: ZeroMQError.self) { try await unguarded.setSecurity(.curveServer(keys: serverKeys)) }
            await clientContext.shutdown()
            await serverContext.shutdown()
        }
    }

    @Test("a slow CURVE callback holds up only its own handshake; stopping cancels a hung one")
    func concurrentCallbacks() async throws {
        let serverKeys = TestCurveKeys.generate()
        let slow = TestCurveKeys.generate()
        let fast = TestCurveKeys.generate()
        let hung = TestCurveKeys.generate()
        let released = Locked(false)
        let hungAsked = Locked(false)
        let policy = ZAPPolicy(curve: .decidedBy { client in
            switch client.publicKey.z85 {
            case slow.publicKey:
                while !released.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
                return .allow(userID: "slow")
            case fast.publicKey:
                return .allow(userID: "fast")
            default:
                hungAsked.withLock { $0 = true }
                try await Task.sleep(for: .seconds(3600))  // ends only when cancelled
                return .allow(userID: "hung")
            }
        })
        let clock = ContinuousClock()
        let stoppedAt = Locked<ContinuousClock.Instant?>(nil)
        try await withGuardedContexts(ZAPAuthenticatorConfiguration(policy: policy)) { serverContext, clientContext, authenticator, events in
            let (server, endpoint, monitor) = try await makeServer(serverContext, .curve(serverKeys))
            var clients: [PushSocket] = []
            for keys in [slow, fast] {
                let client = try PushSocket(clientContext)
                try await client.setOption(.linger, to: .zero)
                try await ClientSecurity.curve(server: serverKeys.publicKey, client: keys).apply(to: client)
                try await client.connect(endpoint)
                try await client.send("from \(keys.publicKey)")
                clients.append(client)
            }
            let first = try await server.receive(timeout: .seconds(10))
            #expect(first[0].userID == "fast")
            #expect(try await events.wait(for: 1).map(\.userID) == ["fast"])
            released.withLock { $0 = true }
            let second = try await server.receive(timeout: .seconds(10))
            #expect(second[0].userID == "slow")

            let stuck = try PushSocket(clientContext)
            try await stuck.setOption(.linger, to: .zero)
            try await ClientSecurity.curve(server: serverKeys.publicKey, client: hung).apply(to: stuck)
            try await stuck.connect(endpoint)
            clients.append(stuck)
            try await waitUntil("the hung client's callback runs") { hungAsked.withLock { $0 } }
            for client in clients { await client.close() }
            monitor.close()
            stoppedAt.withLock { $0 = clock.now }
            _ = authenticator
        }
        // withAuthenticator stopped it with the hung callback pending: that took no hour.
        let stopped = try #require(stoppedAt.withLock { $0 })
        #expect(clock.now - stopped < .seconds(10))
    }

    @Test("PLAIN: the right password gets in, with the user name as User-Id; the address has no port", arguments: [Transport.tcp, .ipc])
    func plainAllowed(transport: Transport) async throws {
        let policy = ZAPPolicy(plain: PlainPasswords(["alice": "secret"]))
        try await withGuardedContexts(ZAPAuthenticatorConfiguration(policy: policy)) { serverContext, clientContext, _, events in
            let server = try PullSocket(serverContext)
            await server.setKeepsMessageMetadata(true)
            try await ServerSecurity.plain.apply(to: server)
            let endpoint = try await server.bind(transport.endpoint())
            let client = try PushSocket(clientContext)
            try await ClientSecurity.plain(user: "alice", password: "secret").apply(to: client)
            try await client.connect(endpoint)
            try await client.send("hi")
            let message = try await server.receive(timeout: .seconds(10))
            #expect(message[0].userID == "alice")
            let event = try #require(try await events.wait(for: 1).first)
            #expect(event.userID == "alice")
            #expect(event.mechanism == .plain)
            switch transport {
            case .ipc:
                // localhost:UID:GID:PID of the client (the same process here).
                #expect(event.peerAddress == "localhost:\(getuid()):\(getgid()):\(getpid())")
            default:
                #expect(event.peerAddress == "127.0.0.1")
            }
        }
    }

    @Test("status 300 leaves the connection hanging until the handshake interval; nothing gets through")
    func temporaryFailure() async throws {
        let serverKeys = TestCurveKeys.generate()
        let policy = ZAPPolicy(curve: .decidedBy { _ in .retryLater(reason: "database busy") })
        try await withGuardedContexts(ZAPAuthenticatorConfiguration(policy: policy)) { serverContext, clientContext, _, events in
            let server = try PullSocket(serverContext)
            // Long enough that the callback's 300 comes first even when ThreadSanitizer and the
            // other suites starve the task running it.
            try await server.setOption(.handshakeInterval, to: .seconds(3))
            try await ServerSecurity.curve(serverKeys).apply(to: server)
            let monitor = try await server.monitor([
                .handshakeSucceeded, .handshakeFailedAuthentication, .handshakeFailedProtocol, .handshakeFailedNoDetail, .disconnected,
            ])
            let endpoint = try await server.bind("tcp://127.0.0.1:*")
            let client = try PushSocket(clientContext)
            try await client.setOption(.linger, to: .zero)
            try await ClientSecurity.curve(server: serverKeys.publicKey, client: TestCurveKeys.generate()).apply(to: client)
            try await client.connect(endpoint)
            try await client.send("waiting")
            let clock = ContinuousClock()
            let decided = try #require(try await events.wait(for: 1).first)
            let answeredAt = clock.now
            #expect(decided.status == .temporaryFailure)
            #expect(decided.reason == "database busy")
            var monitorEvents = monitor.events.makeAsyncIterator()
            // libzmq reports the 300 at once, but does not drop the connection...
            let first = try #require(try await monitorEvents.next())
            #expect(first.kind == .handshakeFailedAuthentication)
            #expect(first.value == 300)
            // ...until the handshake interval (3 s from the connection) ends it.
            let second = try #require(try await monitorEvents.next())
            let elapsed = clock.now - answeredAt
            #expect(second.kind != .handshakeSucceeded, "\(second)")
            #expect(elapsed > .milliseconds(500), "the connection ended \(elapsed) after the 300: \(second)")
            await #expect(throws: ZeroMQError.self) { _ = try await server.receive(timeout: .milliseconds(300)) }
            await client.close()
            monitor.close()
        }
    }

    /// Makes `attempts` clients with `security`, each sending messages, and checks that the
    /// server's application gets none of them, that the monitor reports each failure as
    /// `failure` (with `value`), and that the auth events report `status` and `reason` (or none).
    func expectRefused(
        server serverSecurity: ServerSecurity, client clientSecurity: ClientSecurity, policy: ZAPPolicy,
        domain: String? = nil,
        failure: SocketEvent.Kinds, value: UInt32, orElse alternatives: [(SocketEvent.Kinds, UInt32)] = [],
        status: ZAPStatus?, reason: String?, attempts: Int = 3
    ) async throws {
        let configuration = domain.map { ZAPAuthenticatorConfiguration(domains: [$0: policy]) } ?? ZAPAuthenticatorConfiguration(policy: policy)
        let counts = Locked((received: 0, failures: [SocketEvent]()))
        let collected = try await withGuardedContexts(configuration) { serverContext, clientContext, _, events in
            let (server, endpoint, monitor) = try await makeServer(serverContext, serverSecurity)
            let receiving = Task {
                while let _ = try? await server.receive() { counts.withLock { $0.received += 1 } }
            }
            let watching = Task {
                for try await event in monitor.events { counts.withLock { $0.failures.append(event) } }
            }
            let clock = ContinuousClock()
            let start = clock.now
            for attempt in 1...attempts {
                let client = try PushSocket(clientContext)
                try await client.setOption(.linger, to: .zero)
                try await clientSecurity.apply(to: client)
                try await client.connect(endpoint)
                for number in 0..<5 { try await client.send("attempt \(attempt) message \(number)") }
                try await waitUntil("\(attempt) refused handshakes", timeout: .seconds(10)) {
                    counts.withLock { $0.failures.count } >= attempt
                }
                await client.close()
            }
            // The counting window: a few seconds of attempts in all, and at least one more
            // second after the last; nothing may reach the application meanwhile.
            try await Task.sleep(until: max(clock.now + .seconds(1), start + .seconds(3)), clock: clock)
            #expect(counts.withLock { $0.received } == 0, "messages reached the server's application")
            let failures = counts.withLock { $0.failures }
            // NULL and PLAIN clients may reconnect and fail again; a refused CURVE client does not.
            // A reconnect that the client's close cuts short ends as "no detail, EPIPE" at the
            // server (seen once in CI for a denied address). A refusal by ZAP still shows
            // itself first: nothing closes the client before its first failure.
            #expect(failures.count >= attempts)
            if status != nil {
                #expect(failures.first.map { $0.kind == failure && $0.value == value } == true, "monitor: \(failures)")
            }
            for event in failures {
                let expected = (event.kind == failure && event.value == value)
                    || alternatives.contains { event.kind == $0.0 && event.value == $0.1 }
                #expect(expected, "monitor: \(event)")
            }
            receiving.cancel()
            watching.cancel()
            monitor.close()
            return events
        }
        let decided = await collected.all()
        if let status {
            #expect(decided.count >= attempts)
            for event in decided {
                #expect(event.status == status)
                #expect(event.reason == reason)
                #expect(event.userID == nil)
            }
        } else {
            #expect(decided.isEmpty, "ZAP was consulted: \(decided)")
        }
    }

    @Test("a CURVE client whose key is not allowed is refused")
    func curveKeyNotAllowed() async throws {
        let serverKeys = TestCurveKeys.generate()
        let allowed = TestCurveKeys.generate()
        let stranger = TestCurveKeys.generate()
        try await expectRefused(
            server: .curve(serverKeys), client: .curve(server: serverKeys.publicKey, client: stranger),
            policy: ZAPPolicy(curve: .keys([try CurvePublicKey(z85: allowed.publicKey)])),
            failure: .handshakeFailedAuthentication, value: 400, status: .authenticationFailure,
            reason: "client key \(stranger.publicKey) is not allowed"
        )
    }

    @Test("a CURVE callback's refusal is the event's reason")
    func curveCallbackRefuses() async throws {
        let serverKeys = TestCurveKeys.generate()
        let allowed = TestCurveKeys.generate()
        try await expectRefused(
            server: .curve(serverKeys), client: .curve(server: serverKeys.publicKey, client: TestCurveKeys.generate()),
            policy: ZAPPolicy(curve: .decidedBy { $0.publicKey.z85 == allowed.publicKey ? .allow() : .deny(reason: "key not on file") }),
            failure: .handshakeFailedAuthentication, value: 400, status: .authenticationFailure, reason: "key not on file",
            attempts: 2
        )
    }

    @Test("a peer from a denied address is refused (NULL with a ZAP domain)")
    func deniedAddress() async throws {
        try await expectRefused(
            server: .null(domain: "guarded"), client: .null,
            policy: ZAPPolicy(addresses: try .denying(["127.0.0.0/8"])), domain: "guarded",
            failure: .handshakeFailedAuthentication, value: 400, orElse: Self.peerHungUpFirst, status: .authenticationFailure,
            reason: "address 127.0.0.1 is denied (127.0.0.0/8)"
        )
    }

    @Test("a PLAIN client with a wrong password is refused")
    func wrongPassword() async throws {
        try await expectRefused(
            server: .plain, client: .plain(user: "alice", password: "guess"),
            policy: ZAPPolicy(plain: PlainPasswords(["alice": "secret"])),
            failure: .handshakeFailedAuthentication, value: 400, orElse: Self.peerHungUpFirst, status: .authenticationFailure,
            reason: "wrong password for user \"alice\""
        )
    }

    /// Both ends see the mechanism mismatch in the greeting; when the client drops the connection
    /// first, the server's libzmq (4.3.4) reports "handshake failed, no detail" instead: with
    /// `EPIPE` when its write fails, or `ECONNRESET` when its read does (the client closes with
    /// linger 0, so its kernel resets the connection; seen once in CI, 2026-12-07).
    static let peerHungUpFirst = [
        (SocketEvent.Kinds.handshakeFailedNoDetail, UInt32(EPIPE)),
        (SocketEvent.Kinds.handshakeFailedNoDetail, UInt32(ECONNRESET)),
    ]

    @Test("a plain-text (NULL) client against a CURVE server fails on the mechanism; ZAP is not asked")
    func nullAgainstCurve() async throws {
        try await expectRefused(
            server: .curve(TestCurveKeys.generate()), client: .null, policy: ZAPPolicy(curve: .anyKey),
            failure: .handshakeFailedProtocol, value: UInt32(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH),
            orElse: Self.peerHungUpFirst, status: nil, reason: nil
        )
    }

    @Test("a PLAIN client against a CURVE server fails on the mechanism; ZAP is not asked")
    func plainAgainstCurve() async throws {
        try await expectRefused(
            server: .curve(TestCurveKeys.generate()), client: .plain(user: "alice", password: "secret"),
            policy: ZAPPolicy(plain: PlainPasswords(["alice": "secret"]), curve: .anyKey),
            failure: .handshakeFailedProtocol, value: UInt32(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH),
            orElse: Self.peerHungUpFirst, status: nil, reason: nil
        )
    }

    @Test("decisions are counted in swift-metrics")
    func metrics() async throws {
        let metrics = TestMetrics()
        let policy = ZAPPolicy(plain: PlainPasswords(["alice": "secret"]))
        try await withGuardedContexts(ZAPAuthenticatorConfiguration(policy: policy, metricsFactory: metrics)) { serverContext, clientContext, authenticator, events in
            let neverRead = authenticator.events(bufferingNewest: 1)  // a consumer that never reads
            let (server, endpoint, monitor) = try await makeServer(serverContext, .plain)
            var clients: [PushSocket] = []  // kept open until their messages are in
            for password in ["secret", "wrong", "secret"] {
                let client = try PushSocket(clientContext)
                clients.append(client)
                try await client.setOption(.linger, to: .zero)
                try await ClientSecurity.plain(user: "alice", password: password).apply(to: client)
                try await client.connect(endpoint)
                try await client.send("x")
            }
            _ = try await server.receive(timeout: .seconds(10))
            _ = try await server.receive(timeout: .seconds(10))
            let decided = try await events.wait(for: 3)
            #expect(decided.filter(\.isAllowed).count == 2)
            // The stalled subscriber held up nothing; it kept the newest event and lost two.
            #expect(authenticator.droppedEventCount == 2)
            _ = neverRead
            for client in clients { await client.close() }
            monitor.close()
        }
        #expect(try metrics.expectCounter("zmq_zap_decisions_total", [("result", "allowed"), ("status", "200")]).totalValue == 2)
        #expect(try metrics.expectCounter("zmq_zap_decisions_total", [("result", "denied"), ("status", "400")]).totalValue == 1)
        #expect(try metrics.expectCounter("zmq_zap_events_dropped_total").totalValue == 2)
    }

    @Test("a malformed request on the ZAP endpoint gets 400 or is ignored; the authenticator keeps serving")
    func malformedPeer() async throws {
        let metrics = TestMetrics()
        let configuration = ZAPAuthenticatorConfiguration(domains: ["guarded": ZAPPolicy()], metricsFactory: metrics)
        try await withGuardedContexts(configuration) { serverContext, clientContext, _, events in
            let intruder = try DealerSocket(serverContext)
            try await intruder.connect(ZAPAuthenticator.endpoint)
            try await intruder.send(Message(frames: ["", "garbage"]))
            try await intruder.send(Message(frames: ["", "1.0", "9"]))
            let reply = try await intruder.receive(timeout: .seconds(10))
            #expect(reply.frames.map { $0.string ?? "?" } == [
                "", "1.0", "9", "400", "malformed ZAP request: a ZAP request has at least 6 frames, this one 2", "", "",
            ])
            await intruder.close()

            let (server, endpoint, monitor) = try await makeServer(serverContext, .null(domain: "guarded"))
            let client = try PushSocket(clientContext)
            try await client.connect(endpoint)
            try await client.send("still served")
            let message = try await server.receive(timeout: .seconds(10))
            #expect(message[0].userID == "anonymous")
            let decided = try await events.wait(for: 2)
            #expect(decided.map(\.status) == [.authenticationFailure, .success])
            monitor.close()
        }
        #expect(try metrics.expectCounter("zmq_zap_ignored_requests_total").totalValue == 1)
    }

    @Test("one authenticator per context; once stopped, another can be installed; run returns on cancel")
    func lifecycle() async throws {
        try await withDeadline(60) {
            let context = try makeContext()
            #expect(!context.isAuthenticatorInstalled)
            let first = try await ZAPAuthenticator(context, configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy()))
            #expect(context.isAuthenticatorInstalled)
            await #expect {
                _ = try await ZAPAuthenticator(context, configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy()))
            } throws: { error in
                (error as? ZeroMQError)?.errnoName == "EADDRINUSE"
            }
            let running = Task { try await first.run() }
            try await waitUntil("the first authenticator serves", timeout: .seconds(10)) { await first.isRunning }
            running.cancel()
            try await running.value  // cancellation is a normal end
            #expect(!context.isAuthenticatorInstalled)
            let events = first.events()
            for await _ in events {}  // ended at once: the authenticator stopped

            let second = try await ZAPAuthenticator(context, configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy()))
            #expect(context.isAuthenticatorInstalled)
            await second.stop()
            await second.stop()
            #expect(!context.isAuthenticatorInstalled)
            try await second.run()  // returns at once after stop
            let third = try await ZAPAuthenticator(context, configuration: ZAPAuthenticatorConfiguration(policy: ZAPPolicy()))
            await third.stop()
            await context.shutdown()
        }
    }
}
