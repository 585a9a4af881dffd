import ArgumentParser
import ZeroMQ

/// `zmq rep`: a request/reply server.
struct Rep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer requests (REP): print each request and echo it back, or send --reply.",
        discussion: """
            Prints each request on its own line and replies with the request itself (all its \
            frames), or with --reply TEXT. Stops after --count requests (forever without it: stop \
            with Ctrl-C), or when no request arrives for --timeout seconds (an error).

            Multipart: with --frames SEP the frames of each request are printed joined by SEP \
            (` | ` without it), and --reply is split at SEP into frames; --raw prints their bytes \
            unescaped.

            Examples:
              zmq rep --bind tcp://127.0.0.1:5678
              zmq rep --connect tcp://127.0.0.1:5677 --reply 'World' --count 10
              zmq rep --bind tcp://127.0.0.1:5678 --frames '|' --reply 'status|ok'
            """
    )

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var options: RunOptions
    @OptionGroup var framing: FramesOption
    @OptionGroup var output: RawOption

    @Option(help: ArgumentHelp("Reply with this text instead of echoing the request.", valueName: "text"))
    var reply: String?

    func run() async throws {
        let framing = Framing(separator: framing.separator, raw: output.raw)
        let (endpoints, fixedReply) = (endpoints, reply.map { framing.message($0) })
        try await Session.run(options.settings(framing)) { session in
            let socket = try await session.open(RepSocket.self, endpoints)
            while session.options.count == 0 || session.meter.count < session.options.count {
                let request = try await session.receive(from: socket)
                session.show(request)
                try await session.send(fixedReply ?? request, through: socket)
                session.meter.record()
            }
        }
    }
}
