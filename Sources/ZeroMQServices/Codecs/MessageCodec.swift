import ZeroMQ

/// Turns values into the body frames of a ZeroMQ message.
///
/// The typed client encodes its requests with one, the service its responses, the publisher its
/// events. An encoder must be safe to call from many tasks at once.
public protocol MessageEncoder<Value>: Sendable {
    /// The type of the values this encoder writes.
    associatedtype Value

    /// Encodes `value` as one or more frames.
    ///
    /// - Throws: when the value cannot be represented; nothing is sent then.
    func encode(_ value: Value) throws -> [Frame]
}

/// Turns the body frames of a ZeroMQ message back into values.
///
/// Decoders read bytes from the network: they must throw on any input they cannot read, never
/// trap. A decoder must be safe to call from many tasks at once.
public protocol MessageDecoder<Value>: Sendable {
    /// The type of the values this decoder reads.
    associatedtype Value

    /// Decodes the body frames of one message.
    ///
    /// - Throws: when `frames` do not hold a `Value` (wrong frame count, bad bytes). The caller
    ///   keeps the frames for diagnosis (see ``RequestError/replyFrames``).
    func decode(_ frames: [Frame]) throws -> Value
}

/// Both directions for one type: what a service needs for its requests, a client for its
/// responses when both ends share the type, and a pub/sub pair for its events.
///
/// Codecs shipped here: ``JSONCodec`` (any `Codable` type; the default), ``StringCodec`` (plain
/// UTF-8 text, for peers that speak strings, like the seed's echo server) and, in the separate
/// `ZeroMQProtobuf` product, `ProtobufCodec` (compact binary, for `SwiftProtobuf.Message`).
public protocol MessageCodec<Value>: MessageEncoder, MessageDecoder {}

/// Why a codec could not decode a message: the frames did not have the expected shape.
public struct FrameCountError: Error, Sendable, CustomStringConvertible {
    /// How many frames the codec reads.
    public var expected: Int
    /// How many frames the message had.
    public var actual: Int

    /// Makes an error for a message of `actual` frames where `expected` were required.
    public init(expected: Int, actual: Int) {
        self.expected = expected
        self.actual = actual
    }

    public var description: String {
        "expected \(expected) body frame\(expected == 1 ? "" : "s"), got \(actual)"
    }
}

extension [Frame] {
    /// The single frame of a one-frame body, or a ``FrameCountError``.
    @usableFromInline
    func single() throws(FrameCountError) -> Frame {
        guard count == 1 else { throw FrameCountError(expected: 1, actual: count) }
        return self[0]
    }
}
