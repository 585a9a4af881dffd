import Foundation
import Testing
import ZeroMQ

extension Interop {
    /// `zmq keygen`, `zmq monitor`, and the security options of the pattern commands and the
    /// proxy, between `zmq` processes over tcp loopback; and the SecureEcho example pair.
    ///
    /// Who gets through is counted where it matters: the server's standard output has one line
    /// per message its application received, so "nothing through" is an exact list.
    @Suite("zmq: keygen, monitor, CURVE and PLAIN options; the SecureEcho examples")
    struct CLISecurity {
        /// A directory of this test's key files, removed at the end.
        final class KeyDirectory: Sendable {
            let path: String

            init() throws {
                path = FileManager.default.temporaryDirectory.appendingPathComponent("zmq-cli-keys-\(UUID().uuidString.prefix(8))").path
                try FileManager.default.createDirectory(atPath: path + "/clients", withIntermediateDirectories: true)
            }

            deinit { try? FileManager.default.removeItem(atPath: path) }

            func file(_ name: String) -> String { path + "/" + name }
        }

        /// Runs `zmq keygen --out <dir>/<name>` and returns the public key it printed.
        @discardableResult
        static func keygen(_ peers: Peers, _ directory: KeyDirectory, _ name: String) async throws -> String {
            let keygen = try peers.swift("zmq", ["keygen", "--out", directory.file(name)])
            try await keygen.succeeded()
            guard let line = keygen.standardOutput.first, line.hasPrefix("public: ") else {
                throw HarnessError("zmq keygen printed \(keygen.standardOutput), expected `public: <key>`")
            }
            return String(line.dropFirst("public: ".count))
        }

        /// A server key pair, Alice's (allowed: her public certificate in `clients/`) and
        /// Mallory's (not allowed).
        static func makeKeys(_ peers: Peers) async throws -> KeyDirectory {
            let directory = try KeyDirectory()
            try await keygen(peers, directory, "server")
            try await keygen(peers, directory, "alice")
            try await keygen(peers, directory, "mallory")
            try FileManager.default.copyItem(atPath: directory.file("alice.key"), toPath: directory.file("clients/alice.key"))
            return directory
        }

        // MARK: keygen

        @Test("keygen prints a public and a secret key that belong together")
        func keygenPrints() async throws {
            try await withPeers { peers in
                let keygen = try peers.swift("zmq", ["keygen"])
                try await keygen.succeeded()
                let lines = keygen.standardOutput
                try #require(lines.count == 2 && lines[0].hasPrefix("public: ") && lines[1].hasPrefix("secret: "), "\(lines)")
                let publicKey = try CurvePublicKey(z85: lines[0].dropFirst("public: ".count))
                let secretKey = try CurveSecretKey(z85: lines[1].dropFirst("secret: ".count))
                // Throws unless the public key is the secret key's.
                _ = try CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
            }
        }

        @Test("keygen --out writes a pair that loads (secret file 0600), and will not overwrite it without --force")
        func keygenWrites() async throws {
            try await withPeers { peers in
                let directory = try KeyDirectory()
                let printed = try await Self.keygen(peers, directory, "server")
                let secret = try Certificate(contentsOfFile: directory.file("server.key_secret"))
                let shared = try Certificate(contentsOfFile: directory.file("server.key"))
                #expect(secret.keys?.publicKey.z85 == printed)
                #expect(shared.publicKey.z85 == printed)
                #expect(shared.secretKey == nil, "the public file holds no secret key")
                let mode = try FileManager.default.attributesOfItem(atPath: directory.file("server.key_secret"))[.posixPermissions] as? Int
                #expect(mode.map { $0 & 0o777 } == 0o600)

                let again = try peers.swift("zmq", ["keygen", "--out", directory.file("server")])
                #expect(try await again.exited() == Child.Exit(status: 1, bySignal: false))
                #expect(again.standardError.contains { $0.hasPrefix("Error: --out ") && $0.contains("server.key exists") }, "\(again.standardError)")
                #expect(try Certificate(contentsOfFile: directory.file("server.key")).publicKey.z85 == printed, "not overwritten")

                let forced = try peers.swift("zmq", ["keygen", "--out", directory.file("server"), "--force"])
                try await forced.succeeded()
                #expect(try Certificate(contentsOfFile: directory.file("server.key")).publicKey.z85 != printed, "replaced")
            }
        }

