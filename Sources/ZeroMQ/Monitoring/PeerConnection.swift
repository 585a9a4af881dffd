/// One connection of a socket to a peer, from the moment it was made or accepted until it closed,
/// as the monitor saw it (see ``ConnectionTracker`` and ``Socket/connectionMonitor()``).
public struct PeerConnection: Sendable, Hashable, Identifiable, CustomStringConvertible {
    /// Who opened the connection.
    public enum Direction: Sendable, Hashable {
        /// This socket connected to the peer (`ZMQ_EVENT_CONNECTED`).
        case outgoing
        /// The peer connected to an endpoint this socket binds (`ZMQ_EVENT_ACCEPTED`).
        case incoming
        /// The monitor saw no connect or accept for it (it began before monitoring started).
        case unknown
    }

    /// Where the ZMTP handshake stands.
    public enum Handshake: Sendable, Hashable {
        /// Not finished yet: no message can flow.
        case pending
        /// Finished: messages flow (`ZMQ_EVENT_HANDSHAKE_SUCCEEDED`).
        case succeeded
        /// Failed, for this reason; libzmq closes the connection.
        case failed(HandshakeFailure)
    }

    /// A number the tracker gives each connection, unique for one tracker (file descriptors
    /// are reused; these are not).
    public let id: UInt64
    /// The endpoint libzmq names: the connected endpoint for an outgoing connection, the bound
    /// endpoint (the same for every peer) for an incoming one.
    public var endpoint: String
    /// The connection's file descriptor in this process, `nil` when the monitor never saw it.
    public var fileDescriptor: Int32?
    /// Who opened the connection.
    public var direction: Direction
    /// The handshake's outcome so far.
    public var handshake: Handshake
    /// Whether the connection is still open.
    public var isOpen: Bool

    /// Makes a connection record.
    public init(
        id: UInt64, endpoint: String, fileDescriptor: Int32?, direction: Direction,
        handshake: Handshake = .pending, isOpen: Bool = true
    ) {
        self.id = id
        self.endpoint = endpoint
        self.fileDescriptor = fileDescriptor
        self.direction = direction
        self.handshake = handshake
        self.isOpen = isOpen
    }

    public var description: String {
        let way = switch direction {
        case .outgoing: "to"
        case .incoming: "from a peer of"
        case .unknown: "at"
        }
        let state = switch handshake {
        case .pending: "handshaking"
        case .succeeded: "ready"
        case .failed(let failure): "handshake failed: \(failure)"
        }
        let descriptor = fileDescriptor.map { " fd \($0)" } ?? ""
        return "connection #\(id) \(way) \(endpoint)\(descriptor), \(state)\(isOpen ? "" : ", closed")"
    }
}

/// A change in one ``PeerConnection``'s life, with the connection as it is after the change.
public struct ConnectionUpdate: Sendable, Hashable, CustomStringConvertible {
    /// What changed.
    public enum Change: Sendable, Hashable {
        /// The connection was made or accepted; the handshake begins.
        case opened
        /// The handshake succeeded: messages flow.
        case handshakeSucceeded
        /// The handshake failed for this reason (libzmq then closes the connection).
        case handshakeFailed(HandshakeFailure)
        /// The connection closed: the peer went away, a heartbeat timed out, a message was above
        /// the maximum size, the handshake failed, or the socket closed.
        case closed
    }

    /// What changed.
    public var change: Change
    /// The connection after the change.
    public var connection: PeerConnection

    /// Makes an update.
    public init(_ change: Change, _ connection: PeerConnection) {
        self.change = change
        self.connection = connection
    }

    public var description: String {
        let what = switch change {
        case .opened: "opened"
        case .handshakeSucceeded: "handshake succeeded"
        case .handshakeFailed(let failure): "handshake failed (\(failure))"
        case .closed: "closed"
        }
        return "\(what): \(connection)"
    }
}

/// Follows each connection of a socket through the monitor's events: opened, then the handshake's
/// outcome, then closed. A pure state machine: feed it ``SocketEvent``s, it returns what changed.
///
/// ```swift
/// var tracker = ConnectionTracker()
/// for try await event in monitor.events {
///     for update in tracker.handle(event) { print(update) }
/// }
/// ```
///
/// How events map to connections (libzmq 4.3.4):
/// - `CONNECTED` and `ACCEPTED` open a connection; their value is its file descriptor.
/// - `DISCONNECTED` closes the open connection with that file descriptor (the value).
/// - Handshake events carry no file descriptor, only the endpoint (for incoming connections the
///   bound endpoint, shared by every peer of it). They go to the oldest open connection on that
///   endpoint whose handshake is pending; failing that, to the oldest pending one on any
///   endpoint (a connect endpoint with a host name is reported resolved in handshake events).
///   Two peers of one bound endpoint whose handshakes end in the other order than they began are
///   therefore told apart wrongly; their outcomes are right, which connection had which is not.
/// - A second handshake failure for a connection whose handshake already failed and that is
///   still open (libzmq 4.3.4 does this for PLAIN without a ZAP handler: `EFAULT`, then `EAGAIN`
///   when the handshake interval ends) is reported as an update, and the connection keeps the
///   first reason.
/// - `MONITOR_STOPPED` (the socket closed) closes every open connection: libzmq sends no
///   `DISCONNECTED` after it.
/// - Other events (listening, connect retried, closed listeners, ...) are not connections.
///
/// Only open connections are kept, so the tracker's size is bounded by the socket's open
/// connections.
public struct ConnectionTracker: Sendable {
    /// The open connections, oldest first.
    public private(set) var openConnections: [PeerConnection] = []
    private var nextID: UInt64 = 1

