// Publisher: the seed's pub.py. A PUB socket sends two updates every second, one for topic
// "1" and one for topic "2"; subscribers get the ones whose prefix they subscribed to.
//
//   swift run Publisher                       # binds tcp://127.0.0.1:5680
//   swift run Subscriber                      # another terminal; prints the "1-Update!" lines
//
// Through the Forwarder device, connect instead of binding:
//
//   swift run Forwarder
//   swift run Publisher --connect --endpoint tcp://127.0.0.1:5681
//   swift run Subscriber --endpoint tcp://127.0.0.1:5682
//
// A publisher drops what no subscriber has asked for yet, so a subscriber that joins late
// misses the first updates (libzmq's "slow joiner"). Like the seed, the id goes up by two
// each round: 1, 3, 5, ...
import ArgumentParser
import ExampleSupport
import ZeroMQ

@main
struct Publisher: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A PUB socket publishing `1-Update!` and `2-Update!` messages (pub.py).",
        discussion: """
            Every --interval seconds sends `1-Update! >> #<id> >> <time>` then \
            `2-Update! >> #<id> >> <time>`. Prints nothing to standard output; binds --endpoint and \
            prints `listening on <endpoint>` to standard error, or connects with --connect.
            """
    )

    @Option(help: "The endpoint to bind, or to connect to with --connect.")
    var endpoint = "tcp://127.0.0.1:5680"

    @Flag(help: "Connect to --endpoint instead of binding it (to the Forwarder's frontend).")
    var connect = false

    @Option(help: "Stop after this many rounds of two updates (0: never).")
    var count = 0

    @Option(help: "Seconds to wait before each round.")
    var interval = 1.0

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more.") }
        guard interval >= 0 else { throw ValidationError("--interval must be 0 or more seconds.") }
    }

    func run() async throws {
        useLineBufferedStandardOutput()
        // The context shuts down when the closure ends, which gives the last updates the socket's linger to leave.
        try await Context.withContext { context in try await publish(in: context) }
    }

    private func publish(in context: Context) async throws {
        let publisher = try PubSocket(context)
        if connect {
            try await publisher.connect(endpoint)
        } else {
            announceListening(on: try await publisher.bind(endpoint))
        }

        var id = 0
        var rounds = 0
        while count == 0 || rounds < count {
            try await Task.sleep(for: .seconds(interval))
            id += 1
            let now = ctime()
            try await publisher.send("1-Update! >> #\(id) >> \(now)")
            try await publisher.send("2-Update! >> #\(id) >> \(now)")
            id += 1
            rounds += 1
        }
    }
}