        // MARK: CURVE between zmq processes

        @Test("rep --curve-server --allow ↔ req --curve-client: an allowed client's requests are answered")
        func curveAllowed() async throws {
            try await withPeers { peers in
                let keys = try await Self.makeKeys(peers)
                let rep = try peers.swift("zmq", [
                    "rep", "--bind", anyLoopbackPort, "--curve-server", keys.file("server.key_secret"),
                    "--allow", keys.file("clients"), "--count", "2", "--timeout", "20",
                ])
                let req = try peers.swift("zmq", [
                    "req", "--connect", try await rep.endpoint(), "--curve-client", keys.file("alice.key_secret"),
                    "--server-key", keys.file("server.key"), "--timeout", "10", "one", "two",
                ])
                try await req.succeeded(timeout: .seconds(20))
                try await rep.succeeded(timeout: .seconds(20))
                #expect(req.standardOutput == ["one", "two"])
                #expect(rep.standardOutput == ["one", "two"])
                #expect(rep.standardError.contains { $0.hasPrefix("auth: 200 CURVE 127.0.0.1") }, "\(rep.standardError)")
            }
        }

        @Test("a client key not in --allow gets nothing through: the monitor says ZAP status 400, the server prints only the allowed client's message")
        func curveDenied() async throws {
            try await withPeers { peers in
                let keys = try await Self.makeKeys(peers)
                let rep = try peers.swift("zmq", [
                    "rep", "--bind", anyLoopbackPort, "--curve-server", keys.file("server.key_secret"),
                    "--allow", keys.file("clients"), "--count", "1", "--timeout", "30",
                ])
                let endpoint = try await rep.endpoint()
                let mallory = ["--curve-client", keys.file("mallory.key_secret"), "--server-key", keys.file("server.key")]
                // Three requests from Mallory, each in its own process (a REQ sends one, then waits).
                for attempt in 1...3 {
                    let denied = try peers.swift("zmq", ["req", "--connect", endpoint, "--timeout", "1", "attempt \(attempt)"] + mallory)
                    #expect(try await denied.exited() == Child.Exit(status: 1, bySignal: false))
                    #expect(denied.standardOutput.isEmpty)
                }
                let monitor = try peers.swift("zmq", ["monitor", "--type", "req", "--connect", endpoint] + mallory)
                _ = try await monitor.line(
                    startingWith: "handshake failed (authentication) \(endpoint): ZAP status 400", on: .stdout)
                monitor.terminate()

                let alice = try peers.swift("zmq", [
                    "req", "--connect", endpoint, "--curve-client", keys.file("alice.key_secret"),
                    "--server-key", keys.file("server.key"), "--timeout", "10", "from alice",
                ])
                try await alice.succeeded(timeout: .seconds(20))
                try await rep.succeeded(timeout: .seconds(20))
                #expect(alice.standardOutput == ["from alice"])
                // Not one of Mallory's requests reached the server's application.
                #expect(rep.standardOutput == ["from alice"])
                let denials = rep.standardError.filter { $0.hasPrefix("auth: 400 CURVE 127.0.0.1") }
                #expect(denials.count >= 4, "3 requests and the monitor were refused: \(rep.standardError)")
            }
        }

        @Test("--curve-server --any-client: warns, and lets in any client key")
        func curveAnyClient() async throws {
            try await withPeers { peers in
                let keys = try await Self.makeKeys(peers)
                let pull = try peers.swift("zmq", [
                    "pull", "--bind", anyLoopbackPort, "--curve-server", keys.file("server.key_secret"), "--any-client",
                    "--count", "1", "--timeout", "20",
                ])
                let endpoint = try await pull.endpoint()
                #expect(pull.standardError.contains { $0.hasPrefix("warning: --any-client: this CURVE server accepts any client key") })
                let push = try peers.swift("zmq", [
                    "push", "--connect", endpoint, "--curve-client", keys.file("mallory.key_secret"),
                    "--server-key", keys.file("server.key"), "--timeout", "10", "anyone",
                ])
                try await push.succeeded(timeout: .seconds(20))
                try await pull.succeeded(timeout: .seconds(20))
                #expect(pull.standardOutput == ["anyone"])
            }
        }

