import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Socket {
    /// Binds the socket to `endpoint` and returns the endpoint actually bound.
    ///
    /// Wildcards are resolved: binding `tcp://127.0.0.1:*` returns the port the system chose,
    /// `ipc://*` the generated path.
    ///
    /// - Parameter endpoint: `tcp://host:port`, `ipc:///path`, `inproc://name`, `pgm://…`, …
    /// - Returns: the bound endpoint (`ZMQ_LAST_ENDPOINT`).
    /// - Throws: ``ZeroMQError`` — ``ZeroMQError/Code-swift.struct/invalidEndpoint`` or
    ///   ``ZeroMQError/Code-swift.struct/unsupportedTransport`` before libzmq is called;
    ///   ``ZeroMQError/Code-swift.struct/systemResource`` with `EMFILE` when no file descriptor is
    ///   free (libzmq 4.3.4 would abort the process resolving the host); libzmq's errors such as
    ///   `EADDRINUSE` with the endpoint named.
    @discardableResult
    public func bind(_ endpoint: String) throws(ZeroMQError) -> String {
        try EndpointValidator.validate(endpoint, for: .bind, socket: core.label, type: core.type)
        let handle = try core.liveHandle(for: "bind")
        try DescriptorCheck.beforeResolving(endpoint, operation: "bind", socket: core.label)
        guard zmq_bind(handle, endpoint) == 0 else {
            throw ZeroMQError.endpoint("bind", endpoint, socket: core.label)
        }
        return (try? core.stringOption(ZMQ_LAST_ENDPOINT, name: "ZMQ_LAST_ENDPOINT")) ?? endpoint
    }

    /// Connects the socket to `endpoint`. The connection is made (and remade) in the background;
    /// messages queue until a peer is there.
    ///
    /// - Throws: ``ZeroMQError``, as for ``bind(_:)``.
    public func connect(_ endpoint: String) throws(ZeroMQError) {
        try EndpointValidator.validate(endpoint, for: .connect, socket: core.label, type: core.type)
        let handle = try core.liveHandle(for: "connect")
        try DescriptorCheck.beforeResolving(endpoint, operation: "connect", socket: core.label)
        guard zmq_connect(handle, endpoint) == 0 else {
            throw ZeroMQError.endpoint("connect", endpoint, socket: core.label)
        }
    }

    /// Stops listening on an endpoint returned by ``bind(_:)``.
    ///
    /// - Throws: ``ZeroMQError``; `ENOENT` when the socket is not bound there.
    public func unbind(_ endpoint: String) throws(ZeroMQError) {
        try EndpointValidator.validate(endpoint, for: .unbind, socket: core.label, type: core.type)
        let handle = try core.liveHandle(for: "unbind")
        guard zmq_unbind(handle, endpoint) == 0 else {
            throw ZeroMQError.libzmq("unbind", socket: core.label, endpoint: endpoint)
        }
    }

    /// Drops the connection made by ``connect(_:)`` to `endpoint`.
    ///
    /// - Throws: ``ZeroMQError``; `ENOENT` when the socket is not connected there.
    public func disconnect(_ endpoint: String) throws(ZeroMQError) {
        try EndpointValidator.validate(endpoint, for: .disconnect, socket: core.label, type: core.type)
        let handle = try core.liveHandle(for: "disconnect")
        guard zmq_disconnect(handle, endpoint) == 0 else {
            throw ZeroMQError.libzmq("disconnect", socket: core.label, endpoint: endpoint)
        }
    }
}

extension ZeroMQError {
    /// libzmq's error for a bind or connect. For the multicast transports, whose `EINVAL` covers
    /// everything OpenPGM dislikes, the reason says what to check.
    static func endpoint(_ operation: String, _ endpoint: String, socket: String) -> ZeroMQError {
        var error = ZeroMQError.libzmq(operation, socket: socket, endpoint: endpoint)
        if error.errno == EINVAL, endpoint.hasPrefix("pgm://") || endpoint.hasPrefix("epgm://") {
            error.reason += "; OpenPGM refused the interface or group (the interface must be up and multicast-capable, the group a multicast address, and pgm:// needs raw-socket privileges)"
        }
        return error
    }
}
