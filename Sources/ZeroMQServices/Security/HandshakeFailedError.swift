#if canImport(Glibc)
import Glibc
#endif
import ZeroMQ

/// Why a ``RequestClient`` could not reach a service: its last handshake with the endpoint
/// failed, as the socket's monitor reported it. The ``RequestError/underlying`` error of an
/// ``RequestError/Code-swift.struct/unreachable`` call when handshakes failed meanwhile.
///
/// A handshake fails when the two ends do not agree on security: the service's authenticator
/// refused the client (ZAP status 400: its key is not allowed, a wrong password, a denied
/// address), the client has a wrong server key (the service cannot decrypt its hello and drops
/// the connection), or the two use different mechanisms (a NULL or PLAIN client against a
/// CURVE service).
public struct HandshakeFailedError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The monitor's event: ``/ZeroMQ/SocketEvent/Kinds-swift.struct/handshakeFailedAuthentication``
    /// (value: the ZAP status code), ``/ZeroMQ/SocketEvent/Kinds-swift.struct/handshakeFailedProtocol``
    /// (value: libzmq's `ZMQ_PROTOCOL_ERROR_*` code) or
    /// ``/ZeroMQ/SocketEvent/Kinds-swift.struct/handshakeFailedNoDetail`` (value: an errno).
    public var event: SocketEvent

    /// Wraps a monitor event of a failed handshake.
    public init(_ event: SocketEvent) {
        self.event = event
    }

    /// The failure, decoded (``/ZeroMQ/HandshakeFailure``), or `nil` for an event that is not a failed
    /// handshake.
    public var failure: HandshakeFailure? { HandshakeFailure(event) }

    /// Such as `the handshake with tcp://127.0.0.1:5555 failed: the service's authenticator
    /// refused this client (ZAP status 400)`.
    public var description: String {
        let reason: String
        switch failure {
        case .authentication(let status):
            reason = "the service's authenticator refused this client (ZAP status \(status))"
        case .protocolError(.mechanismMismatch):
            reason = "the two ends use different security mechanisms (ZMTP mechanism mismatch)"
        case .protocolError(.cryptographic):
            reason = "a handshake command did not decrypt (with CURVE: a wrong server key)"
        case .protocolError(let error):
            reason = "protocol error \(error)"
        case .noDetail, nil:
            reason = "the connection ended during the handshake (errno \(event.value): \(Self.message(ofErrno: event.value))); "
                + "with CURVE, often a wrong server key, which the service answers by closing the connection"
        }
        return "the handshake with \(event.endpoint) failed: \(reason)"
    }
}

extension HandshakeFailedError {
    /// The C library's message for `errno` (`strerror`), such as `Broken pipe`.
    static func message(ofErrno errno: UInt32) -> String {
        #if canImport(Glibc)
        return String(cString: strerror(Int32(bitPattern: errno)))
        #else
        return "errno \(errno)"
        #endif
    }
}

extension SocketEvent.Kinds {
    /// The three kinds of failed handshake.
    static let failedHandshakes: SocketEvent.Kinds = [
        .handshakeFailedNoDetail, .handshakeFailedProtocol, .handshakeFailedAuthentication,
    ]
}
