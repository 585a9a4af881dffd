import ZeroMQ

/// Sends a `String` as its UTF-8 bytes in one frame: the codec for peers that speak plain text,
/// such as the seed tutorial's echo server (`recv_string`/`send_string`).
public struct StringCodec: MessageCodec {
    /// Makes the codec.
    public init() {}

    /// One frame holding the UTF-8 bytes of `value`.
    public func encode(_ value: String) throws -> [Frame] {
        [Frame(value)]
    }

    /// The text of a one-frame body.
    ///
    /// - Throws: ``FrameCountError`` for any other frame count, or ``InvalidUTF8Error`` when the
    ///   bytes are not UTF-8.
    public func decode(_ frames: [Frame]) throws -> String {
        let frame = try frames.single()
        guard let text = frame.string else { throw InvalidUTF8Error(byteCount: frame.count) }
        return text
    }
}

/// Why ``StringCodec`` could not decode a frame: its bytes are not valid UTF-8.
public struct InvalidUTF8Error: Error, Sendable, CustomStringConvertible {
    /// The size of the frame that was not UTF-8.
    public var byteCount: Int

    /// Makes an error for a frame of `byteCount` bytes.
    public init(byteCount: Int) {
        self.byteCount = byteCount
    }

    public var description: String { "a frame of \(byteCount) bytes is not valid UTF-8" }
}
