import ZeroMQ

/// How a command turns text into frames on the way out and frames into a line on the way in:
/// `--frames SEP` and `--raw`.
///
/// - Sending: without a separator each argument or line of standard input is one single-frame
///   message; with one, it is split at every occurrence of the separator into frames, left to
///   right, keeping empty frames (`a||b` with `|` is `a`, ``, `b`; `|a` starts with an empty
///   frame). A message without the separator is one frame.
/// - Printing: the frames are joined by the separator (` | ` without `--frames`). Each frame is
///   shown as ``MessageFormatter`` says (escaped text, `0x…` for bytes that are not UTF-8, `""`
///   for an empty frame), or, with `--raw`, as its bytes exactly (an empty frame as nothing).
///
/// So `--frames SEP --raw` on the printing side and `--frames SEP` on the sending side
/// round-trip every message whose frames contain neither SEP nor a newline.
struct Framing: Sendable {
    /// The separator's bytes (`--frames`), or `nil` for single-frame messages.
    var separator: [UInt8]?
    /// `--raw`: print frames as their bytes, unescaped.
    var raw = false

    /// The message for one argument or line: its bytes split at ``separator``.
    func message(_ bytes: [UInt8]) -> Message {
        guard let separator, !separator.isEmpty else { return Message(bytes) }
        return Message(frames: Self.split(bytes, at: separator).map { Frame($0) })
    }

    /// The message for one argument.
    func message(_ text: String) -> Message {
        message(Array(text.utf8))
    }

    /// `bytes` cut at every occurrence of `separator` (not overlapping, left to right), with the
    /// empty pieces kept: n occurrences give n + 1 pieces.
    static func split(_ bytes: [UInt8], at separator: [UInt8]) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var start = 0
        var index = 0
        while index + separator.count <= bytes.count {
            if bytes[index..<index + separator.count].elementsEqual(separator) {
                pieces.append(Array(bytes[start..<index]))
                index += separator.count
                start = index
            } else {
                index += 1
            }
        }
        pieces.append(Array(bytes[start...]))
        return pieces
    }

    /// The line printed for `message`, without its newline.
    func line(for message: Message) -> [UInt8] {
        let joint = separator ?? Array(MessageFormatter.frameSeparator.utf8)
        var line: [UInt8] = []
        for (index, frame) in message.frames.enumerated() {
            if index > 0 { line += joint }
            line += raw ? frame.bytes : Array(MessageFormatter.text(for: frame).utf8)
        }
        return line
    }

    /// The line printed for a message received on a ROUTER: the sender's routing id in
    /// hexadecimal, a space, then the body as ``line(for:)-(Message)`` shows it.
    func line(for routed: RoutedMessage) -> [UInt8] {
        let peer = routed.envelope.peer.map(\.description) ?? ""
        return Array((peer + " ").utf8) + line(for: routed.body)
    }
}
