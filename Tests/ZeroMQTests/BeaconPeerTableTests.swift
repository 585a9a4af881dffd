import Testing
@testable import ZeroMQ

/// The peer table of a beacon, driven by hand at instants of a ``ManualClock``: discovered,
/// refreshed, replaced, lost by goodbye and by silence, at exactly the silence timeout.
@Suite("Beacon peer table: a state machine on a manual clock", .timeLimit(.minutes(1)))
struct BeaconPeerTableTests {
    typealias Table = BeaconPeerTable<ManualClock.Instant>

    static let own = BeaconInstanceID(bytes: Array(repeating: 0xEE, count: 16))!
    static let one = BeaconInstanceID(bytes: Array(repeating: 1, count: 16))!
    static let two = BeaconInstanceID(bytes: Array(repeating: 2, count: 16))!

    static func frame(_ instance: BeaconInstanceID, name: String = "calc", port: UInt16 = 5000, goodbye: Bool = false)
        -> BeaconFrame
    {
        BeaconFrame(instance: instance, serviceName: name, port: port, isGoodbye: goodbye)
    }

    static func peer(_ instance: BeaconInstanceID, address: String = "10.0.0.1", name: String = "calc", port: UInt16 = 5000)
        -> DiscoveredPeer
    {
        DiscoveredPeer(address: address, port: port, serviceName: name, instance: instance)
    }

    @Test("Discovered once, refreshed while heard, lost exactly at the silence timeout after the last beacon")
    func silence() {
        let clock = ManualClock()
        var table = Table(silenceTimeout: .seconds(3), maximumPeers: 10)
        #expect(table.nextExpiry == nil)
        #expect(table.heard(Self.frame(Self.one), from: "10.0.0.1", at: clock.now) == .discovered(Self.peer(Self.one)))
        #expect(table.nextExpiry == ManualClock.Instant(offset: .seconds(3)))
        clock.advance(by: .seconds(1))
        #expect(table.heard(Self.frame(Self.one), from: "10.0.0.1", at: clock.now) == .refreshed(Self.peer(Self.one)))
        #expect(table.nextExpiry == ManualClock.Instant(offset: .seconds(4)))
        // At 3 s: three seconds after the first beacon, two after the last. Not lost.
        clock.advance(by: .seconds(2))
        #expect(table.expire(at: clock.now).isEmpty)
        clock.advance(by: .milliseconds(999))
        #expect(table.expire(at: clock.now).isEmpty)
        #expect(table.peers == [Self.peer(Self.one)])
        clock.advance(by: .milliseconds(1))
        #expect(table.expire(at: clock.now) == [Self.peer(Self.one)])
        #expect(table.peers.isEmpty)
        #expect(table.nextExpiry == nil)
        // Heard again: discovered again.
        #expect(table.heard(Self.frame(Self.one), from: "10.0.0.1", at: clock.now) == .discovered(Self.peer(Self.one)))
    }

    @Test("Two peers fall silent in the order they were last heard")
    func twoPeers() {
        let clock = ManualClock()
        var table = Table(silenceTimeout: .seconds(2), maximumPeers: 10)
        _ = table.heard(Self.frame(Self.one), from: "10.0.0.1", at: clock.now)
        clock.advance(by: .milliseconds(500))
        _ = table.heard(Self.frame(Self.two, port: 6000), from: "10.0.0.2", at: clock.now)
        clock.advance(by: .milliseconds(500))
        _ = table.heard(Self.frame(Self.one), from: "10.0.0.1", at: clock.now)  // one: last at 1.0 s
        #expect(table.nextExpiry == ManualClock.Instant(offset: .milliseconds(2500)))
        clock.advance(to: ManualClock.Instant(offset: .milliseconds(2500)))
        #expect(table.expire(at: clock.now) == [Self.peer(Self.two, address: "10.0.0.2", port: 6000)])
        #expect(table.nextExpiry == ManualClock.Instant(offset: .seconds(3)))
        clock.advance(by: .seconds(10))
        #expect(table.expire(at: clock.now) == [Self.peer(Self.one)])
    }

