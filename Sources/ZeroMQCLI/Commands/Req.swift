import ArgumentParser
import ZeroMQ

/// `zmq req`: a request/reply client.
struct Req: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send requests (REQ) and print each reply.",
        discussion: """
            Sends each argument as one request, or each line of standard input, or with --size \
            generated payloads, waits for its reply and prints it, then exits. --count N sends N \
            requests (repeating the arguments if needed). With --timeout a reply that does not come \
            in time is an error; the request is abandoned.

            Multipart: with --frames SEP each message sent is split at SEP into frames, and the \
            frames of each message printed are joined by SEP (` | ` without it); --raw prints \
            their bytes unescaped.

            Examples:
              zmq req --connect tcp://127.0.0.1:5678 'hello world!'
              zmq req --connect tcp://127.0.0.1:5679 --count 3 --timeout 2 ping
              seq 1000 | zmq req --connect tcp://127.0.0.1:5678 --quiet
            """
    )

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var options: RunOptions
    @OptionGroup var sending: SendOptions
    @OptionGroup var output: RawOption

    func run() async throws {
        let framing = Framing(separator: sending.framing.separator, raw: output.raw)
        let (endpoints, requests, pause) = (
            endpoints, sending.outgoing(limit: options.count, framing: framing), sending.pause
        )
        try await Session.run(options.settings(framing)) { session in
            let socket = try await session.open(ReqSocket.self, endpoints)
            var first = true
            for await request in requests {
                if let pause, !first { try await Task.sleep(for: pause) }
                first = false
                let reply = try await socket.request(request, timeout: session.timeout)
                session.meter.record()
                session.show(reply)
            }
        }
    }
}
