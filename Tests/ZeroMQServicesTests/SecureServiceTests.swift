import Testing
import ZeroMQ
@testable import ZeroMQServices

/// The keys of one security test: the service's, an allowed client's, a stranger's (a key the
/// authenticator does not know) and an impostor's (a server key the client wrongly trusts).
struct SecurityKeys: Sendable {
    var server: CurveKeyPair
    var allowed: CurveKeyPair
    var stranger: CurveKeyPair
    var impostor: CurveKeyPair

    static func generate() throws -> SecurityKeys {
        SecurityKeys(
            server: try .generate(), allowed: try .generate(), stranger: try .generate(), impostor: try .generate()
        )
    }
}

/// One row of the security table: how the service and its client are secured, and what must
/// come of it.
enum SecurityRow: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case allowedCurveClient
    case allowedPlainClient
    case wrongServerKey
    case clientKeyNotAllowed
    case nullClientAgainstCurve
    case deniedAddress
    case wrongPlainPassword
    case plainClientAgainstCurve

    static let refusals = allCases.filter { !$0.isAllowed }
    static let allowed = allCases.filter(\.isAllowed)

    var testDescription: String { rawValue }

    var isAllowed: Bool { self == .allowedCurveClient || self == .allowedPlainClient }

    /// The ZAP domain of every secured server here.
    static let domain = "secure-tests"

    func server(_ keys: SecurityKeys) -> SocketSecurity {
        switch self {
        case .allowedPlainClient, .wrongPlainPassword: .plainServer(domain: Self.domain)
        default: .curveServer(keys: keys.server, domain: Self.domain)
        }
    }

    func client(_ keys: SecurityKeys) -> SocketSecurity {
        switch self {
        case .allowedCurveClient, .deniedAddress: .curveClient(serverKey: keys.server.publicKey, clientKeys: keys.allowed)
        case .allowedPlainClient, .plainClientAgainstCurve: .plain(username: "alice", password: "secret")
        case .wrongServerKey: .curveClient(serverKey: keys.impostor.publicKey, clientKeys: keys.allowed)
        case .clientKeyNotAllowed: .curveClient(serverKey: keys.server.publicKey, clientKeys: keys.stranger)
        case .nullClientAgainstCurve: .null
        case .wrongPlainPassword: .plain(username: "alice", password: "guess")
        }
    }

    /// The authenticator: in the domain, alice's password and the allowed key; loopback denied
    /// for ``deniedAddress``; NULL peers denied.
    func authenticator(_ keys: SecurityKeys) throws -> ZAPAuthenticatorConfiguration {
        let policy = ZAPPolicy(
            addresses: self == .deniedAddress ? try .denying(["127.0.0.0/8"]) : .anyAddress,
            allowsNull: false,
            plain: PlainPasswords(["alice": "secret"]),
            curve: .keys([keys.allowed.publicKey])
        )
        return ZAPAuthenticatorConfiguration(domains: [Self.domain: policy])
    }

    /// The `User-Id` an allowed client gets: its key in Z85, or its PLAIN user name.
    func identity(_ keys: SecurityKeys) -> String? {
        switch self {
        case .allowedCurveClient: keys.allowed.publicKey.z85
        case .allowedPlainClient: "alice"
        default: nil
        }
    }

    /// The reason of the authenticator's refusal (status 400), or `nil` when ZAP is never asked
    /// (the handshake fails before: a wrong server key, a mechanism mismatch).
    func refusalReason(_ keys: SecurityKeys) -> String? {
        switch self {
        case .clientKeyNotAllowed: "client key \(keys.stranger.publicKey.z85) is not allowed"
        case .deniedAddress: "address 127.0.0.1 is denied (127.0.0.0/8)"
        case .wrongPlainPassword: "wrong password for user \"alice\""
        default: nil
        }
    }

    /// What the server's monitor reports for each refused handshake (kind and value); the
    /// second is the server's view when the client hung up first.
    var serverFailures: [(SocketEvent.Kinds, UInt32)] {
        switch self {
        case .allowedCurveClient, .allowedPlainClient: []
        case .clientKeyNotAllowed, .deniedAddress, .wrongPlainPassword: [(.handshakeFailedAuthentication, 400)]
        case .nullClientAgainstCurve, .plainClientAgainstCurve:
            [
                (.handshakeFailedProtocol, ProtocolError.mechanismMismatch.rawValue),
                (.handshakeFailedNoDetail, 32 /* EPIPE */), (.handshakeFailedNoDetail, 104 /* ECONNRESET */),
            ]
        // The server fails to decrypt the client's HELLO, or finds the client gone (EPIPE or
        // ECONNRESET) when the client's call timed out and it hung up first.
        case .wrongServerKey:
            [(.handshakeFailedProtocol, ProtocolError.cryptographic.rawValue), (.handshakeFailedNoDetail, 32), (.handshakeFailedNoDetail, 104)]
        }
    }

    /// What the client's monitor reports (the ``RequestError/underlying`` of its calls): a
    /// client with a wrong server key only sees the service close the connection (`EPIPE` here).
    /// The kinds of failure the client's monitor may report (`nil`: none expected). A mechanism
    /// mismatch is a race: the side that reads the other's greeting first reports it, the other
    /// sees the connection close (no detail).
    var clientFailure: SocketEvent.Kinds? {
        switch self {
        case .allowedCurveClient, .allowedPlainClient: nil
        case .clientKeyNotAllowed, .deniedAddress, .wrongPlainPassword: .handshakeFailedAuthentication
        case .nullClientAgainstCurve, .plainClientAgainstCurve: [.handshakeFailedProtocol, .handshakeFailedNoDetail]
        case .wrongServerKey: .handshakeFailedNoDetail
        }
    }
}

