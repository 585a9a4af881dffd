import SwiftProtobuf
import ZeroMQ
import ZeroMQServices

/// Encodes protobuf messages in their binary wire format, one message per frame: the compact
/// codec for ``ZeroMQServices``.
///
/// Protocol Buffers give a small, fast encoding with a schema that any language can compile
/// (Python's `protobuf` package reads the same bytes), and fields can be added without breaking
/// old peers. Use it with types that `protoc --swift_out` generated, or with the well-known
/// types in `SwiftProtobuf` (`Google_Protobuf_Struct`, `Google_Protobuf_Timestamp`, ...).
///
/// ```swift
/// let client = try await RequestClient(
///     context, connectingTo: [endpoint],
///     requestEncoder: ProtobufCodec<Quote.Request>(), responseDecoder: ProtobufCodec<Quote.Response>()
/// )
/// ```
public struct ProtobufCodec<Value: SwiftProtobuf.Message>: MessageCodec {
    private let options: BinaryDecodingOptions
    private let partial: Bool

    /// Makes a codec.
    ///
    /// - Parameters:
    ///   - allowsPartial: whether messages with required fields unset (proto2) are accepted
    ///     both ways. Default: `false`.
    ///   - decodingOptions: limits for decoding, such as the recursion depth.
    public init(allowsPartial: Bool = false, decodingOptions: BinaryDecodingOptions = BinaryDecodingOptions()) {
        self.partial = allowsPartial
        self.options = decodingOptions
    }

    /// The message's binary encoding in one frame.
    ///
    /// - Throws: `BinaryEncodingError` (a required field missing, say).
    public func encode(_ value: Value) throws -> [Frame] {
        let bytes: [UInt8] = try value.serializedBytes(partial: partial)
        return [Frame(bytes)]
    }

    /// The message in a one-frame body.
    ///
    /// - Throws: ``FrameCountError`` for any other frame count, or `BinaryDecodingError` for
    ///   bytes that are not a valid `Value`.
    public func decode(_ frames: [Frame]) throws -> Value {
        guard frames.count == 1 else { throw FrameCountError(expected: 1, actual: frames.count) }
        return try Value(serializedBytes: frames[0].bytes, partial: partial, options: options)
    }
}
