import Foundation
import Testing
@testable import ZeroMQ

/// Beacons in one process on loopback: broadcast to `127.255.255.255`, which Linux delivers to
/// every socket bound to the port (`SO_REUSEPORT`), and nothing leaves the host. The UDP port
/// is any free one: the first beacon binds port 0 and the others use the port it got.
@Suite("Beacon on loopback: discovery, goodbye, silence, filters, several listeners", .timeLimit(.minutes(2)))
struct BeaconLoopbackTests {
    static let loopbackBroadcast = "127.255.255.255"

    static func configuration(port: UInt16 = 0, interval: Duration = .milliseconds(100), silence: Duration = .seconds(2))
        -> BeaconConfiguration
    {
        BeaconConfiguration(port: port, broadcastAddress: loopbackBroadcast, interval: interval, silenceTimeout: silence)
    }

    /// Collects a stream's events in the background.
    final class Recorder: Sendable {
        let events = Locked<[DiscoveryEvent]>([])
        let finished = Locked(false)
        let task: Task<Void, Never>

        init(_ stream: AsyncStream<DiscoveryEvent>) {
            let events = self.events
            let finished = self.finished
            task = Task {
                for await event in stream { events.withLock { $0.append(event) } }
                finished.withLock { $0 = true }
            }
        }

        var all: [DiscoveryEvent] { events.withLock { $0 } }

        func wait(for what: String, count: Int, timeout: Duration = .seconds(10)) async throws {
            try await waitUntil("\(what)", timeout: timeout) { events.withLock { $0.count } >= count }
        }

        deinit { task.cancel() }
    }

    static let key = Array(UInt8(0x40)..<UInt8(0x60))

    @Test("A listener discovers a published service with its address, port and key, and loses it at its goodbye")
    func discoverAndGoodbye() async throws {
        try await withDeadline(60) {
            try await withContext { context in
                let listener = try Beacon(context, configuration: Self.configuration())
                let announcer = try Beacon(context, configuration: Self.configuration(port: listener.port))
                #expect(listener.port != 0 && announcer.port == listener.port)
                let recorder = Recorder(await listener.events(forService: "calc"))
                try await announcer.publish(BeaconAnnouncement(serviceName: "calc", port: 5432, publicKey: Self.key))
                try await recorder.wait(for: "calc discovered", count: 1)
                let peer = DiscoveredPeer(
                    address: "127.0.0.1", port: 5432, serviceName: "calc", publicKey: Self.key, instance: announcer.instance
                )
                #expect(recorder.all == [.discovered(peer)])
                #expect(peer.endpoint == "tcp://127.0.0.1:5432")
                #expect(peer.publicKeyZ85?.count == 40)
                // A few more announcements: still one discovery, and the announcer ignored its own.
                try await waitUntil("the announcer sent 5 beacons") { await announcer.statistics.sent >= 5 }
                try await waitUntil("the announcer saw its own beacons") { await announcer.statistics.ignoredOwn >= 3 }
                #expect(await announcer.peers.isEmpty)
                #expect(recorder.all.count == 1)
                await announcer.stopPublishing()
                try await recorder.wait(for: "calc lost", count: 2)
                #expect(recorder.all.last == .lost(peer, reason: .goodbye))
                #expect(await listener.peers.isEmpty)
                await announcer.close()
                await listener.close()
                try await waitUntil("the stream ended") { recorder.finished.withLock { $0 } }
                #expect(recorder.all.count == 2)
            }
        }
    }

    @Test("Three listeners on one host and port each hear the announcer (SO_REUSEPORT)")
    func severalListeners() async throws {
        try await withDeadline(60) {
            try await withContext { context in
                let first = try Beacon(context, configuration: Self.configuration())
                let others = try (0..<2).map { _ in try Beacon(context, configuration: Self.configuration(port: first.port)) }
                let listeners = [first] + others
                var recorders: [Recorder] = []
                for listener in listeners { recorders.append(Recorder(await listener.events())) }
                let announcer = try Beacon(context, configuration: Self.configuration(port: first.port))
                try await announcer.publish(BeaconAnnouncement(serviceName: "printer", port: 631))
                for (index, recorder) in recorders.enumerated() {
                    try await recorder.wait(for: "listener \(index) discovered the printer", count: 1)
                    #expect(recorder.all.first?.peer.serviceName == "printer")
                    #expect(recorder.all.first?.peer.instance == announcer.instance)
                }
                await announcer.close()
                for listener in listeners { await listener.close() }
            }
        }
    }

    @Test("Filters by service name; a late stream starts with the peers already known")
    func filters() async throws {
        try await withDeadline(60) {
            try await withContext { context in
                let listener = try Beacon(context, configuration: Self.configuration())
                let calc = Recorder(await listener.events(forService: "calc"))
                let other = Recorder(await listener.events(forService: "other"))
                let all = Recorder(await listener.events())
                let a = try Beacon(context, configuration: Self.configuration(port: listener.port))
                let b = try Beacon(context, configuration: Self.configuration(port: listener.port))
                try await a.publish(BeaconAnnouncement(serviceName: "calc", port: 1000))
                try await b.publish(BeaconAnnouncement(serviceName: "weather", port: 2000))
                try await all.wait(for: "both services discovered", count: 2)
                try await calc.wait(for: "calc discovered", count: 1)
                #expect(calc.all.map(\.peer.port) == [1000])
                #expect(Set(all.all.map(\.peer.serviceName)) == ["calc", "weather"])
                let late = Recorder(await listener.events(forService: "weather"))
                try await late.wait(for: "the late stream's replay", count: 1)
                #expect(late.all == [.discovered(DiscoveredPeer(address: "127.0.0.1", port: 2000, serviceName: "weather", instance: b.instance))])
                #expect(other.all.isEmpty)
                await a.close()
                await b.close()
                try await all.wait(for: "both goodbyes", count: 4)
                #expect(all.all.suffix(2).allSatisfy { if case .lost(_, .goodbye) = $0 { true } else { false } })
                await listener.close()
                #expect(other.all.isEmpty)
            }
        }
    }

