import Foundation
import Testing
import ZeroMQ

/// A fresh directory under the test process's temporary directory.
private func makeCurveDirectory(_ label: String) throws -> String {
    let path = "\(TemporaryDirectory.shared.path)/curve-\(label)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// `zmq.auth.create_certificates(directory, name)` in pyzmq (Tests/PythonPeers/certificates.py):
/// writes `<directory>/<name>.key` and `<directory>/<name>.key_secret`.
private func pyzmqCreateCertificates(in directory: String, named name: String) async throws {
    let script = Locations.pythonPeers.appendingPathComponent("certificates.py").path
    let child = try Child(name: "certificates.py", executable: Locations.python.get(), arguments: ["-u", script, "create", directory, name])
    do {
        try await child.succeeded(timeout: .seconds(30))
    } catch {
        child.terminate()
        throw HarnessError("\(error)\n\(child.transcript())")
    }
}

/// A request the Swift REP server answered: its text and the User-Id libzmq attached to it.
private struct ServedRequest: Sendable, Equatable {
    var text: String
    var userID: String?
}

/// What the Swift CURVE server of a test saw.
private struct SwiftServerView: Sendable {
    /// The server's endpoint (`tcp://127.0.0.1:<port>`).
    var endpoint: String
    /// The server's public certificate, written by ``Certificate/write(to:)``, for pyzmq to load.
    var publicCertificate: String
    /// The requests that reached the application.
    var requests: Locked<[ServedRequest]>
    /// The authenticator's decisions.
    var events: Locked<[AuthenticationEvent]>
}

/// Runs `body` while a Swift REP server, CURVE, guarded by a ``ZAPAuthenticator`` whose allow-list
/// is a ``CertificateStore`` loading `allowedDirectory`, answers `reply: <request>` to every request.
private func withSwiftCurveServer<T: Sendable>(
    allowing allowedDirectory: String,
    _ body: @escaping @Sendable (SwiftServerView) async throws -> T
) async throws -> T {
    let context = try makeContext()
    let serverKeys = try CurveKeyPair.generate()
    let serverDirectory = try makeCurveDirectory("swift-server")
    let written = try Certificate(keys: serverKeys, metadata: ["name": "swift server"]).write(to: "\(serverDirectory)/server")
    let store = try CertificateStore(directory: allowedDirectory)
    let configuration = ZAPAuthenticatorConfiguration(policy: ZAPPolicy(curve: .certificates(store)))
    do {
        let result = try await ZAPAuthenticator.withAuthenticator(context, configuration: configuration) { authenticator in
            let events = Locked<[AuthenticationEvent]>([])
            let stream = authenticator.events()
            let collecting = Task { for await event in stream { events.withLock { $0.append(event) } } }
            let server = try RepSocket(context)
            await server.setKeepsMessageMetadata(true)
            try await server.setSecurity(.curveServer(keys: serverKeys))
            let endpoint = try await server.bind("tcp://127.0.0.1:*")
            let requests = Locked<[ServedRequest]>([])
            let serving = Task {
                while !Task.isCancelled {
                    let message: Message
                    do {
                        message = try await server.receive(timeout: .milliseconds(100))
                    } catch let error as ZeroMQError where error.code == .timedOut {
                        continue
                    } catch {
                        return
                    }
                    let text = message.string ?? "<not UTF-8>"
                    requests.withLock { $0.append(ServedRequest(text: text, userID: message[0].userID)) }
                    try? await server.send("reply: \(text)", timeout: .seconds(5))
                }
            }
            let view = SwiftServerView(endpoint: endpoint, publicCertificate: written.publicFile, requests: requests, events: events)
            let outcome: Result<T, any Error>
            do {
                outcome = .success(try await body(view))
            } catch {
                outcome = .failure(error)
            }
            serving.cancel()
            await serving.value
            await server.close()
            collecting.cancel()
            return try outcome.get()
        }
        await context.shutdown()
        return result
    } catch {
        await context.shutdown()
        throw error
    }
}

/// The integer of the line `"<prefix> <n>"` in `lines`.
private func count(_ prefix: String, in lines: [String]) throws -> Int {
    guard let line = lines.last(where: { $0.hasPrefix(prefix + " ") }), let value = Int(line.dropFirst(prefix.count + 1)) else {
        throw HarnessError("no line \"\(prefix) <number>\" in \(lines)")
    }
    return value
}

/// Live CURVE between swift-zeromq and pyzmq, each side authenticating with the other's
/// certificate files: a pyzmq client (keys from `zmq.auth.create_certificates`) against our REP
/// server guarded by our ``ZAPAuthenticator`` and a ``CertificateStore``; and our client (keys
/// written by ``Certificate/write(to:)``) against a pyzmq REP server guarded by pyzmq's
/// `ThreadAuthenticator` (`configure_curve(domain='*', location=DIR)`). Peer: Tests/PythonPeers/curve_peer.py.
@Suite("CURVE with pyzmq's zmq.auth, both directions", .serialized, .timeLimit(.minutes(5)))
struct CurveInteropTests {
    @Test("a pyzmq client whose public certificate is in our store gets replies; our REP reads its User-Id")
    func pyzmqClientAllowed() async throws {
        try await withDeadline(90) {
            let secrets = try makeCurveDirectory("pyzmq-secrets")
            let allowed = try makeCurveDirectory("allowed")
            try await pyzmqCreateCertificates(in: secrets, named: "client")
            try FileManager.default.moveItem(atPath: "\(secrets)/client.key", toPath: "\(allowed)/client.key")
            let clientKey = try Certificate(contentsOfFile: "\(allowed)/client.key").publicKey.z85

            try await withSwiftCurveServer(allowing: allowed) { server in
                try await withPeers { peers in
                    let client = try peers.python("curve_peer.py", [
                        "client", "--endpoint", server.endpoint, "--server-cert", server.publicCertificate,
                        "--client-cert", "\(secrets)/client.key_secret", "--attempts", "3", "--timeout", "10",
                    ])
                    try await client.succeeded(timeout: .seconds(60))
                    let output = client.standardOutput
                    #expect(output.filter { $0.hasPrefix("reply ") } == (1...3).map { "reply reply: hello #\($0)" })
                    #expect(try count("replies", in: output) == 3)
                    #expect(try count("auth-failures", in: output) == 0)
                }
                #expect(server.requests.withLock { $0 } == (1...3).map { ServedRequest(text: "hello #\($0)", userID: clientKey) })
                try await waitUntil("3 authentication events", timeout: .seconds(10)) { server.events.withLock { $0.count } >= 3 }
                let events = server.events.withLock { $0 }
                #expect(events.count == 3, "one handshake per attempt: \(events)")
                #expect(events.allSatisfy { $0.status == .success && $0.mechanism == .curve && $0.identity == clientKey && $0.userID == clientKey })
            }
        }
    }

    @Test("a pyzmq client whose key is not in our store gets nothing through: 0 requests, ZAP status 400")
    func pyzmqClientRefused() async throws {
        try await withDeadline(90) {
            let allowed = try makeCurveDirectory("allowed")
            let intruderDirectory = try makeCurveDirectory("intruder")
            try await pyzmqCreateCertificates(in: allowed, named: "member")  // the store is not empty
            try await pyzmqCreateCertificates(in: intruderDirectory, named: "intruder")
            let intruderKey = try Certificate(contentsOfFile: "\(intruderDirectory)/intruder.key").publicKey.z85

            try await withSwiftCurveServer(allowing: allowed) { server in
                let attempts = 4
                try await withPeers { peers in
                    // 4 fresh sockets, each waiting 0.5 s for a reply: about 2 s of attempts.
                    let client = try peers.python("curve_peer.py", [
                        "client", "--endpoint", server.endpoint, "--server-cert", server.publicCertificate,
                        "--client-cert", "\(intruderDirectory)/intruder.key_secret",
                        "--attempts", "\(attempts)", "--timeout", "0.5",
                    ])
                    try await client.succeeded(timeout: .seconds(60))
                    let output = client.standardOutput
                    #expect(try count("replies", in: output) == 0)
                    #expect(output.filter { $0.hasPrefix("no-reply ") }.count == attempts)
                    // The client's monitor saw the server's ZAP status.
                    let failures = try count("auth-failures", in: output)
                    #expect(failures >= 1)
                    #expect(output.filter { $0.hasPrefix("handshake-failed-auth ") }.allSatisfy { $0 == "handshake-failed-auth 400" })
                }
                #expect(server.requests.withLock { $0 }.isEmpty, "requests reached the application")
                try await waitUntil("an authentication event", timeout: .seconds(10)) { !server.events.withLock { $0 }.isEmpty }
                let events = server.events.withLock { $0 }
                #expect((1...attempts).contains(events.count), "one handshake per attempt, no retries: \(events)")
                #expect(events.allSatisfy { $0.status == .authenticationFailure && $0.identity == intruderKey && $0.userID == nil })
                #expect(events.allSatisfy { $0.reason == "client key \(intruderKey) is not in the certificate store" })
            }
        }
    }

    /// Keys for a Swift client: the full certificate in a private directory, the public one in
    /// `allowed` when given; both written by ``Certificate/write(to:)``. Returns the keys as read
    /// back from the secret file.
    private func makeSwiftClientKeys(allowedIn allowed: String?) throws -> CurveKeyPair {
        let keys = try CurveKeyPair.generate()
        let secrets = try makeCurveDirectory("swift-secrets")
        let written = try Certificate(keys: keys, metadata: ["name": "swift client"]).write(to: "\(secrets)/client")
        if let allowed {
            try Certificate(publicKey: keys.publicKey, metadata: ["name": "swift client"]).write(to: "\(allowed)/swift-client")
        }
        guard let secretFile = written.secretFile, let loaded = try Certificate(contentsOfFile: secretFile).keys else {
            throw HarnessError("the secret certificate was not written")
        }
        return loaded
    }

    /// Starts curve_peer.py's server (pyzmq ThreadAuthenticator over `allowed`) with keys from
    /// pyzmq's create_certificates; returns it, its endpoint and its public key.
    private func startPythonServer(_ peers: Peers, allowing allowed: String) async throws -> (Child, String, CurvePublicKey) {
        let serverDirectory = try makeCurveDirectory("pyzmq-server")
        try await pyzmqCreateCertificates(in: serverDirectory, named: "server")
        let serverKey = try Certificate(contentsOfFile: "\(serverDirectory)/server.key").publicKey
        let server = try peers.python("curve_peer.py", [
            "server", "--server-cert", "\(serverDirectory)/server.key_secret", "--allowed", allowed, "--run", "60",
        ])
        return (server, try await server.endpoint(timeout: .seconds(20)), serverKey)
    }

    @Test("our client with a certificate we wrote into pyzmq's ThreadAuthenticator directory gets replies")
    func swiftClientAllowed() async throws {
        try await withDeadline(90) {
            let allowed = try makeCurveDirectory("allowed")
            let clientKeys = try makeSwiftClientKeys(allowedIn: allowed)
            let context = try makeContext()
            do {
                try await withPeers { peers in
                    let (server, endpoint, serverKey) = try await startPythonServer(peers, allowing: allowed)
                    let client = try ReqSocket(context)
                    try await client.setOption(.linger, to: .zero)
                    try await client.setSecurity(.curveClient(serverKey: serverKey, clientKeys: clientKeys))
                    try await client.connect(endpoint)
                    for number in 1...3 {
                        try await client.send("swift #\(number)")
                        let reply = try await client.receive(timeout: .seconds(10))
                        #expect(reply.string == "reply: swift #\(number)")
                    }
                    await client.close()
                    server.terminate()
                    try await server.succeeded(timeout: .seconds(20))
                    let output = server.standardOutput
                    #expect(output.filter { $0.hasPrefix("request ") } == (1...3).map { "request swift #\($0) user-id=\(clientKeys.publicKey.z85)" })
                    #expect(try count("requests", in: output) == 3)
                    #expect(try count("auth-failures", in: output) == 0)
                }
            } catch {
                await context.shutdown()
                throw error
            }
            await context.shutdown()
        }
    }

    @Test("our client with a key not in pyzmq's directory gets no reply; the pyzmq server counts 0 requests")
    func swiftClientRefused() async throws {
        try await withDeadline(90) {
            let allowed = try makeCurveDirectory("allowed")
            _ = try makeSwiftClientKeys(allowedIn: allowed)  // someone else is allowed
            let intruderKeys = try makeSwiftClientKeys(allowedIn: nil)
            let context = try makeContext()
            do {
                try await withPeers { peers in
                    let (server, endpoint, serverKey) = try await startPythonServer(peers, allowing: allowed)
                    let client = try ReqSocket(context)
                    try await client.setOption(.linger, to: .zero)
                    try await client.setSecurity(.curveClient(serverKey: serverKey, clientKeys: intruderKeys))
                    try await client.connect(endpoint)
                    try await client.send("intruder")
                    await #expect(throws: ZeroMQError.self) { _ = try await client.receive(timeout: .seconds(2)) }
                    await client.close()
                    // pyzmq's authenticator said 400 (the server's monitor saw it), then no request came.
                    let status = try await server.line(startingWith: "handshake-failed-auth ", on: .stdout, timeout: .seconds(10))
                    #expect(status == "400")
                    server.terminate()
                    try await server.succeeded(timeout: .seconds(20))
                    let output = server.standardOutput
                    #expect(try count("requests", in: output) == 0)
                    #expect(output.filter { $0.hasPrefix("request ") }.isEmpty)
                    #expect(try count("auth-failures", in: output) >= 1)
                    #expect(!output.contains("handshake-succeeded"))
                }
            } catch {
                await context.shutdown()
                throw error
            }
            await context.shutdown()
        }
    }
}