/// The authentication events of an authenticator, collected until it stops.
final class AuthEvents: Sendable {
    private let events = Locked<[AuthenticationEvent]>([])
    private let task: Task<Void, Never>

    init(_ authenticator: ZAPAuthenticator) {
        let stream = authenticator.events()
        let events = self.events
        task = Task { for await event in stream { events.withLock { $0.append(event) } } }
    }

    var current: [AuthenticationEvent] { events.withLock { $0 } }

    /// Every event, once the authenticator has stopped.
    func all() async -> [AuthenticationEvent] {
        await task.value
        return current
    }
}

/// Runs `body` with a server context guarded by the row's authenticator and a client context,
/// then checks the authentication events: a refused row's reason on every event (at least
/// one), or no event at all when ZAP is never asked; an allowed row's identity.
func withGuardedContexts(
    _ row: SecurityRow,
    _ keys: SecurityKeys,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: @escaping @Sendable (_ server: Context, _ client: Context) async throws -> Void
) async throws {
    let events = try await withDeadline(90) {
        let serverContext = try makeContext()
        let clientContext = try makeContext()
        defer {
            Task {
                await clientContext.shutdown()
                await serverContext.shutdown()
            }
        }
        return try await ZAPAuthenticator.withAuthenticator(serverContext, configuration: try row.authenticator(keys)) {
            authenticator in
            let events = AuthEvents(authenticator)
            try await body(serverContext, clientContext)
            return events
        }
    }
    let decided = await events.all()
    if let identity = row.identity(keys) {
        #expect(!decided.isEmpty, sourceLocation: sourceLocation)
        for event in decided {
            #expect(event.isAllowed, "\(event)", sourceLocation: sourceLocation)
            #expect(event.userID == identity, sourceLocation: sourceLocation)
        }
    } else if let reason = row.refusalReason(keys) {
        #expect(!decided.isEmpty, "the authenticator was never asked", sourceLocation: sourceLocation)
        for event in decided {
            #expect(event.status == .authenticationFailure, "\(event)", sourceLocation: sourceLocation)
            #expect(event.reason == reason, sourceLocation: sourceLocation)
            #expect(event.userID == nil, sourceLocation: sourceLocation)
        }
    } else {
        #expect(decided.isEmpty, "ZAP was consulted: \(decided)", sourceLocation: sourceLocation)
    }
}

/// How long refused clients keep trying while nothing may reach the application.
let refusalWindow = Duration.seconds(2)