    /// A peer that sends one beacon and then nothing (no goodbye: a crashed or cut-off host),
    /// from a plain UDP socket; and datagrams that are not beacons, which change nothing.
    @Test("A silent peer is lost after the silence timeout, not before; foreign datagrams are rejected")
    func silenceAndForeign() async throws {
        try await withDeadline(60) {
            try await withContext { context in
                let silence = Duration.milliseconds(500)
                let listener = try Beacon(context, configuration: Self.configuration(silence: silence))
                let recorder = Recorder(await listener.events())
                let raw = try UDPSocket(address: "127.0.0.1", port: 0)
                defer { raw.close() }
                let destination = try UDPSocket.socketAddress(Self.loopbackBroadcast, port: listener.port, operation: "test")
                for garbage in [Array("ZRE\u{1}garbage".utf8), [], Array(repeating: 0x5A, count: 2000), [0x5A, 0x42, 0x43, 0x4E, 1]] {
                    #expect(raw.send(garbage, to: destination) == nil)
                }
                try await waitUntil("4 datagrams rejected") { await listener.statistics.rejected >= 4 }
                #expect(recorder.all.isEmpty)
                let instance = BeaconInstanceID.random()
                let frame = try BeaconFrame(instance: instance, serviceName: "once", port: 7000).encoded()
                let sent = ContinuousClock.now
                #expect(raw.send(frame, to: destination) == nil)
                try await recorder.wait(for: "discovered", count: 1)
                try await recorder.wait(for: "lost by silence", count: 2)
                let lostAfter = sent.duration(to: .now)
                guard case .lost(let peer, .silence) = recorder.all.last else {
                    Issue.record("not lost by silence: \(recorder.all)")
                    return
                }
                #expect(peer.instance == instance && peer.serviceName == "once" && peer.port == 7000)
                // Not before the timeout (the datagram was received after it was sent).
                #expect(lostAfter >= silence)
                print("beacon loopback: a peer silent after one beacon was lost \(lostAfter) after it was sent (silence timeout \(silence))")
                #expect(await listener.statistics.rejected == 4)
                await listener.close()
            }
        }
    }

    @Test("With ignoresOwnBeacons off, a beacon discovers its own announcement")
    func ownBeaconsWhenAsked() async throws {
        try await withDeadline(30) {
            try await withContext { context in
                var configuration = Self.configuration()
                configuration.ignoresOwnBeacons = false
                let beacon = try Beacon(context, configuration: configuration)
                let recorder = Recorder(await beacon.events())
                try await beacon.publish(BeaconAnnouncement(serviceName: "self", port: 4000))
                try await recorder.wait(for: "own announcement discovered", count: 1)
                #expect(recorder.all.first?.peer.instance == beacon.instance)
                #expect(await beacon.statistics.ignoredOwn == 0)
                await beacon.close()
                // Its own goodbye is sent before it stops listening; closing reports the rest.
                try await waitUntil("the stream ended") { recorder.finished.withLock { $0 } }
                #expect(recorder.all.count == 2)
            }
        }
    }

    @Test("Bad configurations and announcements are refused with a reason")
    func refusals() async throws {
        try await withDeadline(30) {
            try await withContext { context in
                var configuration = Self.configuration()
                configuration.broadcastAddress = "not-an-address"
                #expect(throws: ZeroMQError.self) { try Beacon(context, configuration: configuration) }
                configuration = Self.configuration(interval: .zero)
                do {
                    _ = try Beacon(context, configuration: configuration)
                    Issue.record("a zero interval was accepted")
                } catch let error as ZeroMQError {
                    #expect(error.code == .invalidArgument)
                    #expect(error.reason.contains("interval"))
                }
                let beacon = try Beacon(context, configuration: Self.configuration())
                await #expect(throws: BeaconFrameError(reason: .wrongPublicKeyLength(31), byteCount: 0)) {
                    try await beacon.publish(BeaconAnnouncement(serviceName: "x", port: 1, publicKey: Array(repeating: 0, count: 31)))
                }
                #expect(await beacon.isPublishing == false)
                #expect(throws: ZeroMQError.self) { try BeaconAnnouncement(serviceName: "x", endpoint: "tcp://127.0.0.1:*") }
                #expect(try BeaconAnnouncement(serviceName: "x", endpoint: "tcp://0.0.0.0:41234").port == 41234)
                await beacon.close()
                await #expect(throws: ZeroMQError.self) { try await beacon.publish(BeaconAnnouncement(serviceName: "x", port: 1)) }
            }
        }
    }
}