        @Test("proxy queue with a CURVE frontend: allowed clients reach a plain REP behind it")
        func curveProxy() async throws {
            try await withPeers { peers in
                let keys = try await Self.makeKeys(peers)
                let proxy = try peers.swift("zmq", [
                    "proxy", "queue", "--frontend", anyLoopbackPort, "--backend", anyLoopbackPort,
                    "--curve-server", keys.file("server.key_secret"), "--allow", keys.file("clients"),
                ])
                let frontend = try await proxy.endpoint("frontend")
                let backend = try await proxy.endpoint("backend")
                let rep = try peers.swift("zmq", ["rep", "--connect", backend, "--count", "1", "--timeout", "20"])
                let req = try peers.swift("zmq", [
                    "req", "--connect", frontend, "--curve-client", keys.file("alice.key_secret"),
                    "--server-key", keys.file("server.key"), "--timeout", "10", "through the device",
                ])
                try await req.succeeded(timeout: .seconds(20))
                try await rep.succeeded(timeout: .seconds(20))
                #expect(req.standardOutput == ["through the device"])
                #expect(rep.standardOutput == ["through the device"])
            }
        }

        // MARK: PLAIN

        @Test("rep --plain-server ↔ req --plain: the right password is answered, a wrong one gets nothing through")
        func plain() async throws {
            try await withPeers { peers in
                let rep = try peers.swift("zmq", [
                    "rep", "--bind", anyLoopbackPort, "--plain-server", "alice:open sesame", "--count", "1", "--timeout", "30",
                ])
                let endpoint = try await rep.endpoint()
                let wrong = try peers.swift("zmq", ["req", "--connect", endpoint, "--plain", "alice:guess", "--timeout", "1", "wrong"])
                #expect(try await wrong.exited() == Child.Exit(status: 1, bySignal: false))
                let right = try peers.swift("zmq", ["req", "--connect", endpoint, "--plain", "alice:open sesame", "--timeout", "10", "right"])
                try await right.succeeded(timeout: .seconds(20))
                try await rep.succeeded(timeout: .seconds(20))
                #expect(right.standardOutput == ["right"])
                #expect(rep.standardOutput == ["right"])
                #expect(rep.standardError.contains { $0.hasPrefix("auth: 400 PLAIN 127.0.0.1") }, "\(rep.standardError)")
                #expect(!rep.standardError.joined().contains("open sesame"), "the password is never printed")
            }
        }

        // MARK: monitor

        @Test("monitor --type req: prints the connection and the handshake with a REP")
        func monitorHandshake() async throws {
            try await withPeers { peers in
                let rep = try peers.swift("zmq", ["rep", "--bind", anyLoopbackPort])
                let endpoint = try await rep.endpoint()
                let monitor = try peers.swift("zmq", ["monitor", "--type", "req", "--connect", endpoint])
                _ = try await monitor.line(startingWith: "handshake succeeded \(endpoint)", on: .stdout)
                #expect(monitor.standardOutput.contains("connected \(endpoint)"), "\(monitor.standardOutput)")
                rep.terminate()
                _ = try await monitor.line(startingWith: "disconnected \(endpoint)", on: .stdout)
            }
        }

        @Test("monitor --bind --count: stops after that many events")
        func monitorCount() async throws {
            try await withPeers { peers in
                let monitor = try peers.swift("zmq", ["monitor", "--type", "pull", "--bind", anyLoopbackPort, "--count", "1"])
                try await monitor.succeeded()
                let endpoint = try await monitor.endpoint()
                #expect(monitor.standardOutput == ["listening \(endpoint)"])
            }
        }

        // MARK: errors

