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
        try core.bind(endpoint)
    }

    /// Connects the socket to `endpoint`. The connection is made (and remade) in the background;
    /// messages queue until a peer is there.
    ///
    /// - Throws: ``ZeroMQError``, as for ``bind(_:)``.
    public func connect(_ endpoint: String) throws(ZeroMQError) {
        try core.connect(endpoint)
    }

    /// Stops listening on an endpoint returned by ``bind(_:)``.
    ///
    /// - Throws: ``ZeroMQError``; `ENOENT` when the socket is not bound there.
    public func unbind(_ endpoint: String) throws(ZeroMQError) {
        try core.unbind(endpoint)
    }

    /// Drops the connection made by ``connect(_:)`` to `endpoint`.
    ///
    /// - Throws: ``ZeroMQError``; `ENOENT` when the socket is not connected there.
    public func disconnect(_ endpoint: String) throws(ZeroMQError) {
        try core.disconnect(endpoint)
    }
}
