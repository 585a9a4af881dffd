// Subscriber: the seed's sub.py. A SUB socket subscribes to the prefix "1" and prints every
// message it gets.
//
//   swift run Publisher                       # binds tcp://127.0.0.1:5680
//   swift run Subscriber                      # another terminal; prints the "1-Update!" lines
//   swift run Subscriber --topic ""           # everything, "2-Update!" too
//
// Behind the Forwarder device: `swift run Subscriber --endpoint tcp://127.0.0.1:5682`.
import ArgumentParser
import ExampleSupport
import ZeroMQ

@main
struct Subscriber: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A SUB socket printing the updates whose prefix it subscribed to (sub.py).",
        discussion: """
            Connects to --endpoint and subscribes to --topic, a prefix of the message; the empty \
            topic receives everything. Prints each message on its own line.
            """
    )

    @Option(help: "The endpoint to connect to.")
    var endpoint = "tcp://127.0.0.1:5680"

    @Option(help: "The prefix to subscribe to (\"\": everything).")
    var topic = "1"

    @Option(help: "Stop after this many messages (0: never).")
    var count = 0

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
    }

    func run() async throws {
        useLineBufferedStandardOutput()
        // The context, and every socket made on it, is shut down when the closure ends.
        try await Context.withContext { context in try await listen(in: context) }
    }

    private func listen(in context: Context) async throws {
        let subscriber = try SubSocket(context)
        try await subscriber.connect(endpoint)

        var received = 0
        for try await update in try await subscriber.subscribe(to: topic) {
            print(String(decoding: update.bytes, as: UTF8.self))
            received += 1
            if received == count { break }
        }
    }
}
