import Foundation
import Testing

extension Interop {
    /// LAN discovery between two hosts: two network namespaces joined by a veth pair
    /// (``NetworkNamespaces``, 10.201.n.1 and 10.201.n.2/24), made by the test and removed after
    /// it. `DiscoveryEcho serve` announces an echo service on host a (broadcast to the subnet's
    /// 10.201.n.255, every 0.2 s, on the default beacon port); `DiscoveryEcho find` on host b
    /// prints what its beacon hears and asks a `RequestClient` pointed at the service's name.
    ///
    /// Times are measured from the test's side: from sending the signal to reading the child's
    /// line (pipe latency included).
    @Suite(
        "Discovery between two network namespaces: found by name, asked, lost when it dies or says goodbye",
        .enabled(if: RootOnly.canMakeNetworkNamespaces(for: "Beacon discovery between two network namespaces"), RootOnly.reason),
        .timeLimit(.minutes(3))
    )
    struct Discovery {
        static let interval = 0.2
        static let silence = 1.5

        /// Lines of `finder`'s output that start with `prefix`.
        static func lines(_ finder: Child, _ prefix: String) -> [String] {
            finder.standardOutput.filter { $0.hasPrefix(prefix) }
        }

        @Test("A service announced in one namespace is discovered in the other, answers, and is lost within the silence timeout after it is killed")
        func discoverAskAndLose() async throws {
            try await withDeadline(150) {
                let network = try NetworkNamespaces()
                defer { network.remove() }
                let broadcast = network.addressA.split(separator: ".").dropLast().joined(separator: ".") + ".255"
                try await withPeers { peers in
                    let beaconFlags = [
                        "--name", "echo-ns", "--broadcast", broadcast, "--interval", "\(Self.interval)", "--silence", "\(Self.silence)",
                    ]
                    let finder = try peers.swift(
                        "DiscoveryEcho", inNetworkNamespace: network.b, ["find"] + beaconFlags + ["--every", "0.1", "--timeout", "0.5"])
                    let server = try peers.swift(
                        "DiscoveryEcho", inNetworkNamespace: network.a, ["serve"] + beaconFlags + ["--bind", "tcp://\(network.addressA):*"])
                    let endpoint = try await server.endpoint(timeout: .seconds(20))
                    #expect(endpoint.hasPrefix("tcp://\(network.addressA):"))

                    // Discovered under the address the beacon came from, and asked through the name.
                    try await waitUntil("b discovered \(endpoint)", timeout: .seconds(20)) {
                        Self.lines(finder, "discovered ").contains("discovered \(endpoint)")
                    }
                    try await waitUntil("b got 5 replies", timeout: .seconds(20)) {
                        Self.lines(finder, "reply: ").count >= 5
                    }
                    let replies = Self.lines(finder, "reply: ")
                    #expect(replies.allSatisfy { $0.hasPrefix("reply: echo-ns: ping ") }, "\(replies)")

                    // Killed: no goodbye. Lost after the silence timeout; requests fail from then on.
                    server.crash()
                    let killed = ContinuousClock.now
                    try await waitUntil("b lost \(endpoint)", timeout: .seconds(Self.silence + 10)) {
                        Self.lines(finder, "lost ").contains("lost \(endpoint) (silent for the silence timeout)")
                    }
                    let lostAfter = killed.duration(to: .now)
                    let repliesAtLoss = Self.lines(finder, "reply: ").count
                    let failuresAtLoss = Self.lines(finder, "failed: ").count
                    try await waitUntil("requests fail after the loss", timeout: .seconds(10)) {
                        Self.lines(finder, "failed: ").count >= failuresAtLoss + 2
                    }
                    #expect(Self.lines(finder, "reply: ").count == repliesAtLoss)
                    // The last beacon came at most one interval before the kill.
                    #expect(lostAfter >= .seconds(Self.silence - Self.interval) - .milliseconds(50))

                    // A new service on the same name: discovered again, answers; at SIGTERM its
                    // goodbye makes b lose it at once.
                    let second = try peers.swift(
                        "DiscoveryEcho", inNetworkNamespace: network.a, ["serve"] + beaconFlags + ["--bind", "tcp://\(network.addressA):*"])
                    let secondEndpoint = try await second.endpoint(timeout: .seconds(20))
                    try await waitUntil("b discovered \(secondEndpoint)", timeout: .seconds(20)) {
                        Self.lines(finder, "discovered ").contains("discovered \(secondEndpoint)")
                    }
                    try await waitUntil("b got replies from the second service", timeout: .seconds(20)) {
                        Self.lines(finder, "reply: ").count >= repliesAtLoss + 3
                    }
                    second.terminate()
                    let terminated = ContinuousClock.now
                    try await waitUntil("b lost \(secondEndpoint) by goodbye", timeout: .seconds(Self.silence + 10)) {
                        Self.lines(finder, "lost ").contains("lost \(secondEndpoint) (said goodbye)")
                    }
                    let goodbyeAfter = terminated.duration(to: .now)
                    try await second.succeeded()
                    FileHandle.standardError.write(
                        Data(
                            """
                            discovery across namespaces: \(endpoint) (beacon every \(Self.interval) s, silence timeout \(Self.silence) s): \
                            discovered and answered \(repliesAtLoss) requests; killed, reported lost after \(lostAfter); \
                            a second service discovered, answered, and lost by its goodbye \(goodbyeAfter) after SIGTERM

                            """.utf8))
                    finder.terminate()
                    try await finder.succeeded()
                }
            }
        }
    }
}
