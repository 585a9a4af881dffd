import ZeroMQ

/// What a ``RequestClient`` knows about its endpoints' connections, as a pure state machine:
/// which peers of each endpoint are up, why the last handshake failed, which endpoint new
/// attempts go to, and which attempts wait for their endpoint to connect.
///
/// The client's shell feeds it the events of each endpoint's monitor (and of its discovery
/// beacon) and does what the returned values say: resume these waiting attempts, log a
/// failover. The waiting attempts' continuations and timers stay in the shell, by id; the
/// tracker only decides whose turn it is. Unit-tested without sockets
/// (`ConnectionTrackerTests`).
struct ConnectionTracker: Sendable {
    /// One endpoint's connections.
    private struct Endpoint: Sendable {
        /// The peers (their addresses) whose handshake succeeded and that have not gone since.
        var peersUp: Set<String> = []
        /// The last failed handshake since the last successful one.
        var lastHandshakeFailure: SocketEvent?
        /// Attempts waiting for a connection, by id.
        var waiters: Set<UInt64> = []
    }

    private var endpoints: [Endpoint]
    /// The endpoint new attempts go to.
    private(set) var active = 0

    /// A tracker of `count` endpoints (at least one), none connected, the first active.
    init(endpoints count: Int) {
        precondition(count > 0, "a client has at least one endpoint")
        endpoints = Array(repeating: Endpoint(), count: count)
    }

    /// How many endpoints there are.
    var count: Int { endpoints.count }

    /// Whether `endpoint` has at least one peer up.
    func isConnected(_ endpoint: Int) -> Bool {
        !endpoints[endpoint].peersUp.isEmpty
    }

    /// Whether each endpoint is connected, in endpoint order.
    var connectionStates: [Bool] { endpoints.map { !$0.peersUp.isEmpty } }

    /// Why `endpoint`'s calls cannot get through, when a handshake there failed and none
    /// succeeded since.
    func lastHandshakeFailure(of endpoint: Int) -> SocketEvent? {
        endpoints[endpoint].lastHandshakeFailure
    }

    /// How many attempts wait for a connection, over all endpoints.
    var waiterCount: Int { endpoints.reduce(0) { $0 + $1.waiters.count } }

    // MARK: Connection events

    /// A peer of `endpoint` completed its handshake.
    ///
    /// - Returns: the attempts waiting on `endpoint`, which may now be sent (they leave the
    ///   tracker).
    mutating func handshakeSucceeded(_ endpoint: Int, peer: String) -> Set<UInt64> {
        endpoints[endpoint].peersUp.insert(peer)
        endpoints[endpoint].lastHandshakeFailure = nil
        defer { endpoints[endpoint].waiters.removeAll() }
        return endpoints[endpoint].waiters
    }

    /// `endpoint` is of a transport whose connections libzmq's monitor does not report
    /// (inproc: no connection, handshake or disconnection event is ever sent for it), so it
    /// counts as connected from now on and attempts there never wait for a connection. A
    /// request to an inproc endpoint that nobody binds yet waits in libzmq for the bind (or
    /// until its attempt times out).
    mutating func assumeConnected(_ endpoint: Int) {
        endpoints[endpoint].peersUp.insert(Self.unreportedPeer)
        endpoints[endpoint].lastHandshakeFailure = nil
    }

    /// The peer ``assumeConnected(_:)`` marks up: no monitor event names it, so no event
    /// takes it down.
    static let unreportedPeer = "(connections not reported)"

    /// A peer of `endpoint` disconnected, or its discovery beacon lost it (a peer that vanished
    /// without closing its connection sends no disconnection).
    mutating func peerGone(_ endpoint: Int, peer: String) {
        endpoints[endpoint].peersUp.remove(peer)
    }

    /// A handshake on `endpoint` failed (a refused key, a mechanism mismatch).
    mutating func handshakeFailed(_ endpoint: Int, _ event: SocketEvent) {
        endpoints[endpoint].lastHandshakeFailure = event
    }

    // MARK: Failover

    /// An attempt on `endpoint` timed out or could not be sent: new attempts move to the next
    /// endpoint, once however many attempts there fail together (only while `endpoint` is the
    /// active one), round the list.
    ///
    /// - Returns: the endpoint attempts now go to, or nil when nothing moved (one endpoint, or
    ///   another failure moved them already).
    mutating func failOver(from endpoint: Int) -> Int? {
        guard endpoints.count > 1, active == endpoint else { return nil }
        active = (endpoint + 1) % endpoints.count
        return active
    }

    // MARK: Waiting attempts

    /// Attempt `id` waits for `endpoint` to connect.
    ///
    /// - Returns: false when there is nothing to wait for: the endpoint is connected already.
    mutating func wait(_ id: UInt64, for endpoint: Int) -> Bool {
        guard !isConnected(endpoint) else { return false }
        endpoints[endpoint].waiters.insert(id)
        return true
    }

    /// Attempt `id` stops waiting (its timeout, or cancellation).
    ///
    /// - Returns: whether it was waiting (false: it was resumed already).
    mutating func stopWaiting(_ id: UInt64, for endpoint: Int) -> Bool {
        endpoints[endpoint].waiters.remove(id) != nil
    }

    /// Every waiting attempt leaves (the client closes), by endpoint.
    mutating func removeAllWaiters() -> [(endpoint: Int, id: UInt64)] {
        var all: [(endpoint: Int, id: UInt64)] = []
        for endpoint in endpoints.indices {
            for id in endpoints[endpoint].waiters.sorted() { all.append((endpoint, id)) }
            endpoints[endpoint].waiters.removeAll()
        }
        return all
    }
}
