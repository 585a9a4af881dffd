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
    // One encoder and one decoder for all calls: Foundation's are `Sendable`, and encoding or
    // decoding only reads their settings, which nothing changes after `init`. (Making one per
    // call cost more than the encoding of a small value.)
    private let encoder: JSONEncoder
    private let decoder: JSONDecoder

    /// Makes a codec with Foundation's default JSON settings (keys unsorted, dates as seconds
    /// since 2001, `Data` as base64).
    public init() {
        self.encoder = JSONEncoder()
        self.decoder = JSONDecoder()
    }

    /// Makes a codec whose encoder and decoder are set up by the given closures (date strategy,
    /// key strategy, sorted keys, and so on). Each closure is called once, here; do not change
    /// the encoder or decoder it returns afterwards.
    public init(
        encoder makeEncoder: () -> JSONEncoder,
        decoder makeDecoder: () -> JSONDecoder
    ) {
        self.encoder = makeEncoder()
        self.decoder = makeDecoder()
    }
}

extension JSONCodec: MessageEncoder where Value: Encodable {
    /// Encodes `value` as a JSON document in one frame.
    public func encode(_ value: Value) throws -> [Frame] {
        [Frame(try encoder.encode(value))]
    }
}

extension JSONCodec: MessageDecoder where Value: Decodable {
    /// Decodes a one-frame JSON document.
    ///
    /// - Throws: ``FrameCountError`` for any other frame count, or Foundation's
    ///   `DecodingError` for bytes that are not a JSON `Value`.
    public func decode(_ frames: [Frame]) throws -> Value {
        try decoder.decode(Value.self, from: frames.single().data)
    }
}

extension JSONCodec: MessageCodec where Value: Codable {}