/// Makes refused calls until the refusal window has passed and at least 4 have failed (and,
/// when `needsReason`, the last failure carries the handshake's reason), at most 60 calls. A
/// fixed window alone holds only one or two calls when ThreadSanitizer and every other suite
/// share the two cores; the test's deadline bounds the whole.
func refusedCalls(needsReason: Bool, _ call: (Int) async -> RequestError?) async -> [RequestError] {
    let clock = ContinuousClock()
    let start = clock.now
    var errors: [RequestError] = []
    var index = 0
    func enough() -> Bool {
        clock.now - start >= refusalWindow && errors.count >= 4
            && (!needsReason || errors.last?.underlying is HandshakeFailedError)
    }
    while !enough(), index < 60 {
        index += 1
        if let error = await call(index) { errors.append(error) }
    }
    return errors
}

@Suite("Secure typed services", .timeLimit(.minutes(10)))
struct SecureServiceTests {
    @Test("request/reply: an allowed client is served and the handler sees its identity", arguments: SecurityRow.allowed)
    func allowedRequests(_ row: SecurityRow) async throws {
        let keys = try SecurityKeys.generate()
        try await withGuardedContexts(row, keys) { serverContext, clientContext in
            let seen = Locked<[RequestContext]>([])
            var configuration = RequestServiceConfiguration()
            configuration.security = row.server(keys)
            let service = try await RequestService<Echo, Echo>(
                serverContext, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
            ) { echo, context in
                seen.withLock { $0.append(context) }
                return echo
            }
            var clientConfiguration = RequestClientConfiguration(timeout: .seconds(10))
            clientConfiguration.security = row.client(keys)
            let client = try await RequestClient<Echo, Echo>(
                clientContext, connectingTo: service.boundEndpoints, configuration: clientConfiguration
            )
            try await withServices([service, client]) {
                for index in 1...3 {
                    let reply = try await client.request(Echo(caller: 1, index: index))
                    #expect(reply == Echo(caller: 1, index: index))
                }
            }
            let contexts = seen.withLock { $0 }
            #expect(contexts.count == 3)
            #expect(contexts.allSatisfy { $0.userID == row.identity(keys) }, "\(contexts.map(\.userID))")
            #expect(contexts.allSatisfy { $0.peerAddress == "127.0.0.1" }, "\(contexts.map(\.peerAddress))")
            #expect(contexts.allSatisfy { $0.metadata("User-Id") == row.identity(keys) })
        }
    }

    @Test("request/reply: a refused client's handshake fails, its calls are unreachable, no request reaches the handler",
          arguments: SecurityRow.refusals)
    func refusedRequests(_ row: SecurityRow) async throws {
        let keys = try SecurityKeys.generate()
        try await withGuardedContexts(row, keys) { serverContext, clientContext in
            let handled = Locked(0)
            var configuration = RequestServiceConfiguration()
            configuration.security = row.server(keys)
            let service = try await RequestService<Echo, Echo>(
                serverContext, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
            ) { echo, _ in
                handled.withLock { $0 += 1 }
                return echo
            }
            var clientConfiguration = RequestClientConfiguration(timeout: .milliseconds(250))
            clientConfiguration.security = row.client(keys)
            let client = try await RequestClient<Echo, Echo>(
                clientContext, connectingTo: service.boundEndpoints, configuration: clientConfiguration
            )
            let errors = try await withServices([service, client]) {
                await refusedCalls(needsReason: row.clientFailure != nil) { index in
                    await requestError { try await client.request(Echo(caller: 1, index: index)) }
                }
            }
            #expect(handled.withLock { $0 } == 0, "requests reached the handler")
            #expect(errors.count >= 4)
            for error in errors {
                #expect(error.code == .unreachable, "\(error)")
                #expect(error.attempts == 1)
            }
            if let kinds = row.clientFailure {
                let failure = errors.last?.underlying as? HandshakeFailedError
                #expect(failure.map { kinds.contains($0.event.kind) } == true, "\(errors.last.map(String.init(describing:)) ?? "no error")")
                #expect(errors.last?.description.contains("the handshake with \(service.boundEndpoints[0]) failed") == true)
            }
        }
    }

