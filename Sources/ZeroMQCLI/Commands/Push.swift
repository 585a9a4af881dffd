import ArgumentParser
import ZeroMQ

/// `zmq push`: the sending end of a pipeline.
struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send messages down a pipeline (PUSH); connected pullers take turns.",
        discussion: """
            Sends each argument as one message, or each line of standard input, or with --size \
            generated payloads, then exits. --count N sends N messages (repeating the arguments if \
            needed). Messages go only to pullers that are connected: with none, it waits (see \
            --timeout). Messages still queued at exit get --linger seconds (default 1) to leave.

            Multipart: with --frames SEP each message is split at SEP into frames \
            (`--frames '|' 'topic|body'` sends two frames).

            Examples:
              zmq push --connect tcp://127.0.0.1:5690 'task 1' 'task 2'
              seq 100 | zmq push --bind 'tcp://127.0.0.1:*'
              zmq push --connect tcp://127.0.0.1:5690 --size 100 --count 100000 --quiet
              printf 'job|1\\njob|2\\n' | zmq push --connect tcp://127.0.0.1:5690 --frames '|'
            """
    )

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var options: RunOptions
    @OptionGroup var sending: SendOptions

    func run() async throws {
        let framing = Framing(separator: sending.framing.separator)
        let (endpoints, messages, pause) = (
            endpoints, sending.outgoing(limit: options.count, framing: framing), sending.pause
        )
        try await Session.run(options.settings(framing)) { session in
            let socket = try await session.open(PushSocket.self, endpoints, immediate: true)
            try await session.sendAll(messages, through: socket, pause: pause)
        }
    }
}
