import Testing

extension Interop {
    /// pub.py / sub.py: PUB binds and sends `1-Update!` and `2-Update!` each round; SUB connects
    /// and prints what matches its prefix.
    ///
    /// A subscriber only gets what is published after its subscription reached the publisher (the
    /// slow joiner), so the publisher runs long (it is stopped at the end) and the test waits for
    /// the subscriber's lines; which id comes first is not known, their order is.
    @Suite("PUB/SUB: publisher and subscriber")
    struct PubSub {
        @Test("topic 1: only 1-Update! lines, odd ids in order", arguments: Pairing.bothWays)
        func topicOne(_ pairing: Pairing) async throws {
            try await withPeers { peers in
                let publisher = try peers.start(
                    .publisher, in: pairing.binder,
                    ["--endpoint", anyLoopbackPort, "--interval", "0.05", "--count", "600"])
                let endpoint = try await publisher.endpoint()
                let subscriber = try peers.start(
                    .subscriber, in: pairing.connecter, ["--endpoint", endpoint, "--topic", "1", "--count", "6"])
                try await subscriber.succeeded()
                #expect(publisher.exit == nil, "the publisher stopped early: \(publisher.transcript())")
                #expect(publisher.standardOutput.isEmpty)

                let lines = subscriber.standardOutput
                let updates = lines.compactMap(Formats.update)
                #expect(lines.count == 6)
                #expect(updates.count == lines.count, "lines not in the seed's format: \(lines)")
                #expect(updates.allSatisfy { $0.kind == 1 }, "\(lines)")
                #expect(updates.allSatisfy { $0.id % 2 == 1 }, "\(lines)")
                let ids = updates.map(\.id)
                #expect(zip(ids, ids.dropFirst()).allSatisfy { $1 == $0 + 2 }, "ids not consecutive odd numbers: \(ids)")
            }
        }

        @Test("empty topic: both kinds, in the order sent", arguments: Pairing.bothWays)
        func everything(_ pairing: Pairing) async throws {
            try await withPeers { peers in
                let publisher = try peers.start(
                    .publisher, in: pairing.binder,
                    ["--endpoint", anyLoopbackPort, "--interval", "0.05", "--count", "600"])
                let endpoint = try await publisher.endpoint()
                let subscriber = try peers.start(
                    .subscriber, in: pairing.connecter, ["--endpoint", endpoint, "--topic", "", "--count", "8"])
                try await subscriber.succeeded()
                #expect(publisher.exit == nil, "the publisher stopped early: \(publisher.transcript())")

                let lines = subscriber.standardOutput
                let updates = lines.compactMap(Formats.update)
                #expect(lines.count == 8)
                #expect(updates.count == lines.count, "lines not in the seed's format: \(lines)")
                #expect(updates.contains { $0.kind == 1 } && updates.contains { $0.kind == 2 }, "\(lines)")
                // 1-Update #n, 2-Update #n, 1-Update #n+2, ...: from whichever came first.
                let inOrder = zip(updates, updates.dropFirst()).allSatisfy { previous, next in
                    previous.kind == 1 ? (next.kind == 2 && next.id == previous.id) : (next.kind == 1 && next.id == previous.id + 2)
                }
                #expect(inOrder, "updates out of order: \(lines)")
            }
        }
    }
}