    @Test("Both silent at once: reported longest silent first")
    func order() {
        var table = Table(silenceTimeout: .seconds(1), maximumPeers: 10)
        _ = table.heard(Self.frame(Self.two), from: "10.0.0.2", at: ManualClock.Instant(offset: .milliseconds(300)))
        _ = table.heard(Self.frame(Self.one), from: "10.0.0.1", at: ManualClock.Instant(offset: .milliseconds(100)))
        let lost = table.expire(at: ManualClock.Instant(offset: .seconds(5)))
        #expect(lost.map(\.instance) == [Self.one, Self.two])
    }

    @Test("A goodbye loses the peer at once; a goodbye from an unknown peer changes nothing")
    func goodbye() {
        var table = Table(silenceTimeout: .seconds(5), maximumPeers: 10)
        let now = ManualClock.Instant(offset: .zero)
        #expect(table.heard(Self.frame(Self.one, goodbye: true), from: "10.0.0.1", at: now) == .ignored(.unknownGoodbye))
        _ = table.heard(Self.frame(Self.one), from: "10.0.0.1", at: now)
        // The same instance from another address is another peer: its goodbye is not this one's.
        #expect(table.heard(Self.frame(Self.one, goodbye: true), from: "10.0.0.9", at: now) == .ignored(.unknownGoodbye))
        #expect(table.heard(Self.frame(Self.one, goodbye: true), from: "10.0.0.1", at: now) == .lost(Self.peer(Self.one)))
        #expect(table.peers.isEmpty)
        #expect(table.nextExpiry == nil)
    }

    @Test("A beacon that announces something else replaces its old announcement")
    func replaced() {
        var table = Table(silenceTimeout: .seconds(5), maximumPeers: 10)
        let now = ManualClock.Instant(offset: .zero)
        _ = table.heard(Self.frame(Self.one), from: "10.0.0.1", at: now)
        #expect(
            table.heard(Self.frame(Self.one, port: 5001), from: "10.0.0.1", at: now)
                == .replaced(old: Self.peer(Self.one), new: Self.peer(Self.one, port: 5001)))
        #expect(table.peers == [Self.peer(Self.one, port: 5001)])
        var keyed = Self.frame(Self.one, port: 5001)
        keyed.publicKey = Array(repeating: 9, count: 32)
        guard case .replaced = table.heard(keyed, from: "10.0.0.1", at: now) else {
            Issue.record("a new key did not replace the announcement")
            return
        }
    }

    @Test("Own beacons are ignored; a full table ignores new peers but keeps refreshing known ones")
    func ownAndFull() {
        let clock = ManualClock()
        var table = Table(silenceTimeout: .seconds(2), maximumPeers: 1, ignoring: Self.own)
        #expect(table.heard(Self.frame(Self.own), from: "127.0.0.1", at: clock.now) == .ignored(.own))
        #expect(table.peers.isEmpty)
        #expect(table.heard(Self.frame(Self.one), from: "10.0.0.1", at: clock.now) == .discovered(Self.peer(Self.one)))
        #expect(table.heard(Self.frame(Self.two), from: "10.0.0.2", at: clock.now) == .ignored(.full))
        clock.advance(by: .seconds(1))
        #expect(table.heard(Self.frame(Self.one), from: "10.0.0.1", at: clock.now) == .refreshed(Self.peer(Self.one)))
        clock.advance(by: .seconds(2))
        #expect(table.expire(at: clock.now).count == 1)
        #expect(table.heard(Self.frame(Self.two), from: "10.0.0.2", at: clock.now) == .discovered(Self.peer(Self.two, address: "10.0.0.2")))
    }

    @Test("A datagram received late (an earlier instant) never moves a peer's silence back")
    func lateDatagram() {
        var table = Table(silenceTimeout: .seconds(2), maximumPeers: 10)
        _ = table.heard(Self.frame(Self.one), from: "10.0.0.1", at: ManualClock.Instant(offset: .seconds(5)))
        _ = table.heard(Self.frame(Self.one), from: "10.0.0.1", at: ManualClock.Instant(offset: .seconds(4)))
        #expect(table.nextExpiry == ManualClock.Instant(offset: .seconds(7)))
    }
}
