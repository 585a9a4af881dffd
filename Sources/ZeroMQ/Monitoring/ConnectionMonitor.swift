import ZeroMQSupport
extension Socket {
    /// Starts following this socket's connections one by one: each peer connection is opened
    /// (connected or accepted), then its handshake succeeds or fails with a reason, then it
    /// closes.
    ///
    /// ```swift
    /// let connections = try await router.connectionMonitor()
    /// try await router.bind("tcp://*:5555")
    /// for try await update in connections.updates {
    ///     if case .handshakeFailed(let reason) = update.change {
    ///         print("\(update.connection.endpoint): \(reason)")   // e.g. protocol error ZMTP_CRYPTOGRAPHIC
    ///     }
    /// }
    /// ```
    ///
    /// Built on ``monitor(_:)`` (so the same rules hold: start it before `bind` or `connect`, at
    /// most one monitor per socket) and a ``ConnectionTracker``, which says how events are matched
    /// to connections. Events wait in memory while nobody reads them: a monitor nobody reads
    /// costs memory for each event, never a hang (Docs/Monitoring.md); close it when done.
    ///
    /// - Returns: the monitor; ``ConnectionMonitor/close()`` it when done.
    /// - Throws: ``ZeroMQError`` when the socket is closed or libzmq refuses.
    public func connectionMonitor() throws(ZeroMQError) -> ConnectionMonitor {
        ConnectionMonitor(monitor: try monitor(ConnectionMonitor.kinds))
    }
}

/// The connections of a monitored socket, as ``ConnectionUpdate``s (``Socket/connectionMonitor()``).
public final class ConnectionMonitor: Sendable {
    /// The events a connection monitor needs.
    static let kinds: SocketEvent.Kinds = [
        .connected, .accepted, .disconnected, .handshakeSucceeded, .handshakeFailedNoDetail,
        .handshakeFailedProtocol, .handshakeFailedAuthentication, .monitorStopped,
    ]

    private let monitor: SocketMonitor
    /// One tracker for every iteration of ``updates``: each event is read once, by whichever
    /// iterator reads it, so the tracker sees every event in order.
    let tracker = Lock(ConnectionTracker())

    init(monitor: SocketMonitor) {
        self.monitor = monitor
    }

    /// The poll loop the monitor reads on (the monitored socket's).
    public var loop: PollLoop { monitor.loop }

    /// The connections open now, as far as the updates read so far tell.
    public var openConnections: [PeerConnection] {
        tracker.withLock { $0.openConnections }
    }

    /// The updates, for `for try await`; the sequence ends after the monitored socket closes
    /// (every open connection is then reported closed) or when the monitor is closed.
    ///
    /// Iterations share one ``ConnectionTracker``: a second loop goes on where the first one
    /// stopped. Iterate from one task at a time.
    public var updates: ConnectionUpdateSequence {
        ConnectionUpdateSequence(events: monitor.events, tracker: tracker)
    }

    /// Stops reading events: ``updates`` ends. Safe to call from anywhere, more than once.
    public func close() {
        monitor.close()
    }
}

/// The updates of a ``ConnectionMonitor``.
public struct ConnectionUpdateSequence: AsyncSequence, Sendable {
    public typealias Element = ConnectionUpdate
    public typealias Failure = any Error

    let events: SocketEventSequence
    let tracker: Lock<ConnectionTracker>

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(events: events.makeAsyncIterator(), tracker: tracker)
    }

    /// Iterates over a connection monitor's updates.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var events: SocketEventSequence.AsyncIterator
        let tracker: Lock<ConnectionTracker>
        /// Updates of one event not handed out yet (a closing socket closes several connections).
        var ready: [ConnectionUpdate] = []

        /// The next update, or `nil` once monitoring has stopped.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> ConnectionUpdate? {
            while ready.isEmpty {
                guard let event = try await events.next(isolation: actor) else { return nil }
                ready = tracker.withLock { $0.handle(event) }
            }
            return ready.removeFirst()
        }

        /// The next update, or `nil` once monitoring has stopped.
        public mutating func next() async throws -> ConnectionUpdate? {
            try await next(isolation: nil)
        }
    }
}
