import Testing
import ZeroMQ
@testable import ZeroMQServices

/// Found by the live fuzz (Tests/InteropTests/LiveFuzzTests.swift): a subscriber logged the
/// topic of an undecodable event as it came, so a topic with a newline split the warning into
/// several lines, and a 64 MiB topic made a 64 MiB log line.
@Suite("Undecodable events: the logged topic", .timeLimit(.minutes(1)))
struct UndecodableEventLogTests {
    @Test("A topic with line breaks and control characters stays on one line, escaped")
    func escapesControlCharacters() {
        let error = UndecodableEventError(frames: [Array("10001\nforged\r\u{2028}\"\\\u{7}".utf8), [0xFF]])
        #expect(error.loggedTopic == #""10001\nforged\r\u{2028}\"\\\u{07}""#)
        let oneLine = !error.description.contains { $0.isNewline }
        #expect(oneLine)
    }

    @Test("A huge topic is cut to its first characters")
    func cutsHugeTopics() {
        let topic = Array("10001".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 8 << 20)
        let error = UndecodableEventError(frames: [topic])
        let expected = "\"10001" + String(repeating: "x", count: UndecodableEventError.loggedTopicLimit - 5) + "…\""
        #expect(error.loggedTopic == expected)
        #expect(error.description.count < 200)
    }

    @Test("A topic that is not UTF-8 is logged as <binary>")
    func binaryTopic() {
        #expect(UndecodableEventError(frames: [[0xC3, 0x28]]).loggedTopic == "<binary>")
    }
}
