import Testing
@testable import ZeroMQ

/// The beacon datagram (Docs/Discovery.md): its exact bytes, a clear rejection of every
/// malformed, truncated or foreign datagram, and no trap on any input.
@Suite("Beacon frame: layout, rejections, random input", .timeLimit(.minutes(2)))
struct BeaconFrameTests {
    static let instance = BeaconInstanceID(bytes: Array(0x10...0x1F))!
    static let key = Array(UInt8(0xA0)...UInt8(0xBF))

    static func frame(name: String = "calc", port: UInt16 = 0x1538, key: [UInt8]? = nil, goodbye: Bool = false) -> BeaconFrame {
        BeaconFrame(instance: instance, serviceName: name, port: port, publicKey: key, isGoodbye: goodbye)
    }

    @Test("The bytes are the documented layout, byte by byte")
    func layout() throws {
        let bytes = try Self.frame(key: Self.key).encoded()
        let expected: [UInt8] =
            [0x5A, 0x42, 0x43, 0x4E]  // "ZBCN"
            + [0x01]  // version
            + [0x01]  // flags: key
            + Array(0x10...0x1F)  // instance
            + [0x15, 0x38]  // port 5432, big-endian
            + [0x04] + Array("calc".utf8)  // name
            + Array(0xA0...0xBF)  // key
        #expect(bytes == expected)
        #expect(bytes.count == 25 + 4 + 32)
        let goodbye = try Self.frame(goodbye: true).encoded()
        #expect(goodbye[5] == 0x02)
        #expect(goodbye.count == 29)
    }

    @Test("Encoded frames decode to themselves", arguments: [false, true], [false, true])
    func roundTrip(withKey: Bool, goodbye: Bool) throws {
        for name in ["a", "calculator", "büro-drucker ☕", String(repeating: "x", count: 255)] {
            let frame = Self.frame(name: name, port: 65535, key: withKey ? Self.key : nil, goodbye: goodbye)
            #expect(try BeaconFrame(decoding: frame.encoded()) == frame)
        }
    }

    /// Valid bytes with one field changed.
    static func mutated(_ change: (inout [UInt8]) -> Void) throws -> [UInt8] {
        var bytes = try frame(key: key).encoded()
        change(&bytes)
        return bytes
    }

