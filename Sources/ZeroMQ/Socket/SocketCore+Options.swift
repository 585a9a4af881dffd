import CZeroMQ

// The libzmq side of ``Socket``'s option methods. Loop thread only.
extension SocketCore {
    /// `zmq_setsockopt`. Loop thread only.
    func setRawOption(_ code: Int32, name: String, _ value: RawOptionValue) throws(ZeroMQError) {
        let operation = "setOption(\(name))"
        let handle = try liveHandle(for: operation)
        switch value {
        case .int32(var number):
            try LibZMQCall.checked(operation, socket: label) { zmq_setsockopt(handle, code, &number, MemoryLayout<Int32>.size) }
        case .int64(var number):
            try LibZMQCall.checked(operation, socket: label) { zmq_setsockopt(handle, code, &number, MemoryLayout<Int64>.size) }
        case .uint64(var number):
            try LibZMQCall.checked(operation, socket: label) { zmq_setsockopt(handle, code, &number, MemoryLayout<UInt64>.size) }
        case .bytes(let bytes):
            // An empty value goes as (NULL, 0): libzmq reads that as "clear" for the PLAIN, ZAP
            // and proxy options, and as the empty prefix for (un)subscribe.
            try LibZMQCall.checked(operation, socket: label) {
                bytes.isEmpty
                    ? zmq_setsockopt(handle, code, nil, 0)
                    : bytes.withUnsafeBytes { zmq_setsockopt(handle, code, $0.baseAddress, $0.count) }
            }
        }
    }

    /// `zmq_getsockopt`. Loop thread only.
    func rawOption(_ code: Int32, name: String, kind: RawOptionValue.Kind) throws(ZeroMQError) -> RawOptionValue {
        let operation = "option(\(name))"
        let handle = try liveHandle(for: operation)
        switch kind {
        case .int32:
            var value: Int32 = 0
            var size = MemoryLayout<Int32>.size
            try LibZMQCall.checked(operation, socket: label) { zmq_getsockopt(handle, code, &value, &size) }
            return .int32(value)
        case .int64:
            var value: Int64 = 0
            var size = MemoryLayout<Int64>.size
            try LibZMQCall.checked(operation, socket: label) { zmq_getsockopt(handle, code, &value, &size) }
            return .int64(value)
        case .uint64:
            var value: UInt64 = 0
            var size = MemoryLayout<UInt64>.size
            try LibZMQCall.checked(operation, socket: label) { zmq_getsockopt(handle, code, &value, &size) }
            return .uint64(value)
        case .bytes(let maximumLength), .string(let maximumLength):
            var buffer = [UInt8](repeating: 0, count: maximumLength + 1)
            var size = buffer.count
            try LibZMQCall.checked(operation, socket: label) { zmq_getsockopt(handle, code, &buffer, &size) }
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
