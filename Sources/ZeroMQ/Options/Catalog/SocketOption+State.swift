import CZeroMQ

// Part of the socket option catalog (SocketOption+Catalog.swift, this folder): what libzmq reports
// and nobody sets: the socket type, the last endpoint, ...

// MARK: - Read-only state

extension SocketOption where Value == Int {
    /// The socket's libzmq type number (`ZMQ_TYPE`), as in ``SocketType/rawValue``: 0 PAIR,
    /// 1 PUB, 2 SUB, 3 REQ, 4 REP, 5 DEALER, 6 ROUTER, 7 PULL, 8 PUSH, 9 XPUB, 10 XSUB,
    /// 11 STREAM. Read-only.
    public static var type: SocketOption<Int> {
        .int("ZMQ_TYPE", ZMQ_TYPE, .read)
    }

    /// The security mechanism in use (`ZMQ_MECHANISM`): 0 NULL (`ZMQ_NULL`), 1 PLAIN
    /// (`ZMQ_PLAIN`), 2 CURVE (`ZMQ_CURVE`), 3 GSSAPI (`ZMQ_GSSAPI`). Follows the last security
    /// option set. Default 0. Read-only.
    public static var mechanism: SocketOption<Int> {
        .int("ZMQ_MECHANISM", ZMQ_MECHANISM, .read)
    }
}

extension SocketOption where Value == Bool {
    /// Whether the frame last received has more frames of the same message after it
    /// (`ZMQ_RCVMORE`). Read-only.
    public static var receiveMore: SocketOption<Bool> {
        .flag("ZMQ_RCVMORE", ZMQ_RCVMORE, .read)
    }

    /// Whether the socket may be used from several threads at once (`ZMQ_THREAD_SAFE`). Only
    /// the draft socket types are, so it is always `false` here. Read-only.
    public static var threadSafe: SocketOption<Bool> {
        .flag("ZMQ_THREAD_SAFE", ZMQ_THREAD_SAFE, .read)
    }
}

extension SocketOption where Value == String {
    /// The endpoint last bound or connected (`ZMQ_LAST_ENDPOINT`), with wildcards resolved,
    /// such as `"tcp://127.0.0.1:41234"` after binding `"tcp://127.0.0.1:*"`. Empty before
    /// any. Read-only.
    public static var lastEndpoint: SocketOption<String> {
        .string("ZMQ_LAST_ENDPOINT", ZMQ_LAST_ENDPOINT, .read, maximumLength: 1024)
    }
}
