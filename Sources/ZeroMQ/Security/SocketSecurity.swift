import CZeroMQ

/// How a socket's connections are secured: the mechanism, its keys or credentials, and the
/// ZAP domain, applied together by ``Socket/setSecurity(_:)`` so that a half-configured socket
/// cannot exist.
///
/// ```swift
/// // A CURVE server that lets in the clients an authenticator allows:
/// try await server.setSecurity(.curveServer(keys: serverKeys, domain: "echo"))
/// // A client that knows the server's public key:
/// try await client.setSecurity(.curveClient(serverKey: serverKeys.publicKey, clientKeys: clientKeys))
/// ```
///
/// Who may connect is decided by a ZAP authenticator on the server's context, in the server's
/// ZAP domain. libzmq consults it for PLAIN servers always (without one, every PLAIN handshake
/// fails), for CURVE servers only when one is installed (without one, any client key is
/// accepted), and for NULL only when a ZAP domain is set.
///
/// The description never contains a password or a secret key.
public enum SocketSecurity: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// No security (libzmq's NULL mechanism), the default: no credentials and no ZAP domain.
    case null

    /// A PLAIN client: sends `username` and `password` in clear text (PLAIN authenticates,
    /// it does not encrypt; use it only on networks you trust, or use CURVE).
    ///
    /// Both must be 1 to 255 bytes of UTF-8.
    case plain(username: String, password: String)

    /// A PLAIN server: checks each client's user name and password with the ZAP authenticator
    /// of its context, in `domain`. Without an authenticator, every handshake fails.
    ///
    /// `domain` is at most 255 bytes; empty is a valid domain.
    case plainServer(domain: String)

    /// A CURVE client: encrypts, and authenticates the server by its public key, presenting
    /// `clientKeys` (the server's authenticator may check its public key).
    ///
    /// A wrong `serverKey` makes every handshake fail: no message goes either way.
    case curveClient(serverKey: CurvePublicKey, clientKeys: CurveKeyPair)

    /// A CURVE server with its long-term `keys`, checking clients in ZAP domain `domain`
    /// (at most 255 bytes; empty by default) as `clients` says.
    ///
    /// With the default ``CurveClientPolicy/authenticator``, ``Socket/setSecurity(_:)`` refuses
    /// unless a ZAP authenticator is installed on the socket's context.
    case curveServer(keys: CurveKeyPair, domain: String = "", clients: CurveClientPolicy = .authenticator)

    /// libzmq's mechanism number (`ZMQ_MECHANISM`) for this configuration.
    var mechanism: Int {
        switch self {
        case .null: Int(ZMQ_NULL)
        case .plain, .plainServer: Int(ZMQ_PLAIN)
        case .curveClient, .curveServer: Int(ZMQ_CURVE)
        }
    }

    /// The ZAP domain the socket must have: empty for NULL (with NULL, a domain would make
    /// libzmq consult ZAP), the given one for servers, `nil` for clients (they never consult ZAP).
    var zapDomain: String? {
        switch self {
        case .null: ""
        case .plainServer(let domain), .curveServer(_, let domain, _): domain
        case .plain, .curveClient: nil
        }
    }

    /// `null`, `plainServer`, `curveServer`, ...: the case's name, for errors and logs.
    public var mechanismName: String {
        switch self {
        case .null: "null"
        case .plain: "plain"
        case .plainServer: "plainServer"
        case .curveClient: "curveClient"
        case .curveServer: "curveServer"
        }
    }

    /// The configuration with the password and the secret keys redacted, such as
    /// `.plain(username: alice, password: <redacted>)`.
    public var description: String {
        switch self {
        case .null:
            ".null"
        case .plain(let username, _):
            ".plain(username: \(username), password: <redacted>)"
        case .plainServer(let domain):
            ".plainServer(domain: \"\(domain)\")"
        case .curveClient(let serverKey, let clientKeys):
            ".curveClient(serverKey: \(serverKey), clientKeys: \(clientKeys))"
        case .curveServer(let keys, let domain, let clients):
            ".curveServer(keys: \(keys), domain: \"\(domain)\", clients: \(clients))"
        }
    }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// The description only, so that `dump` and reflection do not show the password.
    public var customMirror: Mirror {
        Mirror(self, children: ["configuration": description], displayStyle: .enum)
    }
}

/// Which clients a CURVE server accepts.
public enum CurveClientPolicy: Sendable, Hashable, CustomStringConvertible {
    /// The ZAP authenticator on the server's context decides (by allowed keys, a callback, an
    /// address list). The default. ``Socket/setSecurity(_:)`` refuses when no authenticator is
    /// installed, because libzmq would then accept every client key.
    case authenticator

    /// Any client key is accepted: the connection is encrypted, but the client is not
    /// authenticated (anyone who knows the server's public key can connect). Choose it only
    /// when that is what you mean; an installed authenticator is still consulted by libzmq.
    case anyClient

    public var description: String {
        switch self {
        case .authenticator: ".authenticator"
        case .anyClient: ".anyClient"
        }
    }
}

