import Foundation
import ZeroMQ

/// Encodes values as JSON in one frame: the default codec of the typed client, service,
/// publisher and subscriber.
///
/// JSON is the lingua franca: every language has it, a person can read it in `zmq sub` output,
/// and the schema can grow (unknown keys are ignored). For a compact binary format see
/// `ProtobufCodec` in the `ZeroMQProtobuf` product.
///
/// The codec encodes when `Value` is `Encodable`, decodes when it is `Decodable`, and is a
/// ``MessageCodec`` when it is both.
public struct JSONCodec<Value>: Sendable {
    private let makeEncoder: @Sendable () -> JSONEncoder
    private let makeDecoder: @Sendable () -> JSONDecoder

    /// Makes a codec with Foundation's default JSON settings (keys unsorted, dates as seconds
    /// since 2001, `Data` as base64).
    public init() {
        self.makeEncoder = { JSONEncoder() }
        self.makeDecoder = { JSONDecoder() }
    }

    /// Makes a codec whose encoder and decoder are set up by the given closures (date strategy,
    /// key strategy, sorted keys, and so on). Each call gets a fresh encoder or decoder.
    public init(
        encoder makeEncoder: @escaping @Sendable () -> JSONEncoder,
        decoder makeDecoder: @escaping @Sendable () -> JSONDecoder
    ) {
        self.makeEncoder = makeEncoder
        self.makeDecoder = makeDecoder
    }
}

extension JSONCodec: MessageEncoder where Value: Encodable {
    /// Encodes `value` as a JSON document in one frame.
    public func encode(_ value: Value) throws -> [Frame] {
        [Frame(try makeEncoder().encode(value))]
    }
}

extension JSONCodec: MessageDecoder where Value: Decodable {
    /// Decodes a one-frame JSON document.
    ///
    /// - Throws: ``FrameCountError`` for any other frame count, or Foundation's
    ///   `DecodingError` for bytes that are not a JSON `Value`.
    public func decode(_ frames: [Frame]) throws -> Value {
        try makeDecoder().decode(Value.self, from: frames.single().data)
    }
}

extension JSONCodec: MessageCodec where Value: Codable {}
