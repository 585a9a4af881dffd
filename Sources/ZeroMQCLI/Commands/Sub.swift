import ArgumentParser
import ZeroMQ

/// `zmq sub`: a subscriber.
struct Sub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Subscribe to topics (SUB) and print the messages that match.",
        discussion: """
            Subscribes to each --topic (a prefix of the message; by default everything) and prints \
            each message on its own line until --count messages (forever without it: stop with \
            Ctrl-C), or until nothing arrives for --timeout seconds (an error).

            Examples:
              zmq sub --connect tcp://127.0.0.1:5680 --topic 1
              zmq sub --connect tcp://127.0.0.1:5682 --topic weather --topic traffic
            """
    )

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var options: RunOptions

    @Option(help: ArgumentHelp("Receive messages that start with this prefix (repeatable; default: everything).", valueName: "prefix"))
    var topic: [String] = []

    func run() async throws {
        let (endpoints, topics) = (endpoints, topic.isEmpty ? [""] : topic)
        try await Session.run(options.settings) { session in
            let socket = try await session.open(SubSocket.self, endpoints)
            for topic in topics { try await socket.subscribe(to: topic) }
            try await session.receiveAll(from: socket)
        }
    }
}
