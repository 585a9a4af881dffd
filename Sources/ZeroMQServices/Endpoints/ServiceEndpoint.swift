import ZeroMQ

/// Where a service, publisher or subscriber meets its peers: an endpoint to bind, or one to
/// connect to (a broker's backend, as with the seed's Queue device, or a Forwarder).
public struct ServiceEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// Whether the service binds the endpoint (`true`) or connects to it.
    public var binds: Bool
    /// The endpoint, such as `tcp://*:5555` or `ipc:///tmp/calculator`.
    public var endpoint: String

    /// Binds `endpoint`; port `*` lets the system choose (see ``RequestService/boundEndpoints``,
    /// ``EventPublisher/boundEndpoints``).
    public static func bind(_ endpoint: String) -> ServiceEndpoint {
        ServiceEndpoint(binds: true, endpoint: endpoint)
    }

    /// Connects to `endpoint`.
    public static func connect(_ endpoint: String) -> ServiceEndpoint {
        ServiceEndpoint(binds: false, endpoint: endpoint)
    }

    public var description: String { (binds ? "bind " : "connect ") + endpoint }
}

extension Socket {
    /// Binds and connects `endpoints`; returns the bound ones as resolved, then the connected.
    func use(_ endpoints: [ServiceEndpoint]) throws -> [String] {
        var resolved: [String] = []
        for endpoint in endpoints where endpoint.binds {
            resolved.append(try bind(endpoint.endpoint))
        }
        for endpoint in endpoints where !endpoint.binds {
            try connect(endpoint.endpoint)
            resolved.append(endpoint.endpoint)
        }
        return resolved
    }
}
