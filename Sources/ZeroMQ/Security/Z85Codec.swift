/// Z85 (ZeroMQ RFC 32) in both directions, with failures that say where the text is wrong.
///
/// Pure Swift, so that key parsing can be fuzzed and tested without libzmq.
enum Z85Codec {
    static let alphabet: [UInt8] = Array(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8
    )

    /// Each byte's digit value, or -1 for bytes outside the alphabet.
    static let digits: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = Int8(index) }
        return table
    }()

    /// What is wrong with a text that is not Z85.
    enum Failure: Error, Equatable {
        /// The text's length in characters is not a multiple of 5 (or not the length wanted).
        case length(Int)
        /// The character at `position` (counting from 1) is outside the alphabet.
        case character(Character, position: Int)
        /// The 5 characters starting at `position` (counting from 1) encode more than 2^32 - 1.
        case overflow(position: Int)
    }

    /// Encodes bytes whose count is a multiple of 4.
    static func encode(_ bytes: some Collection<UInt8>) -> String {
        precondition(bytes.count % 4 == 0, "Z85 encodes multiples of 4 bytes")  // internal callers only
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count / 4 * 5)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next(), let b1 = iterator.next(), let b2 = iterator.next(), let b3 = iterator.next() {
            var value = UInt32(b0) << 24 | UInt32(b1) << 16 | UInt32(b2) << 8 | UInt32(b3)
            var group = [UInt8](repeating: 0, count: 5)
            for index in stride(from: 4, through: 0, by: -1) {
                group[index] = alphabet[Int(value % 85)]
                value /= 85
            }
            text.append(contentsOf: group)
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Decodes Z85 text. Characters are checked first (the first bad one is reported), then
    /// the length, then each group's value.
    static func decode(_ text: some StringProtocol) -> Result<[UInt8], Failure> {
        var ascii: [UInt8] = []
        ascii.reserveCapacity(text.utf8.count)
        var position = 0
        for character in text {
            position += 1
            guard let byte = character.asciiValue, digits[Int(byte)] >= 0 else {
                return .failure(.character(character, position: position))
            }
            ascii.append(byte)
        }
        guard ascii.count % 5 == 0 else { return .failure(.length(ascii.count)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ascii.count / 5 * 4)
        var start = 0
        while start < ascii.count {
            var value: UInt64 = 0
            for byte in ascii[start..<start + 5] {
                value = value * 85 + UInt64(digits[Int(byte)])
            }
            guard value <= UInt64(UInt32.max) else { return .failure(.overflow(position: start + 1)) }
            bytes.append(UInt8(truncatingIfNeeded: value >> 24))
            bytes.append(UInt8(truncatingIfNeeded: value >> 16))
            bytes.append(UInt8(truncatingIfNeeded: value >> 8))
            bytes.append(UInt8(truncatingIfNeeded: value))
            start += 5
        }
        return .success(bytes)
    }

    /// How a character is named in an error: `'~'` for printable ASCII, `U+000A` otherwise.
    static func describe(_ character: Character) -> String {
        if let ascii = character.asciiValue, ascii >= 0x21, ascii < 0x7F {
            return "'\(character)'"
        }
        let scalars = character.unicodeScalars.map { scalar in
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        let name: String
        switch character {
        case " ": name = " (a space)"
        case "\t": name = " (a tab)"
        case "\n", "\r\n", "\r": name = " (a line break)"
        default: name = ""
        }
        return scalars.joined(separator: " ") + name
    }
}
