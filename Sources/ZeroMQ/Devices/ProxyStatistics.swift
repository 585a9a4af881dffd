/// What a ``Proxy`` has moved so far, as libzmq counts it (`STATISTICS` on the control socket).
public struct ProxyStatistics: Hashable, Sendable, CustomStringConvertible {
    /// The counters of one of the proxy's sockets.
    public struct Side: Hashable, Sendable {
        /// Messages the socket received (whole messages, not frames).
        public var messagesReceived: UInt64
        /// Bytes the socket received, all frames.
        public var bytesReceived: UInt64
        /// Messages the socket sent.
        public var messagesSent: UInt64
        /// Bytes the socket sent, all frames.
        public var bytesSent: UInt64

        /// Counters with the given values.
        public init(messagesReceived: UInt64, bytesReceived: UInt64, messagesSent: UInt64, bytesSent: UInt64) {
            self.messagesReceived = messagesReceived
            self.bytesReceived = bytesReceived
            self.messagesSent = messagesSent
            self.bytesSent = bytesSent
        }
    }

    /// The frontend socket's counters.
    public var frontend: Side
    /// The backend socket's counters.
    public var backend: Side

    /// Statistics with the given counters.
    public init(frontend: Side, backend: Side) {
        self.frontend = frontend
        self.backend = backend
    }

    /// Parses libzmq's reply: eight frames of one native-endian `uint64_t` each, frontend's
    /// messages in, bytes in, messages out, bytes out, then the backend's.
    init?(_ reply: Message) {
        guard reply.frameCount == 8 else { return nil }
        var numbers: [UInt64] = []
        for frame in reply.frames {
            let bytes = frame.bytes
            guard bytes.count == MemoryLayout<UInt64>.size else { return nil }
            numbers.append(bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        }
        frontend = Side(messagesReceived: numbers[0], bytesReceived: numbers[1], messagesSent: numbers[2], bytesSent: numbers[3])
        backend = Side(messagesReceived: numbers[4], bytesReceived: numbers[5], messagesSent: numbers[6], bytesSent: numbers[7])
    }

    /// `frontend in 10 (640 B) out 0 (0 B); backend in 0 (0 B) out 10 (640 B)`.
    public var description: String {
        func side(_ side: Side) -> String {
            "in \(side.messagesReceived) (\(side.bytesReceived) B) out \(side.messagesSent) (\(side.bytesSent) B)"
        }
        return "frontend \(side(frontend)); backend \(side(backend))"
    }
}
