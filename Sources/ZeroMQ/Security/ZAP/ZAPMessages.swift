/// A security mechanism named in a ZAP request (ZeroMQ RFC 27): `NULL`, `PLAIN`, `CURVE`,
/// `GSSAPI`, or whatever a peer sends.
public struct ZAPMechanism: Hashable, Sendable, CustomStringConvertible {
    /// The mechanism's name as it appears on the wire.
    public var name: String

    /// A mechanism from its wire name.
    public init(_ name: String) {
        self.name = name
    }

    /// No security: ZAP is consulted only when the server socket has a ZAP domain.
    public static let null = ZAPMechanism("NULL")
    /// User name and password, in clear text.
    public static let plain = ZAPMechanism("PLAIN")
    /// CurveZMQ: encrypted, the client authenticated by its long-term public key.
    public static let curve = ZAPMechanism("CURVE")
    /// Kerberos (not built into Debian's libzmq; always denied by ``ZAPAuthenticator``).
    public static let gssapi = ZAPMechanism("GSSAPI")

    public var description: String { name }
}

/// The status code of a ZAP reply (ZeroMQ RFC 27).
public struct ZAPStatus: Hashable, Sendable, CustomStringConvertible {
    /// The three-digit code: 200, 300, 400 or 500.
    public var code: Int

    /// A status from its code.
    public init(code: Int) {
        self.code = code
    }

    /// 200: the peer is authenticated; the connection goes on.
    public static let success = ZAPStatus(code: 200)
    /// 300: a temporary failure. libzmq 4.3.4 neither accepts nor drops the connection: it
    /// hangs until the handshake interval (``SocketOption/handshakeInterval``) ends it.
    public static let temporaryFailure = ZAPStatus(code: 300)
    /// 400: authentication failed; libzmq disconnects, and a CURVE client does not retry.
    public static let authenticationFailure = ZAPStatus(code: 400)
    /// 500: the handler failed; libzmq disconnects.
    public static let internalError = ZAPStatus(code: 500)

    /// Whether the status lets the connection through (200).
    public var isSuccess: Bool { code == 200 }

    public var description: String { String(code) }
}

/// A ZAP request as libzmq sends it to the handler bound at `inproc://zeromq.zap.01`.
///
/// On the wire (after the ROUTER's envelope): `version` ("1.0"), `request id`, `domain`,
/// `address`, `identity` (the connection's routing id), `mechanism`, then the credentials:
/// none for NULL, user name and password for PLAIN, the client's 32-byte public key for CURVE.
/// libzmq 4.3.4 always sends request id `1`, and an address without a port (`127.0.0.1`,
/// `::1`; over ipc `localhost:UID:GID:PID`).
public struct ZAPRequest: Sendable, Hashable {
    /// The request id, echoed in the reply.
    public var requestID: [UInt8]
    /// The server socket's ZAP domain (``SocketOption/zapDomain``); empty when it has none.
    public var domain: String
    /// The peer's address, without a port.
    public var address: String
    /// The connection's routing id (ZAP's "identity" frame): what the peer set with
    /// ``SocketOption/routingID``, usually empty.
    public var routingID: [UInt8]
    /// The mechanism the peer uses.
    public var mechanism: ZAPMechanism
    /// The credentials frames, as they came (their meaning depends on ``mechanism``).
    public var credentials: [[UInt8]]

    /// Makes a request (for tests and for code that feeds the decision core itself).
    public init(
        requestID: [UInt8] = Array("1".utf8), domain: String, address: String, routingID: [UInt8] = [],
        mechanism: ZAPMechanism, credentials: [[UInt8]] = []
    ) {
        self.requestID = requestID
        self.domain = domain
        self.address = address
        self.routingID = routingID
        self.mechanism = mechanism
        self.credentials = credentials
    }

    /// The protocol version this implementation speaks.
    static let version: [UInt8] = Array("1.0".utf8)

    /// Why a request could not be read: the reply to give (when there is a request id to give it
    /// to) and what to log.
    struct Malformed: Error, Equatable {
        /// The request id, when the message had one.
        var requestID: [UInt8]?
        /// What is wrong with it.
        var reason: String
    }

    /// Reads a request from its frames (the envelope already removed).
    ///
    /// - Throws: ``Malformed`` when the frames are too few, the version is not 1.0, or a text
    ///   frame is not UTF-8.
    init(frames: [[UInt8]]) throws(Malformed) {
        guard frames.count >= 6 else {
            throw Malformed(
                requestID: frames.count >= 2 ? frames[1] : nil,
                reason: "a ZAP request has at least 6 frames, this one \(frames.count)"
            )
        }
        guard frames[0] == Self.version else {
            throw Malformed(requestID: frames[1], reason: "unsupported ZAP version \(Self.printable(frames[0]))")
        }
        func text(_ index: Int, _ name: String) throws(Malformed) -> String {
            guard let text = String(validating: frames[index], as: UTF8.self) else {
                throw Malformed(requestID: frames[1], reason: "the \(name) frame is not UTF-8")
            }
            return text
        }
        requestID = frames[1]
        domain = try text(2, "domain")
        address = try text(3, "address")
        routingID = frames[4]
        mechanism = ZAPMechanism(try text(5, "mechanism"))
        credentials = Array(frames[6...])
    }

    /// Up to 32 bytes of `bytes` as text when printable ASCII, otherwise in hex: for error messages.
    static func printable(_ bytes: [UInt8]) -> String {
        let head = bytes.prefix(32)
        if head.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return "\"\(String(decoding: head, as: UTF8.self))\(bytes.count > 32 ? "…" : "")\""
        }
        return "0x" + head.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + (bytes.count > 32 ? "…" : "")
    }
}

/// A ZAP reply: what the handler tells libzmq.
///
/// On the wire: `version` ("1.0"), `request id`, `status code`, `status text`, `user id`,
/// `metadata` (ZMTP property list: a 1-byte name length, the name, a 4-byte big-endian value
/// length, the value; repeated). libzmq attaches the user id and the metadata to every message
/// of the connection (``Frame/metadata(_:)``, ``Frame/userID``).
public struct ZAPReply: Sendable, Hashable {
    /// The request id being answered.
    public var requestID: [UInt8]
    /// The decision.
    public var status: ZAPStatus
    /// Why (for 200: "OK").
    public var statusText: String
    /// The authenticated identity, empty unless the status is 200.
    public var userID: String
    /// Properties attached to the connection's messages; names up to 255 bytes.
    public var metadata: [String: String]

    /// Makes a reply.
    public init(requestID: [UInt8], status: ZAPStatus, statusText: String, userID: String = "", metadata: [String: String] = [:]) {
        self.requestID = requestID
        self.status = status
        self.statusText = statusText
        self.userID = userID
        self.metadata = metadata
    }

    /// The reply's six frames.
    var frames: [Frame] {
        [
            Frame(ZAPRequest.version), Frame(requestID), Frame(String(status.code)), Frame(statusText),
            Frame(userID), Frame(Self.encode(metadata)),
        ]
    }

    /// ZMTP metadata encoding, names in sorted order (so the bytes are deterministic). Names
    /// longer than 255 bytes are left out (the decision core refuses them before this).
    static func encode(_ metadata: [String: String]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            let nameBytes = Array(name.utf8)
            guard !nameBytes.isEmpty, nameBytes.count <= 255 else { continue }
            let valueBytes = Array(value.utf8)
            bytes.append(UInt8(nameBytes.count))
            bytes += nameBytes
            let length = UInt32(clamping: valueBytes.count)
            bytes += [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
            bytes += valueBytes
        }
        return bytes
    }
}
