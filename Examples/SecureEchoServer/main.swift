// SecureEchoServer: the echo server (EchoServer) behind CURVE. The traffic is encrypted, and
// only clients whose public certificate is in a directory get a message through; the others'
// handshakes are refused by a ZAP authenticator, so not one of their messages reaches the code.
//
//   swift run zmq keygen --out server               # server.key (public), server.key_secret
//   mkdir clients
//   swift run zmq keygen --out alice                # alice.key, alice.key_secret
//   cp alice.key clients/                           # allow Alice
//   swift run SecureEchoServer --certificate server.key_secret --allow clients
//   swift run SecureEchoClient --certificate alice.key_secret --server-key server.key hello
//
// It prints `Echo: <request> (from <user>)` for each request, where <user> is the `name` in
// the client's certificate metadata, or its public key: the User-Id the authenticator gave the
// connection. Each decision goes to standard error as `auth: <status> CURVE <address> ...`.
//
// The setup, without the flags: load the keys and the allow-list, run an authenticator on the
// context, make the socket a CURVE server, bind.
import ArgumentParser
import ExampleSupport
import ZeroMQ

@main
struct SecureEchoServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A CURVE echo server: replies `Echo: <request>` to clients whose key is in --allow.",
        discussion: """
            Binds --endpoint and prints `listening on <endpoint>` to standard error. Runs until \
            interrupted, or until it has answered --count requests.
            """
    )

    @Option(help: "The endpoint to bind.")
    var endpoint = "tcp://127.0.0.1:5683"

    @Option(help: ArgumentHelp("The server's secret certificate (both keys).", valueName: "NAME.key_secret"))
    var certificate = "server.key_secret"

    @Option(help: ArgumentHelp("The directory of the allowed clients' public certificates (NAME.key).", valueName: "dir"))
    var allow = "clients"

    @Option(help: "Stop after answering this many requests (0: never).")
    var count = 0

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
    }

    func run() async throws {
        useLineBufferedStandardOutput()
        guard let keys = try Certificate(contentsOfFile: certificate).keys else {
            throw ValidationError("\(certificate) holds no secret key: give the NAME.key_secret file.")
        }
        let allowed = try CertificateStore(directory: allow)
        let policy = ZAPPolicy(curve: .decidedBy { client in
            guard let known = allowed.certificate(for: client.publicKey) else { return .deny(reason: "not in the allow-list") }
            return .allow(userID: known.metadata["name"] ?? client.publicKey.z85)
        })
        try await Context.withContext { context in
            try await ZAPAuthenticator.withAuthenticator(context, configuration: ZAPAuthenticatorConfiguration(policy: policy)) { authenticator in
                let decisions = Task { for await event in authenticator.events() { printToStandardError("auth: \(event)") } }
                defer { decisions.cancel() }
                let server = try RepSocket(context)
                await server.setKeepsMessageMetadata(true)                // to read each request's User-Id
                try await server.setSecurity(.curveServer(keys: keys))    // refused without an authenticator
                announceListening(on: try await server.bind(endpoint))
                try await serve(server)
            }
        }
    }

    private func serve(_ server: RepSocket) async throws {
        var answered = 0
        for try await request in server.requests {
            let text = String(decoding: request.message.bytes, as: UTF8.self)
            try await request.reply("Echo: " + text)
            print("Echo: \(text) (from \(request.message[0].userID ?? "?"))")
            answered += 1
            if answered == count { break }
        }
    }
}
