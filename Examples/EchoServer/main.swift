// EchoServer: the seed's server.py. A REP socket answers every request with `Echo: <request>`
// and prints the same line.
//
//   swift run EchoServer                      # binds tcp://127.0.0.1:5678
//   swift run EchoClient hello world!         # another terminal; prints "Echo: hello world!"
//
// Behind the Queue device (which binds both its ports), connect instead of binding:
//
//   swift run QueueDevice
//   swift run EchoServer --connect --endpoint tcp://127.0.0.1:5677
//   swift run EchoClient --endpoint tcp://127.0.0.1:5679 hello
import ArgumentParser
import ExampleSupport
import ZeroMQ

@main
struct EchoServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A REP echo server: replies `Echo: <request>` to each request and prints it (server.py).",
        discussion: """
            Binds --endpoint and prints `listening on <endpoint>` to standard error, or connects to it \
            with --connect (to sit behind QueueDevice's backend). Runs until interrupted, or until it \
            has answered --count requests.
            """
    )

    @Option(help: "The endpoint to bind, or to connect to with --connect.")
    var endpoint = "tcp://127.0.0.1:5678"

    @Flag(help: "Connect to --endpoint instead of binding it.")
    var connect = false

    @Option(help: "Stop after answering this many requests (0: never).")
    var count = 0

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
    }

    func run() async throws {
        useLineBufferedStandardOutput()
        // The context, and every socket made on it, is shut down when the closure ends.
        try await Context.withContext { context in try await serve(in: context) }
    }

    private func serve(in context: Context) async throws {
        let server = try RepSocket(context)
        if connect {
            try await server.connect(endpoint)
        } else {
            announceListening(on: try await server.bind(endpoint))
        }

        var answered = 0
        for try await request in server.requests {
            let reply = "Echo: " + String(decoding: request.message.bytes, as: UTF8.self)
            try await request.reply(reply)
            print(reply)
            answered += 1
            if answered == count { break }
        }
    }
}
