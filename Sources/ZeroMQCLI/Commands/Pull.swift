import ArgumentParser
import ZeroMQ

/// `zmq pull`: the receiving end of a pipeline.
struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive messages from a pipeline (PULL) and print them.",
        discussion: """
            Prints each message on its own line until --count messages (forever without it: stop \
            with Ctrl-C), or until nothing arrives for --timeout seconds (an error).

            Multipart: frames are joined by " | "; --frames SEP joins them with SEP instead, and \
            --raw prints their bytes unescaped, so `--frames SEP --raw` prints lines that a sending \
            command with --frames SEP sends again as the same frames.

            Examples:
              zmq pull --bind tcp://127.0.0.1:5690 --count 10
              zmq pull --connect tcp://127.0.0.1:5692 --timeout 5
              zmq pull --bind 'tcp://127.0.0.1:*' --count 100000 --quiet
              zmq pull --bind tcp://127.0.0.1:5690 --frames '|' --raw > messages.txt
            """
    )

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var options: RunOptions
    @OptionGroup var framing: FramesOption
    @OptionGroup var output: RawOption

    func run() async throws {
        let endpoints = endpoints
        try await Session.run(options.settings(Framing(separator: framing.separator, raw: output.raw))) { session in
            let socket = try await session.open(PullSocket.self, endpoints)
            try await session.receiveAll(from: socket)
        }
    }
}
