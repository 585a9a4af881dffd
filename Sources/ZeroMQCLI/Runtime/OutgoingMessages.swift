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
        if let immediate = makeImmediateIterator() {
            AsyncIterator(framing: framing, source: .immediate(immediate))
        } else {
            AsyncIterator(framing: framing, source: .lines(StandardInputLines().makeAsyncIterator(), limit: limit))
        }
    }

    /// An iterator that produces the messages without suspending, when they need no waiting
    /// (arguments and payloads); `nil` for standard input.
    ///
    /// ``Session/sendAll(_:through:pause:)`` sends from these in a loop isolated to the socket.
    /// An async iterator's `next()` there cost two loop jobs per message (measured with
    /// `perf probe` on the loop's `enqueue`: 2 per message through `next(isolation:)`, none
    /// through this iterator), which halved `zmq push`'s rate.
    func makeImmediateIterator() -> ImmediateIterator? {
        switch origin {
        case .arguments(let words):
            ImmediateIterator(messages: words.map { framing.message($0) }, repeats: false, limit: limit)
        case .payloads(let size):
            ImmediateIterator(
                messages: [Message([UInt8](repeating: UInt8(ascii: "x"), count: size))], repeats: true, limit: limit)
        case .standardInput:
            nil
        }
    }

    /// Produces arguments or payloads one by one, without suspending.
    struct ImmediateIterator {
        /// The arguments, or the one payload.
        let messages: [Message]
        /// Whether to go round again without a limit (payloads do, arguments are sent once).
        let repeats: Bool
        /// The most messages to produce; 0 for no limit.
        let limit: Int
        var produced = 0

        mutating func next() -> Message? {
            if limit > 0, produced >= limit { return nil }
            guard !messages.isEmpty, repeats || limit > 0 || produced < messages.count else { return nil }
            let message = messages[produced % messages.count]
            produced += 1
            return message
        }
    }

    /// Produces the messages one by one.
    struct AsyncIterator: AsyncIteratorProtocol {
        enum Source {
            case immediate(ImmediateIterator)
            case lines(StandardInputLines.AsyncIterator, limit: Int)
        }

        let framing: Framing
        var source: Source
        var produced = 0

        /// The next message, in the caller's isolation.
        mutating func next(isolation actor: isolated (any Actor)?) async -> Message? {
            switch source {
            case .immediate(var immediate):
                let message = immediate.next()
                source = .immediate(immediate)
                return message
            case .lines(var lines, let limit):
                if limit > 0, produced >= limit { return nil }
                guard let line = await lines.next(isolation: actor) else { return nil }
                source = .lines(lines, limit: limit)
                produced += 1
                return framing.message(line)
            }
        }

        mutating func next() async -> Message? {
            await next(isolation: nil)
        }
    }
}
