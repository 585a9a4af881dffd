// EchoClient: the seed's client.py. A REQ socket sends its command-line words, joined by
// spaces, as one request and prints the reply.
//
//   swift run EchoServer                      # binds tcp://127.0.0.1:5678
//   swift run EchoClient hello world!         # prints "Echo: hello world!"
//
// `--count 3` asks three times; `--timeout 2` gives up (exit status 1) when a reply takes
// longer than two seconds, for example when no server is running.
import ArgumentParser
import ExampleSupport
import ZeroMQ

@main
struct EchoClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A REQ client: sends its words as one request and prints the reply (client.py).",
        discussion: """
            Connects to --endpoint. Without --timeout it waits for the server as long as it takes, \
            like the seed; with it, a missing reply ends the program with an error.
            """
    )

    @Option(help: "The endpoint to connect to.")
    var endpoint = "tcp://127.0.0.1:5678"

    @Option(help: "How many times to send the request (0: forever).")
    var count = 1

    @Option(help: "Seconds to wait for each reply before giving up (default: wait forever).")
    var timeout: Double?

    @Argument(help: "The words of the request, joined by spaces.")
    var words: [String] = []

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be more than 0 seconds.") }
    }

    func run() async throws {
        useLineBufferedStandardOutput()
        // The context, and every socket made on it, is shut down when the closure ends.
        try await Context.withContext { context in try await ask(in: context) }
    }

    private func ask(in context: Context) async throws {
        let client = try ReqSocket(context)
        // Without a server a request waits in the socket's queue; don't hold up the exit for it.
        try await client.setOption(.linger, to: .zero)
        try await client.connect(endpoint)

        let request = words.joined(separator: " ")
        var asked = 0
        while count == 0 || asked < count {
            asked += 1
            let reply = try await client.request(request, timeout: timeout.map { .seconds($0) })
            print(String(decoding: reply.bytes, as: UTF8.self))
        }
    }
}
