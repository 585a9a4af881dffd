import Foundation
import Testing
import ZeroMQ
@testable import ZeroMQServices

#if canImport(Glibc)
import Glibc
#endif

/// Heartbeats that short for a test: a frozen peer is noticed within about 0.8 s.
private let quickHeartbeats = ConnectionHardening(
    heartbeatInterval: .milliseconds(200), heartbeatTimeout: .milliseconds(600), heartbeatTTL: .seconds(2),
    handshakeInterval: .seconds(2)
)

/// How long past `interval + timeout` detection may take on a loaded machine.
private let slack: Duration = .seconds(1)

extension Interop {
    /// A peer that freezes (SIGSTOP: its kernel still ACKs, so TCP sees nothing wrong) is noticed
    /// only by ZMTP heartbeats; then the typed client sends elsewhere.
    @Suite("Frozen peers")
    struct FrozenPeers {
        @Test("with heartbeats the monitor reports a frozen peer's disconnect within interval + timeout; without, it does not")
        func detection() async throws {
            for hardening in [quickHeartbeats, .libzmqDefaults] {
                try await withPeers { peers in
                    let server = try peers.python("server.py", ["--endpoint", anyLoopbackPort])
                    let endpoint = try await server.endpoint()
                    defer { server.signal(SIGCONT) }
                    try await Context.withContext { context in
                        let dealer = try DealerSocket(context)
                        try await dealer.setOption(.linger, to: .zero)
                        try await dealer.apply(hardening)
                        let monitor = try await dealer.connectionMonitor()
                        try await dealer.connect(endpoint)
                        #expect(try await monitor.firstHandshake().change == .handshakeSucceeded)
                        // A REP peer: an empty delimiter, then the request.
                        try await dealer.send(Message(frames: [Frame([UInt8]()), Frame("ping")]))
                        #expect(try await dealer.receive(timeout: .seconds(10)).last?.string == "Echo: ping")

                        server.signal(SIGSTOP)
                        let frozen = ContinuousClock.now
                        if hardening.heartbeatInterval > .zero {
                            let seen = try await monitor.updates(timeout: .seconds(10)) { $0.contains { $0.change == .closed } }
                            let detected = ContinuousClock.now - frozen
                            let bound = hardening.heartbeatInterval + hardening.heartbeatTimeout
                            print("[frozen] heartbeats \(hardening.heartbeatInterval)/\(hardening.heartbeatTimeout): disconnect reported \(detected) after SIGSTOP (bound \(bound))")
                            #expect(seen.last { $0.change == .closed }?.connection.handshake == .succeeded)
                            #expect(detected < bound + slack)
                            #expect(detected >= hardening.heartbeatTimeout - hardening.heartbeatInterval)
                        } else {
                            // Without heartbeats nothing tells: the connection looks fine.
                            let seen = try? await monitor.updates(timeout: .seconds(3)) { $0.contains { $0.change == .closed } }
                            print("[frozen] no heartbeats: after 3 s the monitor reported \(seen.map { "\($0)" } ?? "nothing")")
                            #expect(seen == nil, "without heartbeats a frozen peer still looks connected")
                            #expect(monitor.openConnections.map(\.handshake) == [.succeeded])
                        }
                        monitor.close()
                        await dealer.close()
                    }
                    server.signal(SIGCONT)
                    server.crash()
                    _ = try await server.exited()
                }
            }
        }

        @Test("a typed client with two servers: once heartbeats find the first frozen, a request that may not be retried after a send goes to the second")
        func failover() async throws {
            for hardening in [quickHeartbeats, nil] {
                try await withPeers { peers in
                    let first = try peers.python("server.py", ["--endpoint", anyLoopbackPort])
                    let firstEndpoint = try await first.endpoint()
                    let second = try peers.python("server.py", ["--endpoint", anyLoopbackPort])
                    let secondEndpoint = try await second.endpoint()
                    defer { first.signal(SIGCONT) }
                    try await Context.withContext { context in
                        var configuration = RequestClientConfiguration(
                            timeout: .seconds(1), retryPolicy: RetryPolicy(maximumAttempts: 2, initialBackoff: .zero)
                        )
                        configuration.connectionHardening = hardening
                        let client = try await RequestClient(
                            context, connectingTo: [firstEndpoint, secondEndpoint], requestEncoder: StringCodec(),
                            responseDecoder: StringCodec(), configuration: configuration
                        )
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask { try await client.run() }
                            #expect(try await client.request("before") == "Echo: before")
                            _ = try await first.line(startingWith: "Echo: before", on: .stdout)

                            first.signal(SIGSTOP)
                            let frozen = ContinuousClock.now
                            if let hardening {
                                try await waitUntil("the client saw the first server go", timeout: .seconds(10)) {
                                    await client.connectionStates[0] == false
                                }
                                let detected = ContinuousClock.now - frozen
                                print("[frozen] typed client: first server's disconnect seen \(detected) after SIGSTOP")
                                #expect(detected < hardening.heartbeatInterval + hardening.heartbeatTimeout + slack)
                            }
                            let started = ContinuousClock.now
                            let outcome: Result<String, RequestError>
                            do throws(RequestError) {
                                // Not idempotent: retried elsewhere only if it was never sent.
                                outcome = .success(try await client.request("after"))
                            } catch {
                                outcome = .failure(error)
                            }
                            let took = ContinuousClock.now - started
                            switch outcome {
                            case .success(let reply):
                                print("[frozen] typed client, heartbeats \(hardening != nil): \"after\" answered by the second server in \(took)")
                                #expect(hardening != nil, "without heartbeats the request went to the frozen server")
                                #expect(reply == "Echo: after")
                                _ = try await second.line(startingWith: "Echo: after", on: .stdout)
                            case .failure(let error):
                                print("[frozen] typed client, heartbeats \(hardening != nil): \"after\" failed in \(took): \(error)")
                                #expect(hardening == nil, "with heartbeats the request fails over: \(error)")
                                #expect(error.code == .timedOut)
                            }
                            // Either way the client now sends to the second server.
                            #expect(try await client.request("later", idempotent: true) == "Echo: later")
                            client.beginGracefulShutdown()
                            try await group.waitForAll()
                        }
                    }
                    first.signal(SIGCONT)
                }
            }
        }
    }
}
