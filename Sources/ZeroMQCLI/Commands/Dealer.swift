import ArgumentParser
import ZeroMQ
import ZeroMQSupport

/// `zmq dealer`: an asynchronous client.
struct Dealer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send messages (DEALER) without waiting for each reply, and print the replies.",
        discussion: """
            Sends each argument as one message, or each line of standard input, or with --size \
            generated payloads, while printing replies as they arrive; exits once it has a reply \
            for every message sent. --count N sends N messages (repeating the arguments if needed). \
            At most 500 messages are on their way at a time (a ROUTER drops replies beyond its \
            queue's limit).

            Each message goes out behind an empty delimiter frame, as a REQ socket sends it, so REP \
            and ROUTER servers both understand it; the delimiter is taken off replies. --raw sends \
            and prints frames exactly as they are: no delimiter added or taken off, and each frame's \
            bytes printed unescaped.

            Multipart: with --frames SEP each message sent is split at SEP into frames (behind the \
            delimiter), and the frames of each reply are printed joined by SEP (` | ` without it).

            Examples:
              zmq dealer --connect tcp://127.0.0.1:5678 one two three
              seq 10000 | zmq dealer --connect tcp://127.0.0.1:5678 --quiet
              zmq dealer --connect tcp://127.0.0.1:5555 --raw hello
            """
    )

    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var options: RunOptions
    @OptionGroup var sending: SendOptions

    @Flag(help: "Send and print frames exactly as they are: no empty delimiter frame, bytes unescaped.")
    var raw = false

    func run() async throws {
        let framing = Framing(separator: sending.framing.separator, raw: raw)
        let (endpoints, messages, pause, raw) = (
            endpoints, sending.outgoing(limit: options.count, framing: framing), sending.pause, raw
        )
        try await Session.run(options.settings(framing)) { session in
            let socket = try await session.open(DealerSocket.self, endpoints)
            let tally = ReplyTally()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var first = true
                    for await message in messages {
                        if let pause, !first { try await Task.sleep(for: pause) }
                        first = false
                        await tally.waitForRoom()
                        try await session.send(
                            raw ? message : Message(frames: [Frame([])] + message.frames), through: socket)
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
                        session.show(reply)
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

/// Messages sent and replies received by a DEALER: when every message has its reply, and room
/// for more messages in flight.
///
/// A ROUTER server drops replies to a peer whose queue is full (its high-water mark, 1000 by
/// default), so a DEALER that sends far ahead of the replies would wait for ever for the dropped
/// ones. Keeping at most ``window`` messages unanswered keeps the replies within the queue.
final class ReplyTally: Sendable {
    /// The most messages sent and not yet answered.
    static let window = 500

    private struct State {
        var sent = 0
        var received = 0
        var sendingFinished = false
        var waitingForRoom: CheckedContinuation<Void, Never>?
    }

    private let state = Lock(State())

    func recordSent() { state.withLock { $0.sent += 1 } }

    func recordReceived() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.received += 1
            // Wake the sender only once half the window is free: one wake-up per 250 replies.
            guard state.waitingForRoom != nil, state.sent - state.received <= Self.window / 2 else { return nil }
            defer { state.waitingForRoom = nil }
            return state.waitingForRoom
        }
        waiter?.resume()
    }

    func finishSending() { state.withLock { $0.sendingFinished = true } }

    /// Whether all messages are sent and each has a reply.
    var isComplete: Bool { state.withLock { $0.sendingFinished && $0.received >= $0.sent } }

    /// Returns once fewer than ``window`` messages are unanswered (or the task is cancelled).
    /// One caller at a time: the sending task.
    func waitForRoom() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let hasRoom = state.withLock { state -> Bool in
                    if state.sent - state.received < Self.window || Task.isCancelled { return true }
                    state.waitingForRoom = continuation
                    return false
                }
                if hasRoom { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waitingForRoom = nil }
                return state.waitingForRoom
            }
            waiter?.resume()
        }
    }
}
