import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a non-blocking libzmq call ended when it did not fail.
enum NonBlockingResult<Value> {
    /// The call did its work and returned `Value`.
    case done(Value)
    /// libzmq refused with `EAGAIN`: the call would have blocked (no message to receive, or the
    /// high-water mark reached).
    case wouldBlock
}

/// The one way into libzmq's functions that fail by returning -1 and setting errno, as swift-nio's
/// `System.swift` is for system calls.
///
/// Every such call goes through ``errno(of:errno:)``, which retries `EINTR` (a signal arrived
/// while libzmq waited); ``checked(_:socket:endpoint:errno:_:)`` and
/// ``nonBlocking(_:socket:endpoint:errno:_:)`` build on it and turn a failure into one
/// ``ZeroMQError`` naming the operation, the socket and the endpoint, with the errno's name and
/// libzmq's message. Errno values are compared as numbers (`EAGAIN`, ``ErrnoName/EFSM``), never
/// by name.
///
/// `errno` is libzmq's (`zmq_errno()`, which is the thread's errno); tests pass a script instead,
/// to exercise the retry and the errors without a socket.
enum LibZMQCall {
    /// Runs `body` until it does not fail with `EINTR`.
    ///
    /// - Returns: 0 when `body` returned a non-negative value, otherwise the errno it failed
    ///   with (never `EINTR`).
    static func errno(of body: () -> Int32, errno: () -> Int32 = { zmq_errno() }) -> Int32 {
        while true {
            if body() >= 0 { return 0 }
            let error = errno()
            if error != EINTR { return error }
        }
    }

    /// Runs `body` (retrying `EINTR`) and returns its result, or throws its failure.
    ///
    /// - Parameters:
    ///   - operation: what the caller was doing, for the error (`bind`, `setOption(ZMQ_LINGER)`).
    ///   - socket: the socket's label, when there is one.
    ///   - endpoint: the endpoint involved, when there is one.
    @discardableResult
    static func checked(
        _ operation: String,
        socket: String? = nil,
        endpoint: String? = nil,
        errno: () -> Int32 = { zmq_errno() },
        _ body: () -> Int32
    ) throws(ZeroMQError) -> Int32 {
        let (result, error) = call(body, errno: errno)
        guard error == 0 else { throw ZeroMQError.libzmq(operation, socket: socket, endpoint: endpoint, errno: error) }
        return result
    }

    /// Runs a non-blocking `body` (retrying `EINTR`): its result, ``NonBlockingResult/wouldBlock``
    /// when libzmq refused with `EAGAIN`, or a thrown failure.
    static func nonBlocking(
        _ operation: String,
        socket: String? = nil,
        endpoint: String? = nil,
        errno: () -> Int32 = { zmq_errno() },
        _ body: () -> Int32
    ) throws(ZeroMQError) -> NonBlockingResult<Int32> {
        let (result, error) = call(body, errno: errno)
        switch error {
        case 0: return .done(result)
        case EAGAIN: return .wouldBlock
        default: throw ZeroMQError.libzmq(operation, socket: socket, endpoint: endpoint, errno: error)
        }
    }

    /// `body`'s last result and ``errno(of:errno:)``'s answer.
    private static func call(_ body: () -> Int32, errno: () -> Int32) -> (result: Int32, errno: Int32) {
        var result: Int32 = 0
        let error = Self.errno(of: {
            result = body()
            return result
        }, errno: errno)
        return (result, error)
    }
}
