import Testing
@testable import ZeroMQ

/// `messages.mapped(_:)`: the one adapter behind the monitor's events, XPUB subscriptions, REP
/// requests and the typed subscriber's events.
@Suite("Mapped message sequences: map, skip, last, errors, nothing lost", .timeLimit(.minutes(1)))
struct MappedMessageSequenceTests {
    struct Odd: Error {}

    @Test("elements are mapped, skipped messages are not seen, and .last ends the sequence")
    func mapSkipLast() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind(Transport.inproc.endpoint()))
            for text in ["1", "x", "2", "stop", "3"] { try await push.send(Message(text)) }
            let numbers = pull.messages.mapped { message -> MessageMapping<Int> in
                guard let text = message.string else { return .skip }
                if text == "stop" { return .last(-1) }
                return Int(text).map { .element($0) } ?? .skip
            }
            var seen: [Int] = []
            for try await number in numbers { seen.append(number) }
            #expect(seen == [1, 2, -1])
            // The message after the last one is still the socket's.
            #expect(try await pull.receive(timeout: .seconds(5)).string == "3")
            await context.shutdown()
        }
    }

    @Test("the transform's error is thrown from next(); breaking out loses nothing")
    func errorsAndBreaking() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context), push = try PushSocket(context)
            try await push.connect(try await pull.bind(Transport.inproc.endpoint()))
            for index in 1...6 { try await push.send(Message("\(index)")) }
            let checked = pull.messages.mapped { message -> MessageMapping<Int> in
                let number = Int(message.string ?? "") ?? 0
                if number == 3 { throw Odd() }
                return .element(number)
            }
            var iterator = checked.makeAsyncIterator()
            #expect(try await iterator.next() == 1)
            #expect(try await iterator.next() == 2)
            await #expect(throws: Odd.self) { _ = try await iterator.next() }
            #expect(try await iterator.next() == 4)
            // A new iterator replaces (drops) the first, which may hold 5 and 6 read ahead: they
            // go back to the socket.
            iterator = pull.messages.mapped { .element(Int($0.string ?? "") ?? 0) }.makeAsyncIterator()
            #expect(try await iterator.next() == 5)
            #expect(try await iterator.next() == 6)
            await context.shutdown()
        }
    }

    @Test("the sequence ends when the socket closes")
    func endsOnClose() async throws {
        try await withDeadline {
            let context = try makeContext()
            let pull = try PullSocket(context)
            let strings = pull.messages.mapped { .element($0.string ?? "") }
            let reader = Task { () -> Int in
                var count = 0
                for try await _ in strings { count += 1 }
                return count
            }
            try await waitUntil("the reader waits") { await pull.waitingCalls.receives == 1 }
            await pull.close()
            #expect(try await reader.value == 0)
            await context.shutdown()
        }
    }
}