    @Test("pub/sub: an allowed subscriber gets the events", arguments: SecurityRow.allowed)
    func allowedSubscriber(_ row: SecurityRow) async throws {
        let keys = try SecurityKeys.generate()
        try await withGuardedContexts(row, keys) { serverContext, clientContext in
            let publisher = try await EventPublisher<Echo>(
                serverContext, endpoints: [.bind("tcp://127.0.0.1:*")], topic: { _ in "echo" }, security: row.server(keys)
            )
            let subscriber = try await EventSubscriber<Echo>(
                clientContext, endpoints: [.connect(publisher.boundEndpoints[0])], security: row.client(keys)
            )
            let received = Locked<[Echo]>([])
            let receiving = Task {
                for try await event in subscriber.events { received.withLock { $0.append(event) } }
            }
            // A PUB socket drops events until the subscription has come through the handshake.
            var index = 0
            try await waitUntil("an event reached the subscriber", timeout: .seconds(20)) {
                index += 1
                try await publisher.publish(Echo(caller: 1, index: index))
                try await Task.sleep(for: .milliseconds(5))
                return !received.withLock(\.isEmpty)
            }
            #expect(received.withLock { $0.first?.caller } == 1)
            receiving.cancel()
            await subscriber.close()
            await publisher.close()
        }
    }

