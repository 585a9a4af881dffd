import ArgumentParser
import ZeroMQ

/// `zmq router`: an asynchronous server that sees who sent what.
struct Router: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive messages with their sender (ROUTER), print them and echo them back.",
        discussion: """
            Prints `<routing-id> <message>` for each message: the sender's routing id in \
            hexadecimal, a space, the message. Replies to the same sender with the message itself, \
            or with --reply TEXT, keeping the envelope (REQ peers' empty delimiter frame included), \
            so REQ and DEALER clients both get their answer. Stops after --count messages (forever \
            without it: stop with Ctrl-C), or when nothing arrives for --timeout seconds (an error).

            Multipart: with --frames SEP the frames of each message are printed joined by SEP \
            (` | ` without it), and --reply is split at SEP into frames; --raw prints their bytes \
            unescaped (the routing id stays hexadecimal).

            Examples:
              zmq router --bind tcp://127.0.0.1:5678
              zmq router --bind 'tcp://127.0.0.1:*' --reply ok --count 5
            """
    )

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var options: RunOptions
    @OptionGroup var framing: FramesOption
    @OptionGroup var output: RawOption

    @Option(help: ArgumentHelp("Reply with this text instead of echoing the message.", valueName: "text"))
    var reply: String?

    func run() async throws {
        let framing = Framing(separator: framing.separator, raw: output.raw)
        let (endpoints, fixedReply) = (endpoints, reply.map { framing.message($0) })
        try await Session.run(options.settings(framing)) { session in
            let socket = try await session.open(RouterSocket.self, endpoints)
            while session.options.count == 0 || session.meter.count < session.options.count {
                let routed = try await socket.receiveRouted(timeout: session.timeout)
                session.show(routed)
                try await socket.send(fixedReply ?? routed.body, to: routed.envelope, timeout: session.timeout)
                session.meter.record()
            }
        }
    }
}
