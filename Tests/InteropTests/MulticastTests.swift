import Testing

extension Interop {
    /// The tutorial's fourth transport: PGM multicast, between two hosts (network namespaces the
    /// test makes). pyzmq's wheels bundle a libzmq without PGM, so both ends are the Swift
    /// examples on Debian's libzmq; epgm runs PGM over UDP, pgm over raw IP (root only).
    @Suite(
        "PGM multicast between two network namespaces",
        .enabled(
            if: RootOnly.canMakeNetworkNamespaces(for: "PGM multicast between two network namespaces"), RootOnly.reason)
    )
    struct Multicast {
        @Test("Publisher on one host, Subscriber on another: prefix 1 only, in order", arguments: ["epgm", "pgm"])
        func publishOverMulticast(transport: String) async throws {
            let network = try NetworkNamespaces()
            defer { network.remove() }
            try await withPeers { peers in
                // OpenPGM names the interface by its address here: in a fresh namespace it refused
                // veth interface names (EINVAL) but took their addresses.
                let subscriber = try peers.swift(
                    "Subscriber", inNetworkNamespace: network.b,
                    ["--endpoint", "\(transport)://\(network.addressB);239.192.1.1:5555", "--topic", "1", "--count", "4"])
                // Like TCP subscribers, a late joiner misses what was sent before it joined: the
                // publisher runs long enough, and the test reads the subscriber's lines.
                let publisher = try peers.swift(
                    "Publisher", inNetworkNamespace: network.a,
                    ["--connect", "--endpoint", "\(transport)://\(network.addressA);239.192.1.1:5555",
                     "--interval", "0.1", "--count", "300"])
                try await subscriber.succeeded(timeout: .seconds(20))
                #expect(publisher.exit == nil, "the publisher stopped early: \(publisher.transcript())")

                let updates = subscriber.standardOutput.compactMap(Formats.update)
                #expect(updates.count == 4, "\(subscriber.standardOutput)")
                #expect(updates.allSatisfy { $0.kind == 1 }, "\(subscriber.standardOutput)")
                let ids = updates.map(\.id)
                #expect(zip(ids, ids.dropFirst()).allSatisfy { $1 == $0 + 2 }, "ids not consecutive odd numbers: \(ids)")
            }
        }
    }
}
