/// A ZeroMQ message: one or more ``Frame``s delivered all together or not at all.
///
/// A single-frame message stores its frame inline (no array), so receiving a small message costs
/// one allocation (the frame's bytes).
///
/// ```swift
/// try await push.send("hello")                                  // one frame
/// try await dealer.send(Message(frames: ["", "request body"]))  // multipart
/// let reply = try await pull.receive()
/// print(reply.string ?? "<\(reply.byteCount) bytes>")
/// ```
public struct Message: Sendable {
    enum Storage: Sendable {
        case single(Frame)
        case multipart([Frame])
    }

    var storage: Storage

    /// A message of one frame.
    public init(_ frame: Frame) {
        storage = .single(frame)
    }

    /// A message of several frames, sent atomically.
    ///
    /// - Precondition: `frames` is not empty (sending an empty message throws `invalidArgument`).
    public init(frames: [Frame]) {
        storage = frames.count == 1 ? .single(frames[0]) : .multipart(frames)
    }

    /// A single-frame message holding the UTF-8 bytes of `text`.
    public init(_ text: String) {
        storage = .single(Frame(text))
    }

    /// A single-frame message holding `bytes`.
    public init(_ bytes: [UInt8]) {
        storage = .single(Frame(bytes))
    }

    /// The frames, in order.
    public var frames: [Frame] {
        switch storage {
        case .single(let frame): [frame]
        case .multipart(let frames): frames
        }
    }

    /// The number of frames.
    public var frameCount: Int {
        switch storage {
        case .single: 1
        case .multipart(let frames): frames.count
        }
    }

    /// Whether the message has more than one frame.
    public var isMultipart: Bool { frameCount > 1 }

    /// The frame at `index`.
    public subscript(index: Int) -> Frame {
        switch storage {
        case .single(let frame):
            precondition(index == 0, "frame index \(index) out of range for a single-frame message")
            return frame
        case .multipart(let frames):
            return frames[index]
        }
    }

    /// The first frame (for a single-frame message, the only one).
    public var first: Frame? {
        switch storage {
        case .single(let frame): frame
        case .multipart(let frames): frames.first
        }
    }

    /// The last frame: the body of an enveloped message (DEALER/ROUTER, REQ/REP on the wire).
    public var last: Frame? {
        switch storage {
        case .single(let frame): frame
        case .multipart(let frames): frames.last
        }
    }

    /// The total number of bytes in all frames.
    public var byteCount: Int {
        switch storage {
        case .single(let frame): frame.count
        case .multipart(let frames): frames.reduce(0) { $0 + $1.count }
        }
    }

    /// The text of a single-frame message, or `nil` for multipart messages and invalid UTF-8.
    /// For multipart messages read the frame you want: `message.last?.string`.
    public var string: String? {
        guard case .single(let frame) = storage else { return nil }
        return frame.string
    }

    /// The bytes of a single-frame message, or all frames' bytes concatenated for multipart ones.
    public var bytes: [UInt8] {
        switch storage {
        case .single(let frame): frame.bytes
        case .multipart(let frames): frames.flatMap(\.bytes)
        }
    }
}

extension Message: Equatable {
    /// Messages are equal when they have the same frames with the same bytes.
    public static func == (lhs: Message, rhs: Message) -> Bool {
        lhs.frameCount == rhs.frameCount && lhs.frames == rhs.frames
    }
}

extension Message: ExpressibleByStringLiteral {
    /// A single-frame message holding the literal's UTF-8 bytes.
    public init(stringLiteral value: String) {
        self.init(value)
    }
}

extension Message: ExpressibleByArrayLiteral {
    /// A multipart message, one frame per element.
    public init(arrayLiteral elements: Frame...) {
        self.init(frames: elements)
    }
}

extension Message: CustomStringConvertible {
    /// The frames' descriptions, in brackets for multipart messages.
    public var description: String {
        switch storage {
        case .single(let frame): frame.description
        case .multipart(let frames): "[" + frames.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
