// PairBind: the seed's bind.py. A PAIR socket binds tcp://127.0.0.1:5696: one exclusive
// two-way channel with PairConnect at the other end.
//
//   swift run PairBind --count 3              # binds tcp://127.0.0.1:5696
//   swift run PairConnect --count 3           # another terminal
//
// The seed only opens the channel; here each side also uses it both ways: it sends
// `bind #<id> >> <time>` every --interval seconds and prints `Received: <message>` for each
// message from the other side, and stops once it has sent --count and received --count.
import ArgumentParser
import ExampleSupport
import ZeroMQ

@main
struct PairBind: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The binding end of a PAIR channel; sends and receives at once (bind.py).",
        discussion: """
            Every --interval seconds sends `bind #<id> >> <time>`; prints `Received: <message>` for \
            each message from PairConnect. With --count N, stops after sending N and receiving N.
            """
    )

    @Option(help: "The endpoint to bind.")
    var endpoint = "tcp://127.0.0.1:5696"

    @Option(help: "How many messages to send, and to receive, before stopping (0: never stop).")
    var count = 0

    @Option(help: "Seconds to wait before each message.")
    var interval = 1.0

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
        guard interval >= 0 else { throw ValidationError("--interval must be 0 or more seconds.") }
    }

    func run() async throws {
        useLineBufferedStandardOutput()
        // The context, and every socket made on it, is shut down when the closure ends.
        try await Context.withContext { context in try await talk(in: context) }
    }

    private func talk(in context: Context) async throws {
        let pair = try PairSocket(context)
        announceListening(on: try await pair.bind(endpoint))

        // Examples/Support/PairChannel.swift: send and receive at once until --count each way.
        try await ExampleSupport.talk(over: pair, as: "bind", count: count, interval: interval)
    }
}
