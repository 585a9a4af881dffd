/// What an authenticator decides about one handshake, or what a CURVE callback answers.
public enum AuthenticationDecision: Sendable, Hashable {
    /// Let the peer in (status 200). `userID` becomes the connection's `User-Id` (``Frame/userID``);
    /// `nil` means the default: the PLAIN user name, the CURVE key in Z85, `anonymous` for NULL.
    /// `metadata` becomes properties of the connection's messages (``Frame/metadata(_:)``);
    /// names are 1 to 255 bytes of UTF-8 (longer ones are left out).
    case allow(userID: String? = nil, metadata: [String: String] = [:])
    /// Keep the peer out (status 400): libzmq disconnects, and a CURVE client does not retry.
    case deny(reason: String)
    /// A temporary failure (status 300). libzmq 4.3.4 then leaves the connection hanging until
    /// the server's ``SocketOption/handshakeInterval`` ends it.
    case retryLater(reason: String)
    /// The check itself failed (status 500): libzmq disconnects.
    case fail(reason: String)
}

/// A CURVE client asking to connect: what a ``CurveClientRule/decidedBy(_:)`` callback sees.
public struct CurveClientRequest: Sendable, Hashable {
    /// The client's long-term public key.
    public var publicKey: CurvePublicKey
    /// The client's address, without a port.
    public var address: String
    /// The server socket's ZAP domain; empty when it has none.
    public var domain: String
    /// The connection's routing id, usually empty.
    public var routingID: [UInt8]

    /// Makes a request (for tests of a callback).
    public init(publicKey: CurvePublicKey, address: String, domain: String = "", routingID: [UInt8] = []) {
        self.publicKey = publicKey
        self.address = address
        self.domain = domain
        self.routingID = routingID
    }
}

/// Which CURVE clients a server accepts, by their long-term public key.
public enum CurveClientRule: Sendable {
    /// Every client key. **Encryption only, no authentication**: any client that knows the
    /// server's public key gets in, with a key it may have made a second ago. Choose this only
    /// when the point is to keep the traffic private, not to know who sends it. The User-Id is
    /// still the client's key in Z85, so a receiver can tell connections apart.
    case anyKey
    /// Exactly these client keys; the User-Id is the key in Z85.
    case keys(Set<CurvePublicKey>)
    /// Decided by `decide` for each client: keys kept in a database, say. Several handshakes may
    /// be decided at once; the authenticator keeps serving others meanwhile. A callback that
    /// throws counts as ``AuthenticationDecision/fail(reason:)`` (status 500), with the error
    /// logged; one that never returns leaves its handshake to the server's handshake interval.
    case decidedBy(@Sendable (CurveClientRequest) async throws -> AuthenticationDecision)
}

/// What an authenticator accepts in one ZAP domain: an address rule, then a rule per mechanism.
///
/// The address rule comes first (``AddressRule``); a peer that passes it is then checked by its
/// mechanism: NULL is allowed when ``allowsNull`` (remember that libzmq asks about NULL peers
/// only when the server socket has a ZAP domain), PLAIN needs a user and password in
/// ``plain``, CURVE a key ``curve`` accepts. A mechanism without a rule is denied: the default
/// policy lets in NULL peers only.
public struct ZAPPolicy: Sendable {
    /// Which addresses may connect at all.
    public var addresses: AddressRule
    /// Whether NULL (unauthenticated) peers that pass the address rule are allowed.
    public var allowsNull: Bool
    /// The PLAIN users, or `nil` to deny PLAIN.
    public var plain: PlainPasswords?
    /// The CURVE clients, or `nil` to deny CURVE.
    public var curve: CurveClientRule?

    /// A policy; by default every address, NULL allowed, PLAIN and CURVE denied.
    public init(
        addresses: AddressRule = .anyAddress,
        allowsNull: Bool = true,
        plain: PlainPasswords? = nil,
        curve: CurveClientRule? = nil
    ) {
        self.addresses = addresses
        self.allowsNull = allowsNull
        self.plain = plain
        self.curve = curve
    }
}

import CoreMetrics

/// The policies of a ``ZAPAuthenticator``, by ZAP domain, and how it publishes its events.
///
/// **Domain matching** (ours; pyzmq matches domains exactly, czmq ignores them): a request's
/// domain (the server socket's ``SocketOption/zapDomain``, empty when unset) is looked up
/// **exactly** (byte for byte, case-sensitive) in ``domains``; when it is not there,
/// ``defaultPolicy`` decides; when that is `nil`, the request is denied (400, "no policy for ZAP
/// domain"). There are no wildcards or prefixes: `""` in ``domains`` matches only sockets with no
/// domain, and ``defaultPolicy`` is the one catch-all.
public struct ZAPAuthenticatorConfiguration: Sendable {
    /// Policies for exactly these domains.
    public var domains: [String: ZAPPolicy]
    /// The policy for every domain not in ``domains`` (including the empty domain), or `nil` to
    /// deny those.
    public var defaultPolicy: ZAPPolicy?
    /// How many events each ``ZAPAuthenticator/events(bufferingNewest:)`` subscriber may fall
    /// behind before the oldest are dropped (and counted). Default 256.
    public var eventBufferSize: Int
    /// Where the counters go (see ``ZAPAuthenticator``); `nil`: `MetricsSystem.factory`.
    public var metricsFactory: (any MetricsFactory)?

    /// One policy for every domain.
    public init(policy: ZAPPolicy, eventBufferSize: Int = 256, metricsFactory: (any MetricsFactory)? = nil) {
        self.init(domains: [:], defaultPolicy: policy, eventBufferSize: eventBufferSize, metricsFactory: metricsFactory)
    }

    /// Policies per domain, and one for the rest (`nil`: deny the rest).
    public init(
        domains: [String: ZAPPolicy], defaultPolicy: ZAPPolicy? = nil, eventBufferSize: Int = 256,
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.domains = domains
        self.defaultPolicy = defaultPolicy
        self.eventBufferSize = eventBufferSize
        self.metricsFactory = metricsFactory
    }

    /// The policy for `domain`, by the matching rule above.
    public func policy(forDomain domain: String) -> ZAPPolicy? {
        domains[domain] ?? defaultPolicy
    }
}
