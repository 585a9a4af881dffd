import ArgumentParser
import ZeroMQ

/// `zmq pair`: one end of an exclusive two-way channel.
struct Pair: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Talk over an exclusive two-way channel (PAIR): send and print at the same time.",
        discussion: """
            Sends each argument as one message, or each line of standard input (type to chat), or \
            with --size generated payloads, and meanwhile prints every message from the other end. \
            With --count N it sends N messages (repeating the arguments if needed; fewer if \
            standard input ends first) and stops once it has also received N; without --count it \
            keeps printing until Ctrl-C, or until nothing arrives for --timeout seconds (an error).

            Multipart: with --frames SEP each message sent is split at SEP into frames, and the \
            frames of each message printed are joined by SEP (` | ` without it); --raw prints \
            their bytes unescaped.

            Examples:
              zmq pair --bind tcp://127.0.0.1:5696
              zmq pair --connect tcp://127.0.0.1:5696 --count 3 --interval 1 hello
              zmq pair --bind 'tcp://127.0.0.1:*' --count 3 < /dev/null
            """
    )

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var options: RunOptions
    @OptionGroup var sending: SendOptions
    @OptionGroup var output: RawOption

    func run() async throws {
        let framing = Framing(separator: sending.framing.separator, raw: output.raw)
        let (endpoints, messages, pause) = (
            endpoints, sending.outgoing(limit: options.count, framing: framing), sending.pause
        )
        try await Session.run(options.settings(framing)) { session in
            let socket = try await session.open(PairSocket.self, endpoints)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var first = true
                    for await message in messages {
                        if let pause, !first { try await Task.sleep(for: pause) }
                        first = false
                        try await session.send(message, through: socket)
                    }
                }
                group.addTask {
                    try await session.receiveAll(from: socket)
                }
                try await group.waitForAll()
            }
        }
    }
}
