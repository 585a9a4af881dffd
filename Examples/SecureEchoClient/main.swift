// SecureEchoClient: the echo client (EchoClient) over CURVE. It knows the server by its public
// key, and presents a key pair of its own, which the server must have in its allow-list.
//
//   swift run SecureEchoServer --certificate server.key_secret --allow clients
//   swift run SecureEchoClient --certificate alice.key_secret --server-key server.key hello
//                                                          # prints "Echo: hello"
//
// See SecureEchoServer for making the keys. With a wrong server key, or a client key the
// server does not allow, the handshake fails and no request ever reaches the server: give
// `--timeout 2` to end with an error (exit status 1) instead of waiting. `zmq monitor` with the
// same keys (`--curve-client`, `--server-key`) shows why: `handshake failed (authentication) ...:
// ZAP status 400`.
//
// The setup, without the flags: load the two keys, make the socket a CURVE client, connect.
import ArgumentParser
import ExampleSupport
import ZeroMQ

@main
struct SecureEchoClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A CURVE REQ client: sends its words as one request to SecureEchoServer and prints the reply."
    )

    @Option(help: "The endpoint to connect to.")
    var endpoint = "tcp://127.0.0.1:5683"

    @Option(help: ArgumentHelp("The client's secret certificate (both keys).", valueName: "NAME.key_secret"))
    var certificate = "client.key_secret"

    @Option(name: .customLong("server-key"), help: ArgumentHelp("The server's public certificate.", valueName: "NAME.key"))
    var serverKey = "server.key"

    @Option(help: "How many times to send the request.")
    var count = 1

    @Option(help: "Seconds to wait for each reply before giving up (default: wait forever).")
    var timeout: Double?

    @Argument(help: "The words of the request, joined by spaces.")
    var words: [String] = []

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be 1 or more.") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be more than 0 seconds.") }
    }

    func run() async throws {
        useLineBufferedStandardOutput()
        guard let keys = try Certificate(contentsOfFile: certificate).keys else {
            throw ValidationError("\(certificate) holds no secret key: give the NAME.key_secret file.")
        }
        let server = try Certificate(contentsOfFile: serverKey).publicKey
        try await Context.withContext { context in
            let client = try ReqSocket(context)
            try await client.setOption(.linger, to: .zero)
            try await client.setSecurity(.curveClient(serverKey: server, clientKeys: keys))
            try await client.connect(endpoint)
            for _ in 0..<count {
                let reply = try await client.request(words.joined(separator: " "), timeout: timeout.map { .seconds($0) })
                print(String(decoding: reply.bytes, as: UTF8.self))
            }
        }
    }
}
