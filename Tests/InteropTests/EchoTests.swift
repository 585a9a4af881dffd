import Testing

extension Interop {
    /// server.py / client.py: REP binds, REQ connects; the reply is `Echo: ` + the request.
    @Suite("REQ/REP: echo server and client")
    struct Echo {
        @Test("each request is echoed, both sides print the reply", arguments: Pairing.bothWays)
        func echo(_ pairing: Pairing) async throws {
            try await withPeers { peers in
                let server = try peers.start(.echoServer, in: pairing.binder, ["--endpoint", anyLoopbackPort, "--count", "3"])
                let endpoint = try await server.endpoint()
                let client = try peers.start(
                    .echoClient, in: pairing.connecter,
                    ["--endpoint", endpoint, "--count", "3", "--timeout", "5", "hello", "world!"])
                try await client.succeeded()
                try await server.succeeded()
                let expected = Array(repeating: "Echo: hello world!", count: 3)
                #expect(client.standardOutput == expected)
                #expect(server.standardOutput == expected)
            }
        }

        @Test("a client with --timeout and no server fails", arguments: [Language.swift, .python])
        func clientTimesOut(_ language: Language) async throws {
            try await withPeers { peers in
                // Port 1 on loopback: nothing listens there, the connection is refused and retried.
                let client = try peers.start(
                    .echoClient, in: language, ["--endpoint", "tcp://127.0.0.1:1", "--timeout", "0.3", "hello"])
                let exit = try await client.exited(timeout: .seconds(5))
                #expect(exit.status != 0 && !exit.bySignal, "\(client.transcript())")
                #expect(client.standardOutput.isEmpty)
                #expect(!client.standardError.isEmpty, "no message on stderr")
            }
        }
    }
}
