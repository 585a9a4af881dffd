import Testing
@testable import ZeroMQ

@Suite("Security through the pattern helpers", .timeLimit(.minutes(3)))
struct SecurePatternTests {
    /// A PLAIN-secured REP server answering each request with its `User-Id`, guarded by an
    /// authenticator that knows alice; `body` gets the server's endpoint and the client context.
    func withPlainServer(
        _ body: @escaping @Sendable (_ endpoint: String, _ client: Context, _ served: Locked<Int>) async throws -> Void
    ) async throws {
        try await withDeadline(60) {
            let serverContext = try makeContext()
            let clientContext = try makeContext()
            let served = Locked(0)
            let policy = ZAPPolicy(plain: PlainPasswords(["alice": "secret"]))
            try await ZAPAuthenticator.withAuthenticator(serverContext, configuration: ZAPAuthenticatorConfiguration(policy: policy)) { _ in
                let server = try RepSocket(serverContext)
                await server.setKeepsMessageMetadata(true)
                try await server.setSecurity(.plainServer(domain: "patterns"))
                let endpoint = try await server.bind("tcp://127.0.0.1:*")
                let serving = Task {
                    for try await request in server.requests {
                        served.withLock { $0 += 1 }
                        try await request.reply(request.userID ?? "<none>")
                    }
                }
                try await body(endpoint, clientContext, served)
                await server.close()
                _ = await serving.result
            }
            await clientContext.shutdown()
            await serverContext.shutdown()
        }
    }

    @Test("REP: the request carries the requester's User-Id")
    func repSeesUserID() async throws {
        try await withPlainServer { endpoint, clientContext, served in
            let client = try ReqSocket(clientContext)
            try await client.setSecurity(.plain(username: "alice", password: "secret"))
            try await client.connect(endpoint)
            let reply = try await client.request("who am I?", timeout: .seconds(10))
            #expect(reply.string == "alice")
            #expect(served.withLock { $0 } == 1)
            await client.close()
        }
    }

    @Test("REQ with a wrong password: every request times out, none reaches the server")
    func wrongPassword() async throws {
        try await withPlainServer { endpoint, clientContext, served in
            let client = try ReqSocket(clientContext)
            try await client.setOption(.linger, to: .zero)
            try await client.setSecurity(.plain(username: "alice", password: "guess"))
            try await client.connect(endpoint)
            let clock = ContinuousClock()
            let start = clock.now
            var attempts = 0
            // At least 2 s and 4 attempts (a slow machine fits fewer attempts in the window).
            while clock.now - start < .seconds(2) || attempts < 4 {
                attempts += 1
                await #expect {
                    _ = try await client.request("let me in", timeout: .milliseconds(250))
                } throws: { error in
                    (error as? ZeroMQError)?.code == .timedOut
                }
            }
            #expect(attempts >= 4)
            #expect(served.withLock { $0 } == 0, "requests reached the server")
            await client.close()
        }
    }
}
