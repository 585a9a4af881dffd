import ZeroMQ

/// How received messages are shown: one line per message, safe for a terminal.
///
/// - A frame of UTF-8 text is shown as it is, except control characters: `\n`, `\r`, `\t` and
///   `\xNN` for the others (so a message never takes more than one line).
/// - A frame that is not valid UTF-8 is shown as `0x` and its bytes in lowercase hexadecimal.
/// - An empty frame is shown as `""`.
/// - The frames of a multipart message are joined by ` | ` (or `--frames SEP`).
///
/// ROUTER peers' routing ids are shown as bare lowercase hexadecimal. ``Framing`` puts the
/// frames together into a line, and prints them unescaped with `--raw`.
enum MessageFormatter {
    /// The separator between the frames of a multipart message, without `--frames`.
    static let frameSeparator = " | "

    /// One frame as text (see the type's rules).
    static func text(for frame: Frame) -> String {
        if frame.isEmpty { return "\"\"" }
        guard let text = frame.string else { return hexadecimal(frame.bytes) }
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where isControl(scalar): escaped += "\\x" + hexadecimal(UInt8(truncatingIfNeeded: scalar.value))
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// `0x` and the bytes in lowercase hexadecimal.
    static func hexadecimal(_ bytes: [UInt8]) -> String {
        "0x" + bytes.map(hexadecimal).joined()
    }

    private static func hexadecimal(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }

    /// C0 controls and DEL (C1 controls are shown: terminals treat them as text in UTF-8).
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7f
    }
}
