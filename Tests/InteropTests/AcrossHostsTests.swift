import Foundation
import Testing

extension Interop {
    /// The examples on three hosts (network namespaces joined by a switch, ``ThreeHosts``): a
    /// device in the middle on host b, the programs that use it on hosts a and c. Links are cut
    /// and restored (`ip link set down/up` on the switch's port) and made lossy and slow (`tc
    /// netem`, or NFQUEUE and nfqueue_delay.py on kernels without netem); each test prints what it
    /// measured (`across hosts: ...` on standard error) and asserts only what must hold: what is
    /// sent after recovery arrives, counts add up, recovery stays below a generous bound, a round
    /// trip takes at least twice the added delay. Never an exact time.
    ///
    /// A cable cut of a few seconds breaks no TCP connection: nothing sends FIN or RST, and the
    /// kernel retransmits with exponential backoff (from 200 ms: 0.2, 0.6, 1.4, 3.0 s ... after the
    /// first send). So libzmq never sees a disconnection, and delivery resumes with the first
    /// retransmission after the link is back: the recovery time measured here is mostly that
    /// backoff.
    @Suite(
        "Across hosts: devices, publishers, workers and typed services over cut and lossy links",
        .enabled(if: RootOnly.canMakeNetworkNamespaces(for: "Across hosts (three network namespaces)"), RootOnly.reason)
    )
    struct AcrossHosts {
        /// How long a link stays cut.
        static let outage = Duration.seconds(3)
        /// The bound on recovery: the outage's TCP backoff (the next retransmission after 3 s of
        /// silence comes at most ~3.2 s later) with room for a loaded machine.
        static let recoveryBound = Duration.seconds(15)

        // MARK: Forwarder

        /// Topic-1 ids a Subscriber printed, in order (parses every line: for the end).
        static func updateIDs(_ subscriber: Child) -> [Int] {
            subscriber.standardOutput.compactMap(Formats.update).map(\.id)
        }

        /// How many lines a Subscriber printed (cheap enough to poll).
        static func received(_ subscriber: Child) -> Int { subscriber.standardOutput.count }

        /// The id of a Subscriber's last update (parses one line: cheap enough to poll).
        static func lastID(_ subscriber: Child) -> Int? {
            subscriber.standardOutput.last.flatMap(Formats.update)?.id
        }

