import Testing
@testable import ZeroMQ

@Suite("Socket options", .timeLimit(.minutes(5)))
struct OptionTests {
    @Test("options round-trip through libzmq")
    func roundTrip() async throws {
        try await withDeadline {
            let context = try makeContext()
            let dealer = try DealerSocket(context)
            try await dealer.setOption(.linger, to: .milliseconds(250))
            #expect(try await dealer.option(.linger) == .milliseconds(250))
            try await dealer.setOption(.linger, to: nil)
            #expect(try await dealer.option(.linger) == nil)
            try await dealer.setOption(.sendHighWaterMark, to: 42)
            #expect(try await dealer.option(.sendHighWaterMark) == 42)
            try await dealer.setOption(.receiveHighWaterMark, to: 7)
            #expect(try await dealer.option(.receiveHighWaterMark) == 7)
            try await dealer.setOption(.routingID, to: Array("me".utf8))
            #expect(try await dealer.option(.routingID) == Array("me".utf8))
            try await dealer.setOption(.maximumMessageSize, to: 1 << 20)
            #expect(try await dealer.option(.maximumMessageSize) == 1 << 20)
            try await dealer.setOption(.immediate, to: true)
            #expect(try await dealer.option(.immediate) == true)
            try await dealer.setOption(.ipv6, to: true)
            #expect(try await dealer.option(.ipv6) == true)
            try await dealer.setOption(.heartbeatInterval, to: .seconds(2))
            #expect(try await dealer.option(.heartbeatInterval) == .seconds(2))
            let endpoint = try await dealer.bind("tcp://127.0.0.1:*")
            #expect(try await dealer.option(.lastEndpoint) == endpoint)
            await context.shutdown()
        }
    }

    @Test("an empty text value clears PLAIN credentials")
    func emptyClears() async throws {
        try await withDeadline {
            let context = try makeContext()
            let dealer = try DealerSocket(context)
            try await dealer.setOption(.plainUsername, to: "admin")
            #expect(try await dealer.option(.mechanism) == 1)  // PLAIN
            try await dealer.setOption(.plainUsername, to: "")
            #expect(try await dealer.option(.mechanism) == 0)  // back to NULL
            await context.shutdown()
        }
    }

    @Test("read-only and write-only options are refused with a reason")
    func accessChecked() async throws {
        try await withDeadline {
            let context = try makeContext()
            let sub = try SubSocket(context)
            let write = await #expect(throws: ZeroMQError.self) { try await sub.setOption(.type, to: 3) }
            #expect(write?.code == .invalidOption)
            let read = await #expect(throws: ZeroMQError.self) { try await sub.option(.subscribe) }
            #expect(read?.code == .invalidOption)
            let range = await #expect(throws: ZeroMQError.self) { try await sub.setOption(.sendHighWaterMark, to: -5) }
            #expect(range?.code == .invalidOption)
            await context.shutdown()
        }
    }
}
