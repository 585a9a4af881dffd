import CZeroMQ

// Part of the socket option catalog (SocketOption+Catalog.swift, this folder): high-water marks
// and kernel buffers.

// MARK: - High-water marks and buffers

extension SocketOption where Value == Int {
    /// The send high-water mark: the most outstanding messages libzmq queues per peer for
    /// sending (`ZMQ_SNDHWM`). 0 means no limit. Default 1000 messages.
    ///
    /// When it is reached the socket blocks or drops, depending on its type. Takes effect for
    /// later binds and connects.
    public static var sendHighWaterMark: SocketOption<Int> {
        .int("ZMQ_SNDHWM", ZMQ_SNDHWM, .readWrite, range: 0...Int(Int32.max))
    }

    /// The receive high-water mark: the most outstanding messages libzmq queues per peer on
    /// the receiving side (`ZMQ_RCVHWM`). 0 means no limit. Default 1000 messages.
    ///
    /// Takes effect for later binds and connects.
    public static var receiveHighWaterMark: SocketOption<Int> {
        .int("ZMQ_RCVHWM", ZMQ_RCVHWM, .readWrite, range: 0...Int(Int32.max))
    }

    /// The kernel send buffer size (`SO_SNDBUF`) in bytes (`ZMQ_SNDBUF`). -1 leaves the OS
    /// default. Default -1.
    public static var sendBufferSize: SocketOption<Int> {
        .int("ZMQ_SNDBUF", ZMQ_SNDBUF, .readWrite, range: -1...Int(Int32.max))
    }

    /// The kernel receive buffer size (`SO_RCVBUF`) in bytes (`ZMQ_RCVBUF`). -1 leaves the OS
    /// default. Default -1.
    public static var receiveBufferSize: SocketOption<Int> {
        .int("ZMQ_RCVBUF", ZMQ_RCVBUF, .readWrite, range: -1...Int(Int32.max))
    }
}

extension SocketOption where Value == Int64 {
    /// The largest inbound message accepted, in bytes (`ZMQ_MAXMSGSIZE`). A peer that sends a
    /// larger one is disconnected. -1 means no limit. Default -1.
    public static var maximumMessageSize: SocketOption<Int64> {
        .int64("ZMQ_MAXMSGSIZE", ZMQ_MAXMSGSIZE, .readWrite)
    }
}

extension SocketOption where Value == Bool {
    /// Whether the socket keeps only the last message in its queues (`ZMQ_CONFLATE`).
    /// Default `false`.
    ///
    /// The high-water marks are then ignored and multipart messages are not supported. For
    /// PUSH, PULL, PUB, SUB and DEALER sockets.
    public static var conflate: SocketOption<Bool> {
        .flag("ZMQ_CONFLATE", ZMQ_CONFLATE, .readWrite)
    }
}