    /// Makes a tracker that knows no connection.
    public init() {}

    /// Takes one monitor event and returns what it changed (nothing, one update, or, when the
    /// socket closed, one per open connection).
    public mutating func handle(_ event: SocketEvent) -> [ConnectionUpdate] {
        switch event.kind {
        case .connected, .accepted:
            let descriptor = Int32(bitPattern: event.value)
            var updates: [ConnectionUpdate] = []
            // A descriptor is reused only once closed: an open record with it missed its end.
            if let stale = openConnections.firstIndex(where: { $0.fileDescriptor == descriptor }) {
                updates.append(close(at: stale))
            }
            let connection = PeerConnection(
                id: takeID(), endpoint: event.endpoint, fileDescriptor: descriptor,
                direction: event.kind == .connected ? .outgoing : .incoming
            )
            openConnections.append(connection)
            updates.append(ConnectionUpdate(.opened, connection))
            return updates
        case .handshakeSucceeded:
            return [settleHandshake(on: event.endpoint, as: .succeeded, change: .handshakeSucceeded)]
        case .handshakeFailedNoDetail, .handshakeFailedProtocol, .handshakeFailedAuthentication:
            guard let failure = HandshakeFailure(event) else { return [] }
            return [settleHandshake(on: event.endpoint, as: .failed(failure), change: .handshakeFailed(failure))]
        case .disconnected:
            let descriptor = Int32(bitPattern: event.value)
            if let index = openConnections.firstIndex(where: { $0.fileDescriptor == descriptor }) {
                return [close(at: index)]
            }
            // One known only from a handshake event (it began before monitoring started).
            if let index = openConnections.firstIndex(where: { $0.fileDescriptor == nil && $0.endpoint == event.endpoint }) {
                openConnections[index].fileDescriptor = descriptor
                return [close(at: index)]
            }
            // Opened before monitoring started.
            let connection = PeerConnection(
                id: takeID(), endpoint: event.endpoint, fileDescriptor: descriptor, direction: .unknown, isOpen: false
            )
            return [ConnectionUpdate(.closed, connection)]
        case .monitorStopped:
            var updates: [ConnectionUpdate] = []
            while !openConnections.isEmpty { updates.append(close(at: 0)) }
            return updates
        default:
            return []
        }
    }

    /// The connection a handshake event is about, updated with its outcome.
    private mutating func settleHandshake(
        on endpoint: String, as outcome: PeerConnection.Handshake, change: ConnectionUpdate.Change
    ) -> ConnectionUpdate {
        let index =
            openConnections.firstIndex { $0.endpoint == endpoint && $0.handshake == .pending }
            ?? openConnections.firstIndex { $0.handshake == .pending }
        if index == nil, case .failed = outcome,
            let failed = openConnections.firstIndex(where: { connection in
                guard connection.endpoint == endpoint, case .failed = connection.handshake else { return false }
                return true
            })
        {
            // libzmq reports a second failure for a connection it has not closed yet (PLAIN with
            // no ZAP handler: EFAULT at once, EAGAIN when the handshake interval ends). The first
            // reason is the cause: the connection keeps it; the update still says what came.
            return ConnectionUpdate(change, openConnections[failed])
        }
        guard let index else {
            // Began before monitoring started: known only by its endpoint.
            let connection = PeerConnection(
                id: takeID(), endpoint: endpoint, fileDescriptor: nil, direction: .unknown, handshake: outcome
            )
            openConnections.append(connection)
            return ConnectionUpdate(change, connection)
        }
        openConnections[index].handshake = outcome
        return ConnectionUpdate(change, openConnections[index])
    }

    private mutating func close(at index: Int) -> ConnectionUpdate {
        var connection = openConnections.remove(at: index)
        connection.isOpen = false
        return ConnectionUpdate(.closed, connection)
    }

    private mutating func takeID() -> UInt64 {
        defer { nextID &+= 1 }
        return nextID
    }
}