        @Test(
            "Forwarder on b, Publisher on a, Subscriber on c: c's link cut for 3 s; updates flow again, losses only at PUB's high-water mark",
            arguments: [0.02, 0.001])
        func forwarderAcrossLinkCut(interval: Double) async throws {
            try await withThreeHosts { hosts in
                try await withPeers { peers in
                    let forwarder = try peers.swift(
                        "Forwarder", inNetworkNamespace: hosts.namespace(.b),
                        ["--frontend", hosts.anyPort(on: .b), "--backend", hosts.anyPort(on: .b)])
                    let frontend = try await forwarder.endpoint("frontend")
                    let backend = try await forwarder.endpoint("backend")
                    let subscriber = try peers.swift(
                        "Subscriber", inNetworkNamespace: hosts.namespace(.c), ["--endpoint", backend, "--topic", "1"])
                    // A second subscriber beside the Forwarder, whose link is never cut: what the
                    // Forwarder passed on, and when.
                    let control = try peers.swift(
                        "Subscriber", inNetworkNamespace: hosts.namespace(.b), ["--endpoint", backend, "--topic", "1"])
                    let publisher = try peers.swift(
                        "Publisher", inNetworkNamespace: hosts.namespace(.a),
                        ["--connect", "--endpoint", frontend, "--interval", "\(interval)"])
                    // Subscriptions travel c -> b -> a; the first updates arrive once they have.
                    try await waitUntil("both subscribers have 20 updates", timeout: .seconds(20)) {
                        Self.received(subscriber) >= 20 && Self.received(control) >= 20
                    }

                    let beforeCut = Self.received(subscriber)
                    let lastBeforeCut = try #require(Self.lastID(subscriber))
                    let controlAtCut = try #require(Self.lastID(control))
                    try hosts.cut(.c)
                    // The fault's length, not a synchronisation: the link stays down this long.
                    try await Task.sleep(for: Self.outage)
                    let atRestore = Self.received(subscriber)
                    let controlAtRestore = try #require(Self.lastID(control))
                    try hosts.restore(.c)
                    let restored = ContinuousClock.now
                    try await waitUntil("an update reached c after its link came back", timeout: Self.recoveryBound) {
                        Self.received(subscriber) > atRestore
                    }
                    let recovery = restored.duration(to: .now)
                    // What the Forwarder had passed on when c's updates flowed again: c has
                    // recovered once it has that too (the first updates after the cut may be
                    // old ones the connection still held).
                    let controlAtRecovery = try #require(Self.lastID(control))
                    try await waitUntil("c caught up with #\(controlAtRecovery)", timeout: Self.recoveryBound) {
                        (Self.lastID(subscriber) ?? 0) >= controlAtRecovery
                    }
                    let caughtUp = restored.duration(to: .now)
                    // Then enough updates to see that what is sent after recovery all arrives.
                    let resumed = Self.received(subscriber)
                    try await waitUntil("100 more updates after recovery", timeout: .seconds(30)) {
                        Self.received(subscriber) >= resumed + 100
                    }
                    publisher.terminate()
                    try await publisher.exited()
                    forwarder.terminate()
                    let statistics = try await forwarder.line(startingWith: "statistics: ")

                    let ids = Self.updateIDs(subscriber)
                    #expect(
                        ids.count == Self.received(subscriber), "lines that are not updates: \(subscriber.transcript())"
                    )
                    let caughtUpAt = try #require(ids.first { $0 >= controlAtRecovery })
                    let first = try #require(ids.first)
                    let last = try #require(ids.last)
                    // Topic 1 has the odd ids: consecutive ones differ by 2.
                    let sent = (last - first) / 2 + 1
                    let missing = Set(stride(from: first, through: last, by: 2)).subtracting(ids).sorted()
                    let sentDuringCut = (controlAtRestore - controlAtCut) / 2
                    FileHandle.standardError.write(
                        Data(
                            """
                            across hosts: Forwarder, interval \(interval) s, c cut for \(Self.outage): \
                            topic-1 updates #\(first)...#\(last) at c: sent \(sent), delivered \(ids.count), lost \(missing.count) \
                            (\(Self.ranges(missing))); sent during the cut \(sentDuringCut), delivered during it \(atRestore - beforeCut); \
                            first update \(recovery) after the link came back, caught up (#\(caughtUpAt)) after \(caughtUp); \
                            Forwarder \(statistics)

                            """.utf8))

                    #expect(
                        ids == ids.sorted() && Set(ids).count == ids.count,
                        "updates duplicated or out of order: \(Self.ranges(ids))")
                    #expect(ids.count + missing.count == sent, "the counts do not add up")
                    // The cut stopped the flow: c got at most what was already on its way.
                    #expect(atRestore - beforeCut < sentDuringCut / 2, "c kept receiving through the cut")
                    // Losses only while the link was down or the backlog drained: nothing before
                    // the cut, and everything from the moment c caught up.
                    #expect(
                        missing.allSatisfy { $0 > lastBeforeCut && $0 < caughtUpAt },
                        "lost outside the outage: \(Self.ranges(missing))")
                    // A 3 s cut breaks no connection: what is lost is only what XPUB dropped for
                    // the subscriber whose queue was full (SNDHWM 1000, plus what the kernel's
                    // socket buffer held). At 50 updates a second nothing fills it.
                    if interval >= 0.02 {
                        #expect(missing.isEmpty, "lost at 50 updates/s: \(Self.ranges(missing))")
                    }
                }
            }
        }

        /// `#3...#9 (4), #15`: runs of odd ids, for messages.
        static func ranges(_ ids: [Int]) -> String {
            guard var low = ids.first else { return "none" }
            var high = low
            var parts: [String] = []
            func close() { parts.append(low == high ? "#\(low)" : "#\(low)...#\(high) (\((high - low) / 2 + 1))") }
            for id in ids.dropFirst() {
                if id == high + 2 {
                    high = id
                } else {
                    close()
                    low = id
                    high = id
                }
            }
            close()
            return parts.count > 10
                ? parts.prefix(10).joined(separator: ", ") + ", ... \(parts.count) runs" : parts.joined(separator: ", ")
        }

        // MARK: Queue device

        @Test(
            "QueueDevice on b, EchoServer on a, `zmq req` on c: one link cut for 3 s, every request answered once, in order",
            arguments: [ThreeHosts.Host.c, ThreeHosts.Host.a])
        func queueAcrossLinkCut(cutHost: ThreeHosts.Host) async throws {
            let requests = 400
            try await withThreeHosts { hosts in
                try await withPeers { peers in
                    let queue = try peers.swift(
                        "QueueDevice", inNetworkNamespace: hosts.namespace(.b),
                        ["--frontend", hosts.anyPort(on: .b), "--backend", hosts.anyPort(on: .b)])
                    let frontend = try await queue.endpoint("frontend")
                    let backend = try await queue.endpoint("backend")
                    let worker = try peers.swift(
                        "EchoServer", inNetworkNamespace: hosts.namespace(.a), ["--connect", "--endpoint", backend])
                    // One request at a time (REQ), 10 ms apart: r1 ... r400.
                    let client = try peers.swift(
                        "zmq", inNetworkNamespace: hosts.namespace(.c),
                        ["req", "--connect", frontend, "--interval", "0.01"] + (1...requests).map { "r\($0)" })
                    func replies() -> Int { client.standardOutput.count }

                    try await waitUntil("30 replies", timeout: .seconds(20)) { replies() >= 30 }
                    let beforeCut = replies()
                    try hosts.cut(cutHost)
                    try await Task.sleep(for: Self.outage)
                    let atRestore = replies()
                    try hosts.restore(cutHost)
                    let restored = ContinuousClock.now
                    try await waitUntil("a reply after the link came back", timeout: Self.recoveryBound) {
                        replies() > atRestore
                    }
                    let recovery = restored.duration(to: .now)
                    try await client.succeeded(timeout: .seconds(60))

                    let expected = (1...requests).map { "Echo: r\($0)" }
                    FileHandle.standardError.write(
                        Data(
                            """
                            across hosts: QueueDevice, \(cutHost) cut for \(Self.outage): \(requests) requests, \
                            \(client.standardOutput.count) replies (\(beforeCut) before the cut, \(atRestore - beforeCut) during it), \
                            first reply \(recovery) after the link came back; the worker answered \(worker.standardOutput.count)

                            """.utf8))
                    #expect(client.standardOutput == expected, "replies missing, repeated or out of order")
                    // REQ sends one request at a time: the worker saw each exactly once.
                    #expect(worker.standardOutput == expected)
                    #expect(atRestore - beforeCut <= 1, "replies came through a cut link")
                }
            }
        }

        // MARK: Typed service

        @Test(
            "TypedCalculator across hosts: 30 calls on a link with 50 ms delay and 10 % loss each way all answered; latency reflects the delay"
        )
        func typedCallsOverLossyLink() async throws {
            let calls = 30
            try await withThreeHosts { hosts in
                try await withPeers { peers in
                    let service = try peers.swift(
                        "TypedCalculator", inNetworkNamespace: hosts.namespace(.a),
                        ["--serve", "--endpoint", hosts.anyPort(on: .a)])
                    let endpoint = try await service.endpoint()

                    /// Runs one client process making `calls` calls, one after the other on one
                    /// connection; returns its wall time.
                    func session(_ label: String) async throws -> Duration {
                        let started = ContinuousClock.now
                        let client = try peers.swift(
                            "TypedCalculator", inNetworkNamespace: hosts.namespace(.c),
                            [
                                "--connect", "--endpoint", endpoint, "--count", "\(calls)", "--timeout", "30", "6", "x",
                                "7",
                            ])
                        try await client.succeeded(timeout: .seconds(90))
                        let elapsed = started.duration(to: .now)
                        #expect(
                            client.standardOutput == Array(repeating: "6 x 7 = 42", count: calls),
                            "\(label): \(client.transcript())")
                        return elapsed
                    }

                    let clean = try await session("clean link")
                    let delay = Duration.milliseconds(50)
                    let impairment = try await hosts.impair(.c, delay: delay, lossPercent: 10, peers: peers)
                    let impaired = try await session("impaired link")
                    let dropped = try hosts.droppedPackets(.c, by: impairment)

                    FileHandle.standardError.write(
                        Data(
                            """
                            across hosts: TypedCalculator, \(calls) calls in one client process: clean link \(clean), \
                            with \(impairment) \(impaired) (\(impaired / calls) a call); \(dropped) packets dropped

                            """.utf8))
                    // The loss was real, and TCP made up for it: every call above was answered.
                    #expect(dropped > 0, "the impairment dropped nothing")
                    // Physics, not speed: each call waits for its reply, a round trip of at least
                    // twice the delay, and the calls go one after the other.
                    #expect(
                        impaired >= (delay * 2) * calls,
                        "\(calls) calls over a \(delay * 2) round trip took \(impaired)")
                }
            }
        }

        @Test(
            "TypedCalculator across hosts: the client's link cut for 2 s while the service calculates; the answer arrives within the 5 s timeout"
        )
        func typedCallAcrossLinkCut() async throws {
            try await withThreeHosts { hosts in
                try await withPeers { peers in
                    // Each calculation takes 1 s: the answer is sent while the link is down.
                    let service = try peers.swift(
                        "TypedCalculator", inNetworkNamespace: hosts.namespace(.a),
                        ["--serve", "--delay", "1", "--endpoint", hosts.anyPort(on: .a)])
                    let endpoint = try await service.endpoint()
                    let started = ContinuousClock.now
                    let client = try peers.swift(
                        "TypedCalculator", inNetworkNamespace: hosts.namespace(.c),
                        ["--connect", "--endpoint", endpoint, "6", "x", "7"])
                    _ = try await service.line(startingWith: "calculating 6 x 7")
                    try hosts.cut(.c)
                    let cut = ContinuousClock.now
                    try await Task.sleep(for: .seconds(2))
                    try hosts.restore(.c)
                    let restored = ContinuousClock.now
                    try await client.succeeded(timeout: .seconds(20))
                    let answered = ContinuousClock.now

                    FileHandle.standardError.write(
                        Data(
                            """
                            across hosts: TypedCalculator, c cut for \(cut.duration(to: restored)) during a 1 s calculation: \
                            answered \(restored.duration(to: answered)) after the link came back, \(started.duration(to: answered)) after the client started

                            """.utf8))
                    #expect(client.standardOutput == ["6 x 7 = 42"], "\(client.transcript())")
                }
            }
        }
    }
}
