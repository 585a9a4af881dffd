import CZeroMQ

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

extension SocketCore {
    /// `zmq_setsockopt`. Loop thread only.
    func setRawOption(_ code: Int32, name: String, _ value: RawOptionValue) throws(ZeroMQError) {
        let handle = try liveHandle(for: "setOption(\(name))")
        let rc: Int32
        switch value {
        case .int32(var number):
            rc = zmq_setsockopt(handle, code, &number, MemoryLayout<Int32>.size)
        case .int64(var number):
            rc = zmq_setsockopt(handle, code, &number, MemoryLayout<Int64>.size)
        case .uint64(var number):
            rc = zmq_setsockopt(handle, code, &number, MemoryLayout<UInt64>.size)
        case .bytes(let bytes):
            // An empty value goes as (NULL, 0): libzmq reads that as "clear" for the PLAIN, ZAP
            // and proxy options, and as the empty prefix for (un)subscribe.
            rc = bytes.isEmpty
                ? zmq_setsockopt(handle, code, nil, 0)
                : bytes.withUnsafeBytes { zmq_setsockopt(handle, code, $0.baseAddress, $0.count) }
        }
        guard rc == 0 else { throw ZeroMQError.libzmq("setOption(\(name))", socket: label) }
    }

    /// `zmq_getsockopt`. Loop thread only.
    func rawOption(_ code: Int32, name: String, kind: RawOptionValue.Kind) throws(ZeroMQError) -> RawOptionValue {
        let handle = try liveHandle(for: "option(\(name))")
        func fail() -> ZeroMQError { ZeroMQError.libzmq("option(\(name))", socket: label) }
        switch kind {
        case .int32:
            var value: Int32 = 0
            var size = MemoryLayout<Int32>.size
            guard zmq_getsockopt(handle, code, &value, &size) == 0 else { throw fail() }
            return .int32(value)
        case .int64:
            var value: Int64 = 0
            var size = MemoryLayout<Int64>.size
            guard zmq_getsockopt(handle, code, &value, &size) == 0 else { throw fail() }
            return .int64(value)
        case .uint64:
            var value: UInt64 = 0
            var size = MemoryLayout<UInt64>.size
            guard zmq_getsockopt(handle, code, &value, &size) == 0 else { throw fail() }
            return .uint64(value)
        case .bytes(let maximumLength), .string(let maximumLength):
            var buffer = [UInt8](repeating: 0, count: maximumLength + 1)
            var size = buffer.count
            guard zmq_getsockopt(handle, code, &buffer, &size) == 0 else { throw fail() }
            var bytes = Array(buffer.prefix(size))
            if case .string = kind, bytes.last == 0 { bytes.removeLast() }
            return .bytes(bytes)
        }
    }

    /// A text option, such as `ZMQ_LAST_ENDPOINT`. Loop thread only.
    func stringOption(_ code: Int32, name: String) throws(ZeroMQError) -> String {
        guard case .bytes(let bytes) = try rawOption(code, name: name, kind: .string(maximumLength: 1024)) else {
            return ""
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