extension Socket {
    /// Secures the socket's future connections: sets the mechanism, its keys or credentials,
    /// and the ZAP domain, in the order libzmq needs, all in one call.
    ///
    /// ```swift
    /// let server = try RouterSocket(context)
    /// try await server.setSecurity(.curveServer(keys: serverKeys, domain: "echo"))
    /// let endpoint = try await server.bind("tcp://127.0.0.1:*")
    /// ```
    ///
    /// Call it before ``bind(_:)`` and ``connect(_:)``: libzmq copies the options into each
    /// endpoint when it is bound or connected, so endpoints made earlier would keep the old
    /// mechanism. This refuses once the socket has an endpoint.
    ///
    /// Everything is checked before any option is set. If libzmq still refuses an option
    /// (the socket closed meanwhile, say), the socket is put back to the NULL mechanism and the
    /// error is thrown: it is never left half-configured. Client configurations leave the ZAP
    /// domain as it is (only servers consult ZAP).
    ///
    /// - Throws: ``ZeroMQError/Code-swift.struct/invalidOption`` naming what is wrong: a
    ///   CURVE server with ``CurveClientPolicy/authenticator`` when no ZAP authenticator is
    ///   installed on the context; an empty or too long user name or password; a domain over
    ///   255 bytes; a socket that already has an endpoint; a configuration without a ZAP domain
    ///   (``SocketSecurity/null``, a server with domain `""`) on a socket that was given one
    ///   (libzmq 4.3 cannot clear a ZAP domain). ``ZeroMQError/Code-swift.struct/socketClosed``
    ///   on a closed socket.
    public func setSecurity(_ security: SocketSecurity) throws(ZeroMQError) {
        let operation = "setSecurity(\(security.mechanismName))"
        func refuse(_ reason: String) -> ZeroMQError {
            ZeroMQError(code: .invalidOption, operation: operation, socket: core.label, reason: reason)
        }
        // Checks first, so that nothing is set when something is wrong.
        let endpoint = try core.stringOption(ZMQ_LAST_ENDPOINT, name: "ZMQ_LAST_ENDPOINT")
        guard endpoint.isEmpty else {
            throw refuse(
                "the socket is already bound or connected (\(endpoint)); libzmq keeps the security an endpoint "
                    + "was made with, so set security before bind and connect"
            )
        }
        // libzmq 4.3 refuses an empty ZMQ_ZAP_DOMAIN (EINVAL, both as NULL and as ""): a domain
        // once set cannot be cleared, so a configuration without one needs a socket without one.
        let currentDomain = try core.stringOption(ZMQ_ZAP_DOMAIN, name: "ZMQ_ZAP_DOMAIN")
        if let wanted = security.zapDomain, wanted.isEmpty, !currentDomain.isEmpty {
            throw refuse(
                "the socket has the ZAP domain \"\(currentDomain)\", and libzmq cannot clear a ZAP domain once set "
                    + "(it refuses an empty one); use a new socket for a configuration without a domain"
            )
        }
        switch security {
        case .null:
            break
        case .plain(let username, let password):
            guard (1...255).contains(username.utf8.count) else {
                throw refuse("a PLAIN user name is 1 to 255 bytes, not \(username.utf8.count)")
            }
            guard (1...255).contains(password.utf8.count) else {
                throw refuse("a PLAIN password is 1 to 255 bytes, not \(password.utf8.count)")
            }
        case .plainServer(let domain):
            guard domain.utf8.count <= 255 else { throw refuse("a ZAP domain is at most 255 bytes, not \(domain.utf8.count)") }
        case .curveClient:
            break
        case .curveServer(_, let domain, let clients):
            guard domain.utf8.count <= 255 else { throw refuse("a ZAP domain is at most 255 bytes, not \(domain.utf8.count)") }
            if clients == .authenticator, !core.context.isAuthenticatorInstalled {
                throw refuse(
                    "no ZAP authenticator is installed on this socket's context, and libzmq lets a CURVE server "
                        + "without one accept every client key (it consults ZAP only when a handler is bound): "
                        + "start an authenticator on the context before securing the socket, or pass "
                        + "clients: .anyClient to accept any client (encryption without client authentication)"
                )
            }
        }
        do {
            try apply(security)
        } catch {
            // Back to NULL rather than half-configured; the error says what failed.
            try? core.setRawOption(ZMQ_PLAIN_SERVER, name: "ZMQ_PLAIN_SERVER", .int32(0))
            throw error
        }
        core.logger.debug("security set", metadata: ["zmq.security": "\(security)"])
    }

    /// Sets the options of `security` in libzmq's order and checks the mechanism that results.
    private func apply(_ security: SocketSecurity) throws(ZeroMQError) {
        // Clients leave the ZAP domain alone: only the server side of a handshake consults ZAP.
        if let domain = security.zapDomain, !domain.isEmpty {
            try setOption(.zapDomain, to: domain)
        }
        switch security {
        case .null:
            // Any *_SERVER option set to 0 returns the socket to the NULL mechanism.
            try setOption(.plainServer, to: false)
        case .plain(let username, let password):
            try setOption(.plainUsername, to: username)
            try setOption(.plainPassword, to: password)
        case .plainServer:
            try setOption(.plainServer, to: true)
        case .curveClient(let serverKey, let clientKeys):
            try setOption(.curvePublicKey, to: clientKeys.publicKey.bytes)
            try setOption(.curveSecretKey, to: clientKeys.secretKey.bytes)
            // The server key last: setting it makes the socket a CURVE client.
            try setOption(.curveServerKey, to: serverKey.bytes)
        case .curveServer(let keys, _, _):
            try setOption(.curvePublicKey, to: keys.publicKey.bytes)
            try setOption(.curveSecretKey, to: keys.secretKey.bytes)
            try setOption(.curveServer, to: true)
        }
        let mechanism = try option(.mechanism)
        guard mechanism == security.mechanism else {
            throw ZeroMQError(
                code: .invalidOption, operation: "setSecurity(\(security.mechanismName))", socket: core.label,
                reason: "libzmq reports mechanism \(mechanism) after the options were set, not \(security.mechanism)"
            )
        }
    }
}
