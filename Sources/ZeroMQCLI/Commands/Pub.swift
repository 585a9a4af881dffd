import ArgumentParser
import ZeroMQ

/// `zmq pub`: a publisher.
struct Pub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish messages (PUB) to every subscriber whose topic prefixes them.",
        discussion: """
            Sends each argument as one message, or each line of standard input, or with --size \
            generated payloads, then exits. The topic is the start of the message: `weather sunny` \
            reaches subscribers of `weather`. With --frames SEP each message is split at SEP into \
            frames, for subscribers that expect a topic frame then a body: `--frames '|' \
            'weather|sunny'` sends `weather` and `sunny` as two frames (the topic matches the first).

            A publisher drops every message no subscriber has asked for yet, and a subscription \
            takes a moment to arrive after connecting (libzmq's "slow joiner"): messages sent right \
            after start are lost. Start the subscribers first and give them --delay seconds to \
            connect and subscribe, or send repeatedly with --interval.

            Examples:
              zmq pub --bind tcp://127.0.0.1:5680 --delay 1 '1-Update!' '2-Update!'
              zmq pub --bind 'tcp://127.0.0.1:*' --interval 1 --count 60 tick
              zmq pub --connect tcp://127.0.0.1:5681 --delay 0.5 --size 64 --count 1000
              zmq pub --bind 'tcp://127.0.0.1:*' --frames '|' --interval 1 'weather|sunny'
            """
    )

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var options: RunOptions
    @OptionGroup var sending: SendOptions

    @Option(
        help: ArgumentHelp("Seconds to wait before the first message, for subscribers to join.", valueName: "seconds"))
    var delay: Double?

    func validate() throws {
        if let delay {
            guard delay >= 0, delay.isFinite else { throw ValidationError("--delay must be 0 or more seconds.") }
        }
    }

    func run() async throws {
        let framing = Framing(separator: sending.framing.separator)
        let (endpoints, messages, pause) = (
            endpoints, sending.outgoing(limit: options.count, framing: framing), sending.pause
        )
        let delay = delay.map { Duration.seconds($0) }
        try await Session.run(options.settings(framing)) { session in
            let socket = try await session.open(PubSocket.self, endpoints)
            if let delay { try await Task.sleep(for: delay) }
            try await session.sendAll(messages, through: socket, pause: pause)
        }
    }
}
