import CZeroMQ

/// Why a ZMTP handshake failed, as libzmq's monitor reports it.
///
/// ```swift
/// if case .handshakeFailed(.protocolError(.mechanismMismatch)) = update.change { ... }
/// ```
///
/// libzmq reports three kinds of failure (`zmq_socket_monitor(3)`); which side sees which, for
/// each way a handshake can go wrong, is in Docs/Monitoring.md.
public enum HandshakeFailure: Sendable, Hashable, CustomStringConvertible {
    /// The handshake ended before it could say why (`ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL`): the
    /// peer closed the connection, the handshake interval passed, or a PLAIN server found no ZAP
    /// handler. `errno` is libzmq's errno at that moment (often 0; `EFAULT` for the missing ZAP
    /// handler).
    case noDetail(errno: Int32)
    /// The peer broke the protocol (`ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`): a mechanism
    /// mismatch, a command that does not decrypt (a wrong CURVE server key), a malformed command
    /// or ZAP reply.
    case protocolError(ProtocolError)
    /// Authentication refused the peer (`ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`), with the ZAP status
    /// code: 300 (temporary error), 400 (denied) or 500 (internal error).
    case authentication(status: Int)

    public var description: String {
        switch self {
        case .noDetail(let errno):
            errno == 0 ? "no detail" : "no detail (\(ErrnoName.name(of: errno)))"
        case .protocolError(let error):
            "protocol error \(error)"
        case .authentication(let status):
            "authentication failed with ZAP status \(status)"
        }
    }

    /// The failure a monitor event reports, or `nil` for an event that is not a failed handshake.
    public init?(_ event: SocketEvent) {
        switch event.kind {
        case .handshakeFailedNoDetail:
            self = .noDetail(errno: Int32(bitPattern: event.value))
        case .handshakeFailedProtocol:
            self = .protocolError(ProtocolError(rawValue: event.value))
        case .handshakeFailedAuthentication:
            self = .authentication(status: Int(event.value))
        default:
            return nil
        }
    }
}

/// A ZMTP or ZAP protocol error code (the `ZMQ_PROTOCOL_ERROR_*` values of zmq.h), with its name.
public struct ProtocolError: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code as libzmq reports it.
    public let rawValue: UInt32

    /// Wraps a code; codes libzmq 4.3.4 does not define keep their number.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    private init(_ code: Int32) {
        rawValue = UInt32(bitPattern: code)
    }

    /// An unspecified ZMTP error.
    public static let zmtpUnspecified = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED)
    /// A command that was not expected at this point of the handshake.
    public static let unexpectedCommand = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND)
    /// Commands in the wrong order.
    public static let invalidSequence = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE)
    /// The key exchange failed.
    public static let keyExchange = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE)
    /// A malformed command of no particular kind.
    public static let malformedCommand = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED)
    /// A malformed MESSAGE command.
    public static let malformedMessage = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE)
    /// A malformed HELLO command.
    public static let malformedHello = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO)
    /// A malformed INITIATE command.
    public static let malformedInitiate = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE)
    /// A malformed ERROR command.
    public static let malformedError = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR)
    /// A malformed READY command.
    public static let malformedReady = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY)
    /// A malformed WELCOME command.
    public static let malformedWelcome = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME)
    /// Metadata that does not parse.
    public static let invalidMetadata = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA)
    /// A command that does not decrypt or authenticate (with CURVE: a wrong server key).
    public static let cryptographic = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
    /// The peers use different security mechanisms (NULL, PLAIN, CURVE), or both are servers.
    public static let mechanismMismatch = ProtocolError(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
    /// An unspecified ZAP error.
    public static let zapUnspecified = ProtocolError(ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED)
    /// The ZAP handler's reply is malformed.
    public static let zapMalformedReply = ProtocolError(ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY)
    /// The ZAP reply's request id is not the request's.
    public static let zapBadRequestID = ProtocolError(ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID)
    /// The ZAP reply's version is not 1.0.
    public static let zapBadVersion = ProtocolError(ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION)
    /// The ZAP reply's status code is not 200, 300, 400 or 500.
    public static let zapInvalidStatusCode = ProtocolError(ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE)
    /// The ZAP reply's metadata does not parse.
    public static let zapInvalidMetadata = ProtocolError(ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA)
    /// An unspecified WebSocket error.
    public static let webSocketUnspecified = ProtocolError(ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED)

    private static let names: [UInt32: String] = [
        zmtpUnspecified.rawValue: "ZMTP_UNSPECIFIED",
        unexpectedCommand.rawValue: "ZMTP_UNEXPECTED_COMMAND",
        invalidSequence.rawValue: "ZMTP_INVALID_SEQUENCE",
        keyExchange.rawValue: "ZMTP_KEY_EXCHANGE",
        malformedCommand.rawValue: "ZMTP_MALFORMED_COMMAND_UNSPECIFIED",
        malformedMessage.rawValue: "ZMTP_MALFORMED_COMMAND_MESSAGE",
        malformedHello.rawValue: "ZMTP_MALFORMED_COMMAND_HELLO",
        malformedInitiate.rawValue: "ZMTP_MALFORMED_COMMAND_INITIATE",
        malformedError.rawValue: "ZMTP_MALFORMED_COMMAND_ERROR",
        malformedReady.rawValue: "ZMTP_MALFORMED_COMMAND_READY",
        malformedWelcome.rawValue: "ZMTP_MALFORMED_COMMAND_WELCOME",
        invalidMetadata.rawValue: "ZMTP_INVALID_METADATA",
        cryptographic.rawValue: "ZMTP_CRYPTOGRAPHIC",
        mechanismMismatch.rawValue: "ZMTP_MECHANISM_MISMATCH",
        zapUnspecified.rawValue: "ZAP_UNSPECIFIED",
        zapMalformedReply.rawValue: "ZAP_MALFORMED_REPLY",
        zapBadRequestID.rawValue: "ZAP_BAD_REQUEST_ID",
        zapBadVersion.rawValue: "ZAP_BAD_VERSION",
        zapInvalidStatusCode.rawValue: "ZAP_INVALID_STATUS_CODE",
        zapInvalidMetadata.rawValue: "ZAP_INVALID_METADATA",
        webSocketUnspecified.rawValue: "WS_UNSPECIFIED",
    ]

    /// The zmq.h name without its `ZMQ_PROTOCOL_ERROR_` prefix, such as `ZMTP_MECHANISM_MISMATCH`;
    /// `nil` for a code libzmq 4.3.4 does not define.
    public var name: String? { Self.names[rawValue] }

    /// The name and the code, such as `ZMTP_CRYPTOGRAPHIC (0x11000001)`.
    public var description: String {
        let hex = "0x" + String(rawValue, radix: 16)
        return name.map { "\($0) (\(hex))" } ?? "unknown (\(hex))"
    }
}
