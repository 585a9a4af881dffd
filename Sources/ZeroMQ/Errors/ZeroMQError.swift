import CZeroMQ

/// The one error type of swift-zeromq: what failed, on which socket or endpoint, and why.
///
/// Every failure names the operation (`bind`, `send`, `receive`, ...), the socket it happened on
/// (for example `PUSH#3`), the endpoint when there is one, and the reason: for libzmq failures the
/// errno name and libzmq's own message, as in
/// `bind tcp://127.0.0.1:5555 on REP#1: EADDRINUSE (Address already in use)`.
///
/// Compare errors by ``code``; new codes may be added without breaking source compatibility.
public struct ZeroMQError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. New codes may be added in later versions.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case libzmq
            case timedOut
            case socketClosed
            case contextTerminated
            case invalidEndpoint
            case unsupportedTransport
            case invalidOption
            case invalidArgument
            case invalidState
            case systemResource
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// libzmq reported an error; ``ZeroMQError/errno`` and ``ZeroMQError/errnoName`` say which.
        public static let libzmq = Code(.libzmq)
        /// The operation's timeout elapsed before it could complete. Nothing was sent or taken.
        public static let timedOut = Code(.timedOut)
        /// The socket was closed (by ``Socket/close()``, its context's shutdown or before the call).
        public static let socketClosed = Code(.socketClosed)
        /// The context was shut down or terminated, so no socket can be created on it.
        public static let contextTerminated = Code(.contextTerminated)
        /// The endpoint string is malformed; rejected before libzmq saw it.
        public static let invalidEndpoint = Code(.invalidEndpoint)
        /// The endpoint's transport is unknown, or not built into this libzmq.
        public static let unsupportedTransport = Code(.unsupportedTransport)
        /// A socket option value is out of range or the option cannot be used that way.
        public static let invalidOption = Code(.invalidOption)
        /// An argument is invalid (for example an empty multipart message).
        public static let invalidArgument = Code(.invalidArgument)
        /// The call is not allowed in the current state, whatever its arguments: a proxy that is
        /// not running (or already ran), a socket that cannot be handed over to a device while
        /// calls wait on it or messages it read ahead are unreceived. Retry once the state changes.
        public static let invalidState = Code(.invalidState)
        /// The operating system refused a resource the library needs (a thread, an eventfd).
        public static let systemResource = Code(.systemResource)

        public var description: String {
            switch base {
            case .libzmq: "libzmq error"
            case .timedOut: "timed out"
            case .socketClosed: "socket closed"
            case .contextTerminated: "context terminated"
            case .invalidEndpoint: "invalid endpoint"
            case .unsupportedTransport: "unsupported transport"
            case .invalidOption: "invalid option"
            case .invalidArgument: "invalid argument"
            case .invalidState: "invalid state"
            case .systemResource: "system resource unavailable"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The operation that failed, such as `bind`, `connect`, `send`, `receive`, `setOption(ZMQ_LINGER)`.
    public var operation: String
    /// The socket it failed on, as `TYPE#id` (for example `PUSH#3`), when a socket was involved.
    public var socket: String?
    /// The endpoint involved, when there was one.
    public var endpoint: String?
    /// The errno value reported by libzmq or the system, when there was one.
    public var errno: Int32?
    /// Why it failed: libzmq's message for its errors, otherwise a sentence of ours.
    public var reason: String

    /// Whether the error only says that the socket or its context is gone
    /// (``Code-swift.struct/socketClosed`` or ``Code-swift.struct/contextTerminated``): the normal
    /// end of a receive loop or a service, not a failure to report.
    public var isEndOfStream: Bool {
        code == .socketClosed || code == .contextTerminated
    }

    /// The symbolic name of ``errno`` (`EADDRINUSE`, `EFSM`, `ETERM`, ...), when there is one.
    public var errnoName: String? { errno.map(ErrnoName.name(of:)) }

    /// Creates an error value. Library code uses the factory helpers; this initializer exists for
    /// layers built on top (and for tests) that need to produce the same error shape.
    public init(
        code: Code,
        operation: String,
        socket: String? = nil,
        endpoint: String? = nil,
        errno: Int32? = nil,
        reason: String
    ) {
        self.code = code
        self.operation = operation
        self.socket = socket
        self.endpoint = endpoint
        self.errno = errno
        self.reason = reason
    }

    /// `operation endpoint on SOCKET: ENAME (reason)` or `operation on SOCKET: reason`.
    public var description: String {
        var text = operation
        if let endpoint { text += " \(endpoint)" }
        if let socket { text += " on \(socket)" }
        if let errnoName {
            text += ": \(errnoName) (\(reason))"
        } else {
            text += ": \(reason)"
        }
        return text
    }
}

extension ZeroMQError {
    /// An error from the errno libzmq just reported on this thread.
    static func libzmq(
        _ operation: String,
        socket: String? = nil,
        endpoint: String? = nil,
        errno: Int32 = zmq_errno()
    ) -> ZeroMQError {
        let code: Code = errno == ErrnoName.ETERM ? .contextTerminated : .libzmq
        return ZeroMQError(
            code: code,
            operation: operation,
            socket: socket,
            endpoint: endpoint,
            errno: errno,
            reason: String(cString: zmq_strerror(errno))
        )
    }

    static func closed(_ operation: String, socket: String) -> ZeroMQError {
        ZeroMQError(code: .socketClosed, operation: operation, socket: socket, reason: "the socket is closed")
    }

    static func timedOut(_ operation: String, socket: String, after timeout: Duration) -> ZeroMQError {
        ZeroMQError(
            code: .timedOut,
            operation: operation,
            socket: socket,
            reason: "no progress within \(timeout); nothing was sent or taken"
        )
    }
}
