import ArgumentParser
import ZeroMQ

/// `zmq sub`: a subscriber.
struct Sub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Subscribe to topics (SUB) and print the messages that match.",
        discussion: """
            Subscribes to each --topic (a prefix of the message; by default everything) and prints \
            each message on its own line until --count messages (forever without it: stop with \
            Ctrl-C), or until nothing arrives for --timeout seconds (an error). The topic is matched \
            against the start of the first frame.

            Multipart: frames are joined by " | "; --frames SEP joins them with SEP instead, and \
            --raw prints their bytes unescaped, so `--frames SEP --raw` prints lines that a sending \
            command with --frames SEP sends again as the same frames.

            Examples:
              zmq sub --connect tcp://127.0.0.1:5680 --topic 1
              zmq sub --connect tcp://127.0.0.1:5682 --topic weather --topic traffic
              zmq sub --connect tcp://127.0.0.1:5680 --frames '|' --topic weather
            """
    )

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var options: RunOptions
    @OptionGroup var framing: FramesOption
    @OptionGroup var output: RawOption

    @Option(
        help: ArgumentHelp(
            "Receive messages that start with this prefix (repeatable; default: everything).", valueName: "prefix"))
    var topic: [String] = []

    func run() async throws {
        let (endpoints, topics) = (endpoints, topic.isEmpty ? [""] : topic)
        try await Session.run(options.settings(Framing(separator: framing.separator, raw: output.raw))) { session in
            let socket = try await session.open(SubSocket.self, endpoints)
            for topic in topics { try await socket.subscribe(to: topic) }
            try await session.receiveAll(from: socket)
        }
    }
}
