import CZeroMQ

// The libzmq side of ``Socket``'s option methods. Loop thread only.
extension SocketCore {
    /// `zmq_setsockopt`. Loop thread only.
    func setRawOption(_ code: Int32, name: String, _ value: RawOptionValue) throws(ZeroMQError) {
        let operation = "setOption(\(name))"
        let handle = try liveHandle(for: operation)
        if code == ZMQ_ROUTER_MANDATORY, writeBehind > 0, case .int32(let flag) = value {
            try setRouterMandatory(flag != 0, handle: handle, operation: operation)
            return
        }
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

    /// A ROUTER's `ZMQ_ROUTER_MANDATORY`, which decides whether its sends may be queued from
    /// outside the loop (``SocketType/allowsWriteBehind``). Turned on, queuing stops first and
    /// what was queued goes to libzmq before the option applies (those sends were reported
    /// sent); turned off, queuing resumes after. Loop thread only.
    private func setRouterMandatory(_ on: Bool, handle: UnsafeMutableRawPointer, operation: String) throws(ZeroMQError) {
        var number: Int32 = on ? 1 : 0
        if on {
            outbox.withLock { $0.routerMandatory = true }
            flushOutbox()
        }
        do {
            try LibZMQCall.checked(operation, socket: label) { zmq_setsockopt(handle, ZMQ_ROUTER_MANDATORY, &number, MemoryLayout<Int32>.size) }
        } catch {
            if on { outbox.withLock { $0.routerMandatory = false } }
            throw error
        }
        if !on { outbox.withLock { $0.routerMandatory = false } }
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
