/// The services a beacon has heard and when: a pure state machine, no sockets, no clock of its
/// own.
///
/// The ``Beacon`` feeds it each decoded datagram with the time it arrived (``heard(_:from:at:)``)
/// and asks it, when its timer fires, which peers have been silent too long
/// (``expire(at:)``); both return what to report. ``nextExpiry`` says when to ask next.
///
/// A peer is one (source address, beacon instance) pair: the same beacon heard on two
/// interfaces is two peers, because each address is a different route to it.
struct BeaconPeerTable<Instant: InstantProtocol> where Instant.Duration == Duration {
    /// A peer's identity in the table.
    struct Key: Hashable {
        var address: String
        var instance: BeaconInstanceID
    }

    struct Entry {
        var peer: DiscoveredPeer
        var lastHeard: Instant
    }

    /// What one datagram changed.
    enum Heard: Equatable {
        /// A new peer: report it.
        case discovered(DiscoveredPeer)
        /// A known peer, same announcement: its silence starts again; nothing to report.
        case refreshed(DiscoveredPeer)
        /// A known beacon announces something else: report the old one lost
        /// (``DiscoveryLossReason/replaced``), then the new one discovered.
        case replaced(old: DiscoveredPeer, new: DiscoveredPeer)
        /// A known peer said goodbye: report it lost (``DiscoveryLossReason/goodbye``).
        case lost(DiscoveredPeer)
        /// Nothing changes, for this reason.
        case ignored(Ignored)
    }

    /// Why a datagram changed nothing.
    enum Ignored: Equatable {
        /// It came from the table's own beacon.
        case own
        /// A goodbye from a peer not in the table.
        case unknownGoodbye
        /// The table is full (``maximumPeers``): a new peer is not added until others are lost.
        case full
    }

    /// How long a peer may stay silent before it is lost.
    let silenceTimeout: Duration
    /// The most peers held at once; more are ignored (a flood of forged beacons cannot grow
    /// the table without bound).
    let maximumPeers: Int
    /// The instance whose datagrams are ignored (the table's own beacon), if any.
    let ignoredInstance: BeaconInstanceID?

    private(set) var entries: [Key: Entry] = [:]

    init(silenceTimeout: Duration, maximumPeers: Int, ignoring ignoredInstance: BeaconInstanceID? = nil) {
        self.silenceTimeout = silenceTimeout
        self.maximumPeers = maximumPeers
        self.ignoredInstance = ignoredInstance
    }

    /// The peers known now, in no particular order.
    var peers: [DiscoveredPeer] { entries.values.map(\.peer) }

    /// When the next peer falls silent if nothing more is heard, or `nil` when none is known.
    var nextExpiry: Instant? {
        entries.values.map { $0.lastHeard.advanced(by: silenceTimeout) }.min()
    }

    /// Takes in one datagram from `address`, received at `now`.
    mutating func heard(_ frame: BeaconFrame, from address: String, at now: Instant) -> Heard {
        if let ignoredInstance, frame.instance == ignoredInstance { return .ignored(.own) }
        let key = Key(address: address, instance: frame.instance)
        let peer = DiscoveredPeer(
            address: address, port: frame.port, serviceName: frame.serviceName, publicKey: frame.publicKey,
            instance: frame.instance
        )
        if frame.isGoodbye {
            guard let entry = entries.removeValue(forKey: key) else { return .ignored(.unknownGoodbye) }
            return .lost(entry.peer)
        }
        guard let entry = entries[key] else {
            guard entries.count < maximumPeers else { return .ignored(.full) }
            entries[key] = Entry(peer: peer, lastHeard: now)
            return .discovered(peer)
        }
        entries[key] = Entry(peer: peer, lastHeard: max(entry.lastHeard, now))
        return entry.peer == peer ? .refreshed(peer) : .replaced(old: entry.peer, new: peer)
    }

    /// Removes and returns the peers silent for at least the silence timeout at `now`, the
    /// longest silent first.
    mutating func expire(at now: Instant) -> [DiscoveredPeer] {
        let silent = entries.filter { $0.value.lastHeard.advanced(by: silenceTimeout) <= now }
        for key in silent.keys { entries.removeValue(forKey: key) }
        return silent.values.sorted { $0.lastHeard < $1.lastHeard }.map(\.peer)
    }

    /// Removes every peer and returns them (the beacon closes).
    mutating func removeAll() -> [DiscoveredPeer] {
        defer { entries.removeAll() }
        return peers
    }
}