    @Test("pub/sub: a refused subscriber gets no event", arguments: SecurityRow.refusals)
    func refusedSubscriber(_ row: SecurityRow) async throws {
        let keys = try SecurityKeys.generate()
        try await withGuardedContexts(row, keys) { serverContext, clientContext in
            let publisher = try await EventPublisher<Echo>(
                serverContext, endpoints: [.bind("tcp://127.0.0.1:*")], topic: { _ in "echo" }, security: row.server(keys)
            )
            let subscriber = try await EventSubscriber<Echo>(
                clientContext, endpoints: [.connect(publisher.boundEndpoints[0])], security: row.client(keys)
            )
            let count = Locked(0)
            let receiving = Task {
                for try await _ in subscriber.events { count.withLock { $0 += 1 } }
            }
            let clock = ContinuousClock()
            let start = clock.now
            var index = 0
            // At least the window and at least 50 events: about 180 fit in 2 s on a quiet
            // machine, a handful under ThreadSanitizer with every suite running.
            while clock.now - start < refusalWindow || index < 50 {
                index += 1
                try await publisher.publish(Echo(caller: 1, index: index))
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(count.withLock { $0 } == 0, "events reached the refused subscriber")
            await subscriber.close()
            _ = await receiving.result
            await publisher.close()
        }
    }

    @Test("a Queue device with a secured frontend serves allowed clients; a refused one reaches no service",
          arguments: SecurityRow.allCases)
    func queueDevice(_ row: SecurityRow) async throws {
        let keys = try SecurityKeys.generate()
        try await withGuardedContexts(row, keys) { serverContext, clientContext in
            let frontend = try RouterSocket(serverContext)
            try await frontend.setSecurity(row.server(keys))
            let monitor = try await frontend.monitor(SocketEvent.Kinds.failedHandshakes.union(.handshakeSucceeded))
            let frontendEndpoint = try await frontend.bind("tcp://127.0.0.1:*")
            let backend = try DealerSocket(serverContext)  // NULL: the backend has its own security
            let backendEndpoint = try await backend.bind("inproc://secure-queue-\(row.rawValue)-\(UInt32.random(in: 0...UInt32.max))")
            let proxy = try Proxy.queue(frontend: frontend, backend: backend)
            let running = Task { try await proxy.run() }
            let monitored = Locked<[SocketEvent]>([])
            let watching = Task { for try await event in monitor.events { monitored.withLock { $0.append(event) } } }

            let handled = Locked<[RequestContext]>([])
            let service = try await RequestService<Echo, Echo>(serverContext, endpoints: [.connect(backendEndpoint)]) {
                echo, context in
                handled.withLock { $0.append(context) }
                return echo
            }
            var clientConfiguration = RequestClientConfiguration(timeout: row.isAllowed ? .seconds(10) : .milliseconds(250))
            clientConfiguration.security = row.client(keys)
            let client = try await RequestClient<Echo, Echo>(
                clientContext, connectingTo: [frontendEndpoint], configuration: clientConfiguration
            )
            let errors = try await withServices([service, client]) {
                var errors: [RequestError] = []
                if row.isAllowed {
                    for index in 1...3 {
                        let reply = try await client.request(Echo(caller: 4, index: index))
                        #expect(reply.index == index)
                    }
                } else {
                    errors = await refusedCalls(needsReason: false) { index in
                        await requestError { try await client.request(Echo(caller: 4, index: index)) }
                    }
                }
                return errors
            }
            try await proxy.terminate()
            try await running.value
            monitor.close()
            _ = await watching.result
            let events = monitored.withLock { $0 }
            if row.isAllowed {
                #expect(handled.withLock(\.count) == 3)
                // The User-Id belongs to the frontend's connection; the service behind the device,
                // connected over NULL inproc, sees none.
                #expect(handled.withLock { $0.allSatisfy { $0.userID == nil } }, "\(handled.withLock { $0.map(\.userID) })")
                #expect(events.map(\.kind) == [.handshakeSucceeded], "\(events)")
            } else {
                #expect(handled.withLock(\.count) == 0, "requests went through the device")
                #expect(errors.count >= 4)
                #expect(errors.allSatisfy { $0.code == .unreachable }, "\(errors)")
                #expect(!events.isEmpty, "the frontend's monitor saw no failed handshake")
                for event in events {
                    #expect(row.serverFailures.contains { event.kind == $0.0 && event.value == $0.1 }, "monitor: \(event)")
                }
            }
        }
    }

    @Test("a failed handshake's description says why, in words")
    func handshakeFailureDescriptions() {
        let endpoint = "tcp://127.0.0.1:5555"
        func text(_ kind: SocketEvent.Kinds, _ value: UInt32) -> String {
            HandshakeFailedError(SocketEvent(kind: kind, value: value, endpoint: endpoint)).description
        }
        #expect(
            text(.handshakeFailedAuthentication, 400)
                == "the handshake with tcp://127.0.0.1:5555 failed: the service's authenticator refused this client (ZAP status 400)"
        )
        #expect(text(.handshakeFailedProtocol, 0x1100_0002).hasSuffix("failed: the two ends use different security mechanisms (ZMTP mechanism mismatch)"))
        #expect(text(.handshakeFailedProtocol, 0x1100_0001).hasSuffix("failed: a handshake command did not decrypt (with CURVE: a wrong server key)"))
        #expect(
            text(.handshakeFailedProtocol, 0x1000_0011)
                .hasSuffix("failed: protocol error \(ProtocolError(rawValue: 0x1000_0011))")
        )
        #expect(HandshakeFailedError(SocketEvent(kind: .handshakeFailedAuthentication, value: 400, endpoint: endpoint))
            .failure == .authentication(status: 400))
        #expect(text(.handshakeFailedNoDetail, 32).contains("(errno 32: Broken pipe)"))
    }

    @Test("a NULL service's handler gets a context too: no identity, the peer's address")
    func nullContext() async throws {
        try await withContext { context in
            let seen = Locked<[RequestContext]>([])
            let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) {
                echo, request in
                seen.withLock { $0.append(request) }
                return echo
            }
            let client = try await RequestClient<Echo, Echo>(context, connectingTo: service.boundEndpoints)
            try await withServices([service, client]) {
                let reply = try await client.request(Echo(caller: 2, index: 1))
                #expect(reply.index == 1)
            }
            let contexts = seen.withLock { $0 }
            #expect(contexts.count == 1)
            #expect(contexts.first?.userID == nil)
            #expect(contexts.first?.peerAddress == "127.0.0.1")
            #expect(contexts.first?.metadata("Socket-Type") == "DEALER")
        }
    }

    @Test("a CURVE service with no authenticator refuses to start unless it accepts any client")
    func unguardedCurveService() async throws {
        try await withContext { context in
            let keys = try CurveKeyPair.generate()
            var configuration = RequestServiceConfiguration()
            configuration.security = .curveServer(keys: keys)
            await #expect(throws: ZeroMQError.self) {
                _ = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration) {
                    $0
                }
            }
            configuration.security = .curveServer(keys: keys, clients: .anyClient)
            let service = try await RequestService<Echo, Echo>(
                context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
            ) { $0 }
            var clientConfiguration = RequestClientConfiguration(timeout: .seconds(10))
            clientConfiguration.security = .curveClient(serverKey: keys.publicKey, clientKeys: try .generate())
            let client = try await RequestClient<Echo, Echo>(
                context, connectingTo: service.boundEndpoints, configuration: clientConfiguration
            )
            try await withServices([service, client]) {
                let reply = try await client.request(Echo(caller: 3, index: 7))
                #expect(reply.index == 7)
            }
        }
    }
}

