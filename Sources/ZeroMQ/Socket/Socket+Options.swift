extension Socket {
    /// Sets a socket option.
    ///
    /// ```swift
    /// try await socket.setOption(.linger, to: .zero)
    /// try await socket.setOption(.receiveHighWaterMark, to: 10_000)
    /// ```
    ///
    /// - Throws: ``ZeroMQError/Code-swift.struct/invalidOption`` when the option cannot be
    ///   written or the value is out of range; libzmq's error (`EINVAL`) when libzmq refuses it.
    public func setOption<Value>(_ option: SocketOption<Value>, to value: Value) throws(ZeroMQError) {
        guard option.access.contains(.write) else {
            throw ZeroMQError(
                code: .invalidOption, operation: "setOption(\(option.name))", socket: core.label,
                reason: "libzmq does not allow setting \(option.name)"
            )
        }
        let raw: RawOptionValue
        do {
            raw = try option.encode(value)
        } catch {
            throw ZeroMQError(
                code: .invalidOption, operation: "setOption(\(option.name))", socket: core.label, reason: error.reason
            )
        }
        try core.setRawOption(option.code, name: option.name, raw)
    }

    /// Reads a socket option.
    ///
    /// ```swift
    /// let hwm = try await socket.option(.sendHighWaterMark)
    /// ```
    ///
    /// - Throws: ``ZeroMQError/Code-swift.struct/invalidOption`` when libzmq does not let the
    ///   option be read; libzmq's errors otherwise.
    public func option<Value>(_ option: SocketOption<Value>) throws(ZeroMQError) -> Value {
        guard option.access.contains(.read) else {
            throw ZeroMQError(
                code: .invalidOption, operation: "option(\(option.name))", socket: core.label,
                reason: "libzmq does not allow reading \(option.name)"
            )
        }
        return option.decode(try core.rawOption(option.code, name: option.name, kind: option.rawKind))
    }

    /// Whether received frames keep libzmq's message, so that ``Frame/metadata(_:)`` can read
    /// properties such as `Peer-Address`. Off by default: small frames are then copied out and
    /// libzmq's message is freed at once, which is faster.
    public var keepsMessageMetadata: Bool { core.confined.keepsMetadata }

    /// Turns ``keepsMessageMetadata`` on or off for frames received from now on.
    public func setKeepsMessageMetadata(_ keeps: Bool) {
        core.confined.keepsMetadata = keeps
    }
}
