import ZeroMQ

/// The messages a sending command sends: its arguments, generated payloads, or the lines of
/// standard input, up to a limit.
struct OutgoingMessages: AsyncSequence, Sendable {
    typealias Element = Message
    typealias Failure = Never

    /// Where the messages come from.
    enum Origin: Sendable {
        /// One message per string (split into frames by `--frames`). Sent once each, or, with a limit, over and over until it is reached.
        case arguments([String])
        /// Payloads of this many bytes (`x`), until the limit (forever without one).
        case payloads(size: Int)
        /// One message per line of standard input (its bytes as they are, without the `\n`; split
        /// into frames by `--frames`), until end of file or the limit.
        case standardInput
    }

    let origin: Origin
    /// The most messages to produce; 0 for no limit.
    let limit: Int
    /// How arguments and lines become frames (`--frames`).
    let framing: Framing

    func makeAsyncIterator() -> AsyncIterator {
        switch origin {
        case .arguments(let words):
            AsyncIterator(limit: limit, framing: framing, source: .arguments(words.map { framing.message($0) }))
        case .payloads(let size):
            AsyncIterator(
                limit: limit, framing: framing,
                source: .payload(Message([UInt8](repeating: UInt8(ascii: "x"), count: size))))
        case .standardInput:
            AsyncIterator(limit: limit, framing: framing, source: .lines(StandardInputLines().makeAsyncIterator()))
        }
    }

    /// Produces the messages one by one.
    struct AsyncIterator: AsyncIteratorProtocol {
        enum Source {
            case arguments([Message])
            case payload(Message)
            case lines(StandardInputLines.AsyncIterator)
        }

        let limit: Int
        let framing: Framing
        var source: Source
        var produced = 0

        mutating func next() async -> Message? {
            if limit > 0, produced >= limit { return nil }
            let message: Message
            switch source {
            case .arguments(let messages):
                guard !messages.isEmpty, limit > 0 || produced < messages.count else { return nil }
                message = messages[produced % messages.count]
            case .payload(let payload):
                message = payload
            case .lines(var lines):
                guard let line = await lines.next() else { return nil }
                source = .lines(lines)
                message = framing.message(line)
            }
            produced += 1
            return message
        }
    }
}