        @Test("bad key files and keys: one clear error naming the option and the file, exit status 1")
        func badKeys() async throws {
            try await withPeers { peers in
                let keys = try await Self.makeKeys(peers)
                let broken = keys.file("broken.key_secret")
                try Data("curve\n    public-key = \"short\"\n".utf8).write(to: URL(fileURLWithPath: broken))
                let serverKey = keys.file("server.key")
                let cases: [(arguments: [String], error: String)] = [
                    (["--curve-client", keys.file("missing.key_secret"), "--server-key", serverKey],
                     "Error: --curve-client \(keys.file("missing.key_secret")): "),
                    (["--curve-client", broken, "--server-key", serverKey], "Error: --curve-client \(broken):2: "),
                    (["--curve-client", keys.file("alice.key"), "--server-key", serverKey],
                     "Error: --curve-client \(keys.file("alice.key")): this is a public certificate (no secret-key)"),
                    (["--curve-client", keys.file("alice.key_secret"), "--server-key", String(repeating: "~", count: 40)],
                     "Error: --server-key: "),
                    (["--curve-client", keys.file("alice.key_secret"), "--server-key", keys.file("nothing.key")],
                     "Error: --server-key \(keys.file("nothing.key")): no such file, and not a key"),
                ]
                for (arguments, error) in cases {
                    let req = try peers.swift("zmq", ["req", "--connect", "tcp://127.0.0.1:9", "--timeout", "1", "x"] + arguments)
                    #expect(try await req.exited() == Child.Exit(status: 1, bySignal: false), "\(arguments)")
                    #expect(req.standardError.contains { $0.hasPrefix(error) }, "\(arguments): \(req.standardError)")
                    #expect(req.standardOutput.isEmpty)
                    let secret = try Certificate(contentsOfFile: keys.file("alice.key_secret")).secretKey?.z85 ?? "?"
                    #expect(!req.standardError.joined().contains(secret), "no secret key in errors")
                }
            }
        }

        @Test("security usage errors: exit status 64 with the rule broken")
        func usageErrors() async throws {
            try await withPeers { peers in
                let cases: [(arguments: [String], error: String)] = [
                    (["rep", "--bind", "x", "--curve-server", "s.key_secret"], "Error: --curve-server needs --allow DIR"),
                    (["rep", "--bind", "x", "--allow", "dir"], "Error: --allow DIR goes with --curve-server CERT"),
                    (["req", "--connect", "x", "--curve-client", "c.key_secret"], "Error: --curve-client needs --server-key KEY"),
                    (["req", "--connect", "x", "--plain", "nopassword"], "Error: --plain wants USER:PASS"),
                    (["req", "--connect", "x", "--plain", "a:b", "--curve-client", "c", "--server-key", "k"],
                     "Error: Give one security mechanism, not --curve-client and --plain."),
                    (["rep", "--bind", "x", "--curve-server", "s", "--allow", "d", "--any-client"],
                     "Error: Give --allow DIR or --any-client, not both."),
                ]
                for (arguments, error) in cases {
                    let zmq = try peers.swift("zmq", arguments)
                    #expect(try await zmq.exited() == Child.Exit(status: 64, bySignal: false), "\(arguments)")
                    #expect(zmq.standardError.contains { $0.hasPrefix(error) }, "\(arguments): \(zmq.standardError)")
                }
            }
        }

        // MARK: the example pair

        @Test("SecureEchoServer and SecureEchoClient: Alice is answered with her name, Mallory gets nothing through")
        func secureEchoExamples() async throws {
            try await withPeers { peers in
                let keys = try await Self.makeKeys(peers)
                let server = try peers.swift("SecureEchoServer", [
                    "--endpoint", anyLoopbackPort, "--certificate", keys.file("server.key_secret"),
                    "--allow", keys.file("clients"), "--count", "1",
                ])
                let endpoint = try await server.endpoint()
                let mallory = try peers.swift("SecureEchoClient", [
                    "--endpoint", endpoint, "--certificate", keys.file("mallory.key_secret"),
                    "--server-key", keys.file("server.key"), "--timeout", "1", "let me in",
                ])
                #expect(try await mallory.exited() == Child.Exit(status: 1, bySignal: false))
                #expect(mallory.standardOutput.isEmpty)
                let alice = try peers.swift("SecureEchoClient", [
                    "--endpoint", endpoint, "--certificate", keys.file("alice.key_secret"),
                    "--server-key", keys.file("server.key"), "--timeout", "10", "hello",
                ])
                try await alice.succeeded(timeout: .seconds(20))
                try await server.succeeded(timeout: .seconds(20))
                #expect(alice.standardOutput == ["Echo: hello"])
                let alicePublic = try Certificate(contentsOfFile: keys.file("alice.key")).publicKey.z85
                #expect(server.standardOutput == ["Echo: hello (from \(alicePublic))"])
                #expect(server.standardError.contains { $0.hasPrefix("auth: 400 CURVE") }, "\(server.standardError)")
            }
        }
    }
}
