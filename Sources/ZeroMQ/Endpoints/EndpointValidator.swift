/// Checks endpoint strings before libzmq sees them, so a typo fails with a sentence that names
/// the endpoint and the problem instead of a bare `EINVAL`.
enum EndpointValidator {
    enum Use: String {
        case bind, connect, unbind, disconnect

        /// Binding-side uses accept wildcards (`*` host or port); connecting-side uses do not.
        var acceptsWildcards: Bool { self == .bind || self == .unbind }
    }

    /// Throws ``ZeroMQError/Code-swift.struct/invalidEndpoint`` or
    /// ``ZeroMQError/Code-swift.struct/unsupportedTransport`` when `endpoint` cannot work for `use`.
    static func validate(_ endpoint: String, for use: Use, socket: String, type: SocketType) throws(ZeroMQError) {
        func invalid(_ reason: String) -> ZeroMQError {
            ZeroMQError(code: .invalidEndpoint, operation: use.rawValue, socket: socket, endpoint: endpoint, reason: reason)
        }
        guard let separator = endpoint.firstRange(of: "://") else {
            throw invalid("expected transport://address, for example tcp://127.0.0.1:5555")
        }
        let transport = endpoint[..<separator.lowerBound]
        let address = String(endpoint[separator.upperBound...])
        guard !address.isEmpty else { throw invalid("the address after \(transport):// is empty") }

        switch transport {
        case "tcp":
            try validateTCP(address, use: use, invalid: invalid)
        case "ipc":
            try requireCapability(.ipc, transport: "ipc", endpoint: endpoint, use: use, socket: socket)
            // sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
            if address != "*", address.utf8.count > 107 {
                throw invalid("the ipc path is \(address.utf8.count) bytes; at most 107 fit in a Unix socket address")
            }
        case "inproc":
            break
        case "pgm", "epgm":
            try requireCapability(.pgm, transport: String(transport), endpoint: endpoint, use: use, socket: socket)
            try requireMulticastType(type, transport: String(transport), invalid: invalid)
            guard let semicolon = address.firstIndex(of: ";") else {
                throw invalid("expected interface;multicast-address:port, for example eth0;239.192.1.1:5555")
            }
            let hostPort = String(address[address.index(after: semicolon)...])
            try validateHostPort(hostPort, wildcards: false, invalid: invalid)
            if use == .bind || use == .connect, let colon = hostPort.lastIndex(of: ":") {
                try MulticastEndpoint.validate(
                    interface: String(address[..<semicolon]), group: String(hostPort[..<colon]),
                    transport: String(transport), invalid: invalid
                )
            }
        case "norm":
            try requireCapability(.norm, transport: "norm", endpoint: endpoint, use: use, socket: socket)
            try requireMulticastType(type, transport: "norm", invalid: invalid)
            let hostPort = address.split(separator: ",", maxSplits: 1).last.map(String.init) ?? address
            try validateHostPort(hostPort, wildcards: false, invalid: invalid)
        case "tipc":
            try requireCapability(.tipc, transport: "tipc", endpoint: endpoint, use: use, socket: socket)
        case "vmci":
            try requireCapability(.vmci, transport: "vmci", endpoint: endpoint, use: use, socket: socket)
        case "udp", "ws", "wss":
            throw ZeroMQError(
                code: .unsupportedTransport, operation: use.rawValue, socket: socket, endpoint: endpoint,
                reason: "\(transport) needs libzmq's DRAFT API (and, for udp, RADIO/DISH sockets), which this libzmq does not have"
            )
        default:
            throw ZeroMQError(
                code: .unsupportedTransport, operation: use.rawValue, socket: socket, endpoint: endpoint,
                reason: "unknown transport '\(transport)'; use tcp, ipc, inproc, pgm, epgm or norm"
            )
        }
    }

    /// libzmq runs the multicast transports under the publish/subscribe sockets only (it would
    /// say `ENOCOMPATPROTO`).
    private static func requireMulticastType(_ type: SocketType, transport: String, invalid: (String) -> ZeroMQError) throws(ZeroMQError) {
        guard [.pub, .sub, .xpub, .xsub].contains(type) else {
            throw invalid("\(transport) carries PUB, SUB, XPUB and XSUB sockets only, not \(type)")
        }
    }

    private static func requireCapability(
        _ capability: LibZMQ.Capability, transport: String, endpoint: String, use: Use, socket: String
    ) throws(ZeroMQError) {
        guard LibZMQ.has(capability) else {
            throw ZeroMQError(
                code: .unsupportedTransport, operation: use.rawValue, socket: socket, endpoint: endpoint,
                reason: "this libzmq was built without \(transport) support"
            )
        }
    }

    private static func validateTCP(_ address: String, use: Use, invalid: (String) -> ZeroMQError) throws(ZeroMQError) {
        // A connect may name a source address first: "source;destination".
        var destination = Substring(address)
        if use == .connect || use == .disconnect, let semicolon = address.firstIndex(of: ";") {
            let source = address[..<semicolon]
            guard !source.isEmpty else { throw invalid("the source address before ';' is empty") }
            destination = address[address.index(after: semicolon)...]
        }
        try validateHostPort(String(destination), wildcards: use.acceptsWildcards, invalid: invalid)
    }

    private static func validateHostPort(_ hostPort: String, wildcards: Bool, invalid: (String) -> ZeroMQError) throws(ZeroMQError) {
        guard let colon = hostPort.lastIndex(of: ":") else {
            throw invalid("expected host:port")
        }
        let host = hostPort[..<colon]
        let port = hostPort[hostPort.index(after: colon)...]
        guard !host.isEmpty else { throw invalid("the host is empty") }
        if host.hasPrefix("["), !host.hasSuffix("]") {
            throw invalid("an IPv6 host must be written in brackets, as [::1]:5555")
        }
        if host == "*", !wildcards {
            throw invalid("a wildcard host (*) can only be bound, not connected to")
        }
        if port == "*" || port == "!" {
            guard wildcards else { throw invalid("a wildcard port (\(port)) can only be bound, not connected to") }
            return
        }
        guard !port.isEmpty, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber), let number = Int(port) else {
            throw invalid("the port '\(port)' is not a number")
        }
        guard number <= 65535 else { throw invalid("the port \(number) is above 65535") }
        if number == 0, !wildcards { throw invalid("port 0 can only be bound, not connected to") }
    }
}
