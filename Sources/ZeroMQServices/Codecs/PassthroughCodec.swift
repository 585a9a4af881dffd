import ZeroMQ

/// Passes frames through untouched: the typed client and service with your own framing (or
/// none), when you want their request ids, timeouts, retries and lifecycle but not a codec.
public struct PassthroughCodec: MessageCodec {
    /// Makes the codec.
    public init() {}

    /// The frames themselves.
    public func encode(_ value: [Frame]) -> [Frame] { value }

    /// The frames themselves, however many there are.
    public func decode(_ frames: [Frame]) -> [Frame] { frames }
}
