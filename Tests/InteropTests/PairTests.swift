import Testing

extension Interop {
    /// bind.py / connect.py: one exclusive two-way channel; each side sends N messages and prints
    /// the other side's.
    @Suite("PAIR: bind and connect")
    struct Pair {
        @Test("each side receives the other's messages in order", arguments: Pairing.bothWays)
        func bothDirections(_ pairing: Pairing) async throws {
            try await withPeers { peers in
                let count = 5
                let options = ["--count", "\(count)", "--interval", "0.05"]
                let binder = try peers.start(.pairBind, in: pairing.binder, ["--endpoint", anyLoopbackPort] + options)
                let endpoint = try await binder.endpoint()
                let connecter = try peers.start(.pairConnect, in: pairing.connecter, ["--endpoint", endpoint] + options)
                try await binder.succeeded()
                try await connecter.succeeded()

                for (receiver, sender) in [(binder, "connect"), (connecter, "bind")] {
                    let lines = try #require(Formats.stripping("Received: ", from: receiver.standardOutput))
                    let messages = lines.compactMap(Formats.pairMessage)
                    #expect(messages.count == lines.count, "lines not in the expected format: \(lines)")
                    #expect(messages.map(\.side) == Array(repeating: sender, count: count), "\(lines)")
                    #expect(messages.map(\.id) == Array(1...count), "\(lines)")
                }
            }
        }
    }
}
