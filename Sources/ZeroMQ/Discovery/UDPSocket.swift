#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A non-blocking IPv4 UDP socket for beacons: broadcast allowed, address and port shared
/// (`SO_REUSEADDR` and `SO_REUSEPORT`, so several beacons on one host listen on one port; the
/// kernel gives each of them every broadcast datagram).
///
/// Only the thin system-call layer: the ``Beacon`` owns one, closes it, and calls it on its loop.
struct UDPSocket: Sendable {
    let descriptor: Int32

    /// Opens a socket bound to `address`:`port` (port 0: any free one).
    init(address: String, port: UInt16) throws(ZeroMQError) {
        let local = try Self.socketAddress(address, port: port, operation: "bind beacon socket")
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Self.systemError("open beacon socket", endpoint: nil) }
        descriptor = fd
        do throws(ZeroMQError) {
            for (option, name) in [(SO_REUSEADDR, "SO_REUSEADDR"), (SO_REUSEPORT, "SO_REUSEPORT"), (SO_BROADCAST, "SO_BROADCAST")] {
                var on: Int32 = 1
                guard setsockopt(fd, SOL_SOCKET, option, &on, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
                    throw Self.systemError("set \(name) on beacon socket", endpoint: nil)
                }
            }
            var bound = local
            let result = withUnsafePointer(to: &bound) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard result == 0 else { throw Self.systemError("bind beacon socket", endpoint: "udp://\(address):\(port)") }
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }

    /// The port the socket is bound to.
    func boundPort() throws(ZeroMQError) -> UInt16 {
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw Self.systemError("read beacon socket's port", endpoint: nil) }
        return UInt16(bigEndian: local.sin_port)
    }

    /// Sends one datagram; returns the errno on failure.
    func send(_ bytes: [UInt8], to destination: sockaddr_in) -> Int32? {
        var destination = destination
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &destination) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        return sent < 0 ? errno : nil
    }

    /// What one receive returned.
    enum Received {
        /// A datagram of `length` bytes (its first `min(length, buffer.count)` bytes are in the
        /// buffer) from `address`.
        case datagram(length: Int, address: String)
        /// Nothing to read now.
        case empty
        /// The receive failed with this errno.
        case failed(Int32)
    }

    /// Receives one datagram into `buffer` without waiting. A longer datagram is cut to the
    /// buffer, but its real length is returned (`MSG_TRUNC`).
    func receive(into buffer: inout [UInt8]) -> Received {
        var source = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &source) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(descriptor, raw.baseAddress, raw.count, Int32(MSG_TRUNC), $0, &length)
                    }
                }
            }
            if count >= 0 { return .datagram(length: count, address: Self.string(source.sin_addr)) }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return .empty }
            return .failed(error)
        }
    }

    /// Closes the descriptor.
    func close() {
        _ = Glibc.close(descriptor)
    }

    /// `address`:`port` as a socket address.
    static func socketAddress(_ address: String, port: UInt16, operation: String) throws(ZeroMQError) -> sockaddr_in {
        var result = sockaddr_in()
        result.sin_family = sa_family_t(AF_INET)
        result.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &result.sin_addr) == 1 else {
            throw ZeroMQError(
                code: .invalidArgument, operation: operation, endpoint: address,
                reason: "not an IPv4 address in dotted form (beacons are IPv4 only)"
            )
        }
        return result
    }

    /// An IPv4 address in dotted form.
    static func string(_ address: in_addr) -> String {
        var address = address
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &address, &text, socklen_t(text.count)) != nil else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The errno of the system call that just failed, as an error value.
    static func systemError(_ operation: String, endpoint: String?, errno error: Int32 = errno) -> ZeroMQError {
        ZeroMQError(
            code: .systemResource, operation: operation, endpoint: endpoint, errno: error,
            reason: String(cString: strerror(error))
        )
    }
}
