import ArgumentParser
import Synchronization
import ZeroMQ

/// `zmq dealer`: an asynchronous client.
struct Dealer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send messages (DEALER) without waiting for each reply, and print the replies.",
        discussion: """
            Sends each argument as one message, or each line of standard input, or with --size \
            generated payloads, while printing replies as they arrive; exits once it has a reply \
            for every message sent. --count N sends N messages (repeating the arguments if needed).

            Each message goes out behind an empty delimiter frame, as a REQ socket sends it, so REP \
            and ROUTER servers both understand it; the delimiter is taken off replies. --raw sends \
            and prints frames exactly as they are.

            Examples:
              zmq dealer --connect tcp://127.0.0.1:5678 one two three
              seq 10000 | zmq dealer --connect tcp://127.0.0.1:5678 --quiet
              zmq dealer --connect tcp://127.0.0.1:5555 --raw hello
            """
    )

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var options: RunOptions
    @OptionGroup var sending: SendOptions

    @Flag(help: "Send and print frames as they are, without an empty delimiter frame.")
    var raw = false

    func run() async throws {
        let (endpoints, messages, pause, raw) = (endpoints, sending.outgoing(limit: options.count), sending.pause, raw)
        try await Session.run(options.settings) { session in
            let socket = try await session.open(DealerSocket.self, endpoints)
            let tally = ReplyTally()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var first = true
                    for await message in messages {
                        if let pause, !first { try await Task.sleep(for: pause) }
                        first = false
                        try await session.send(raw ? message : Message(frames: [Frame([])] + message.frames), through: socket)
                        tally.recordSent()
                    }
                    tally.finishSending()
                }
                group.addTask {
                    while !tally.isComplete {
                        var reply = try await session.receive(from: socket)
                        if !raw, reply.isMultipart, reply.first?.isEmpty == true {
                            reply = Message(frames: Array(reply.frames.dropFirst()))
                        }
                        session.meter.record()
                        session.show(MessageFormatter.line(for: reply))
                        tally.recordReceived()
                        if tally.isComplete { return }
                    }
                }
                // Done when every message sent has its reply; the receiver may still be waiting.
                while try await group.next() != nil {
                    if tally.isComplete {
                        group.cancelAll()
                        break
                    }
                }
            }
        }
    }
}

/// Messages sent and replies received by a DEALER, to know when every message has its reply.
final class ReplyTally: Sendable {
    private struct Counts {
        var sent = 0
        var received = 0
        var sendingFinished = false
    }

    private let counts = Mutex(Counts())

    func recordSent() { counts.withLock { $0.sent += 1 } }
    func recordReceived() { counts.withLock { $0.received += 1 } }
    func finishSending() { counts.withLock { $0.sendingFinished = true } }

    /// Whether all messages are sent and each has a reply.
    var isComplete: Bool { counts.withLock { $0.sendingFinished && $0.received >= $0.sent } }
}