    @Test("Each malformed datagram is rejected with the rule it breaks")
    func rejections() throws {
        let valid = try Self.frame(key: Self.key).encoded()
        let cases: [(String, [UInt8], BeaconFrameError.Reason)] = [
            ("empty", [], .foreignPrefix),
            ("a ZRE beacon", Array("ZRE".utf8) + [1] + Array(repeating: 7, count: 18), .foreignPrefix),
            ("text", Array("hello, beacon".utf8), .foreignPrefix),
            ("the prefix cut short", [0x5A, 0x42], .truncated(expected: 26)),
            ("only the prefix", [0x5A, 0x42, 0x43, 0x4E], .truncated(expected: 26)),
            ("version 2", try Self.mutated { $0[4] = 2 }, .unsupportedVersion(2)),
            ("version 0", try Self.mutated { $0[4] = 0 }, .unsupportedVersion(0)),
            ("a reserved flag", try Self.mutated { $0[5] |= 0x80 }, .reservedFlags(0x81)),
            ("port 0", try Self.mutated { $0[22] = 0; $0[23] = 0 }, .zeroPort),
            ("the key cut off", Array(valid.dropLast(32)), .truncated(expected: 61)),
            ("one byte short", Array(valid.dropLast()), .truncated(expected: 61)),
            ("one byte more", valid + [0], .trailingBytes(expected: 61)),
            ("a key flag without a key", try Self.frame().encoded().enumerated().map { $0 == 5 ? 1 : $1 }, .truncated(expected: 61)),
            ("a name length past the end", try Self.mutated { $0[24] = 200 }, .truncated(expected: 257)),
            (
                "an empty name", Array(valid[0..<24]) + [0] + Self.key, .emptyServiceName
            ),
            ("a name that is not UTF-8", try Self.mutated { $0[25] = 0xFF }, .serviceNameNotUTF8),
            ("a newline in the name", try Self.mutated { $0[26] = 0x0A }, .controlCharacterInServiceName),
        ]
        for (what, bytes, reason) in cases {
            #expect(throws: BeaconFrameError(reason: reason, byteCount: bytes.count), "\(what)") {
                try BeaconFrame(decoding: bytes)
            }
        }
        // The descriptions say what is wrong.
        let error = BeaconFrameError(reason: .truncated(expected: 61), byteCount: 29)
        #expect(error.description == "beacon is truncated: 29 bytes, at least 61 expected")
        #expect("\(BeaconFrameError(reason: .foreignPrefix, byteCount: 3))".contains("prefix ZBCN"))
    }

    @Test("Every prefix of a valid datagram is rejected as truncated (or foreign when empty)")
    func everyTruncation() throws {
        let valid = try Self.frame(name: "truncate-me", key: Self.key).encoded()
        for length in 0..<valid.count {
            do {
                _ = try BeaconFrame(decoding: valid.prefix(length))
                Issue.record("a \(length)-byte prefix decoded")
            } catch {
                if length == 0 {
                    #expect(error.reason == .foreignPrefix)
                } else {
                    guard case .truncated = error.reason else {
                        Issue.record("a \(length)-byte prefix: \(error)")
                        continue
                    }
                }
            }
        }
    }

    @Test("Fields that cannot be sent are refused when encoding")
    func encodingRefuses() {
        let cases: [(BeaconFrame, BeaconFrameError.Reason)] = [
            (Self.frame(port: 0), .zeroPort),
            (Self.frame(name: ""), .emptyServiceName),
            (Self.frame(name: String(repeating: "é", count: 128)), .serviceNameTooLong(256)),
            (Self.frame(name: "tab\there"), .controlCharacterInServiceName),
            (Self.frame(key: [1, 2, 3]), .wrongPublicKeyLength(3)),
        ]
        for (frame, reason) in cases {
            #expect(throws: BeaconFrameError(reason: reason, byteCount: 0)) { try frame.encoded() }
        }
    }

    /// Random bytes, random lengths, and valid datagrams with random bytes changed, cut or
    /// added: each one decodes or throws (a trap would end the test process), and whatever
    /// decodes encodes back to the same bytes (the decoder accepts only what the encoder makes).
    @Test("200,000 random and mutated datagrams: decoded ones re-encode to the same bytes")
    func randomInput() throws {
        var random = SplitMix64(seed: 0xBEAC_0001)
        let seeds = try [
            Self.frame().encoded(), Self.frame(key: Self.key).encoded(), Self.frame(goodbye: true).encoded(),
            Self.frame(name: "ü", port: 1).encoded(),
        ]
        var decoded = 0
        for round in 0..<200_000 {
            var bytes: [UInt8]
            if round % 4 == 0 {
                bytes = random.bytes(Int(random.next() % 400))
                if round % 8 == 0, bytes.count >= 4 { bytes.replaceSubrange(0..<4, with: BeaconFrame.prefix) }
            } else {
                bytes = seeds[Int(random.next() % UInt64(seeds.count))]
                for _ in 0..<(1 + random.next() % 3) {
                    switch random.next() % 4 {
                    case 0: bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                    case 1: bytes.removeLast(Int(random.next() % UInt64(bytes.count)))
                    case 2: bytes += random.bytes(Int(random.next() % 40))
                    default: bytes[Int(random.next() % UInt64(min(26, bytes.count)))] ^= UInt8(1 << (random.next() % 8))
                    }
                    if bytes.isEmpty { break }
                }
            }
            if let frame = try? BeaconFrame(decoding: bytes) {
                decoded += 1
                #expect(try frame.encoded() == bytes, "round \(round)")
            }
        }
        // The mutations keep some datagrams valid (a changed name byte, port or instance).
        #expect(decoded > 1000)
    }
}
