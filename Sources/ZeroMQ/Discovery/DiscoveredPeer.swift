import CZeroMQ

/// A service heard on the network: where it said it listens, under what name, with what key.
///
/// Everything here comes from an unauthenticated datagram (see ``Beacon``): the address is the
/// datagram's source, the rest is what its sender wrote.
public struct DiscoveredPeer: Sendable, Hashable, CustomStringConvertible {
    /// The IPv4 address the beacon came from, dotted (`10.0.0.5`).
    public var address: String
    /// The TCP port the service announced.
    public var port: UInt16
    /// The name the service is announced under.
    public var serviceName: String
    /// The service's CURVE public key (32 raw bytes), when announced. Unauthenticated: use it
    /// as the server key of a CURVE client, which then proves the server holds the secret key;
    /// never trust it by itself.
    public var publicKey: [UInt8]?
    /// The beacon that announced it.
    public var instance: BeaconInstanceID

    /// Makes a peer value (the ``Beacon`` makes them from what it hears).
    public init(address: String, port: UInt16, serviceName: String, publicKey: [UInt8]? = nil, instance: BeaconInstanceID) {
        self.address = address
        self.port = port
        self.serviceName = serviceName
        self.publicKey = publicKey
        self.instance = instance
    }

    /// The endpoint to connect to: `tcp://ADDRESS:PORT`.
    public var endpoint: String { "tcp://\(address):\(port)" }

    /// ``publicKey`` as 40 characters of Z85 text (the form `SocketOption.curveServerKey` and
    /// certificate files use), when there is a key.
    public var publicKeyZ85: String? {
        guard let publicKey, publicKey.count == BeaconFrame.publicKeyLength else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        let encoded = publicKey.withUnsafeBufferPointer { key in
            text.withUnsafeMutableBufferPointer { buffer in
                zmq_z85_encode(buffer.baseAddress, key.baseAddress, key.count)
            }
        }
        guard encoded != nil else { return nil }
        return String(decoding: text.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `NAME at tcp://ADDRESS:PORT` (and `key Z85` when there is one; public keys are not secret).
    public var description: String {
        var text = "\(serviceName) at \(endpoint)"
        if let key = publicKeyZ85 { text += " key \(key)" }
        return text
    }
}

/// What a ``Beacon`` reports: a service appeared, or one went away.
public enum DiscoveryEvent: Sendable, Hashable, CustomStringConvertible {
    /// A service was heard for the first time (or again after it was lost).
    case discovered(DiscoveredPeer)
    /// A service is gone, and why.
    case lost(DiscoveredPeer, reason: DiscoveryLossReason)

    /// The peer the event is about.
    public var peer: DiscoveredPeer {
        switch self {
        case .discovered(let peer), .lost(let peer, _): peer
        }
    }

    public var description: String {
        switch self {
        case .discovered(let peer): "discovered \(peer)"
        case .lost(let peer, let reason): "lost \(peer) (\(reason))"
        }
    }
}

/// Why a ``Beacon`` reported a service lost.
public enum DiscoveryLossReason: Sendable, Hashable, CustomStringConvertible {
    /// Nothing was heard from it for the silence timeout.
    case silence
    /// It said goodbye (its beacon stopped publishing or closed).
    case goodbye
    /// The same beacon now announces something else (another port, name or key): the old
    /// announcement is lost, the new one discovered.
    case replaced
    /// The listening beacon closed.
    case beaconClosed

    public var description: String {
        switch self {
        case .silence: "silent for the silence timeout"
        case .goodbye: "said goodbye"
        case .replaced: "replaced by a new announcement"
        case .beaconClosed: "the beacon closed"
        }
    }
}
