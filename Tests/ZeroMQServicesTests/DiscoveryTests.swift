import Testing
import ZeroMQ
@testable import ZeroMQServices

/// A `RequestClient` pointed at a service name (configuration.discovery) in one process:
/// services announced by beacons on loopback (`127.255.255.255`, a free UDP port), each
/// answering with its own letter.
@Suite("RequestClient pointed at a discovered service name (loopback)", .timeLimit(.minutes(2)))
struct DiscoveryTests {
    static func beaconConfiguration(port: UInt16) -> BeaconConfiguration {
        BeaconConfiguration(port: port, broadcastAddress: "127.255.255.255", interval: .milliseconds(100), silenceTimeout: .seconds(2))
    }

    /// A service that answers `LETTER: request` and counts what it handled.
    static func service(_ context: Context, letter: String, handled: Locked<Int>) async throws -> RequestService<String, String> {
        try await RequestService<String, String>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) { request in
            handled.withLock { $0 += 1 }
            return "\(letter): \(request)"
        }
    }

    @Test("Connects to the services as they are announced, round-robin; stops asking one after its goodbye; waits when none is left")
    func followsTheBeacons() async throws {
        try await withDeadline(90) {
            try await withContext { context in
                let handledA = Locked(0)
                let handledB = Locked(0)
                let serviceA = try await Self.service(context, letter: "A", handled: handledA)
                let serviceB = try await Self.service(context, letter: "B", handled: handledB)
                let beaconA = try Beacon(context, configuration: Self.beaconConfiguration(port: 0))
                let udpPort = beaconA.port
                let beaconB = try Beacon(context, configuration: Self.beaconConfiguration(port: udpPort))
                // The default timeout is for requests that must be answered: scaled, unlike the
                // 200 ms of those meant to find no service.
                var configuration = RequestClientConfiguration(timeout: testTimeout(.milliseconds(500)))
                configuration.discovery = RequestClientDiscovery(serviceName: "echo", beacon: Self.beaconConfiguration(port: udpPort))
                let client = try await RequestClient<String, String>(context, connectingTo: [], configuration: configuration)
                #expect(client.endpoints == ["beacon://echo"])

                try await withServices([serviceA, serviceB, client]) {
                    // Nothing announced yet: a request waits for a service, then gives up.
                    let early = await requestError { try await client.request("early", timeout: .milliseconds(200)) }
                    #expect(early?.code == .unreachable)
                    #expect(handledA.withLock { $0 } + handledB.withLock { $0 } == 0)

                    try await beaconA.publish(BeaconAnnouncement(serviceName: "echo", endpoint: serviceA.boundEndpoints[0]))
                    try await beaconB.publish(BeaconAnnouncement(serviceName: "echo", endpoint: serviceB.boundEndpoints[0]))
                    // A beacon for another name on the same port: never asked.
                    let other = try Beacon(context, configuration: Self.beaconConfiguration(port: udpPort))
                    try await other.publish(BeaconAnnouncement(serviceName: "other", port: 9))

                    // Both discovered: replies come from both (DEALER round-robin).
                    var letters: Set<Substring> = []
                    try await waitUntil("replies from A and B", timeout: .seconds(20)) {
                        if let reply = try? await client.request("hello") { letters.insert(reply.prefix(1)) }
                        return letters == ["A", "B"]
                    }

                    // A says goodbye: the client disconnects from it; only B answers from then on.
                    await beaconA.close()
                    var lastFromB = 0
                    try await waitUntil("10 replies in a row from B", timeout: .seconds(20)) {
                        let reply = try? await client.request("after A left")
                        lastFromB = reply?.hasPrefix("B: ") == true ? lastFromB + 1 : 0
                        return lastFromB >= 10
                    }
                    let handledByA = handledA.withLock { $0 }
                    for index in 0..<20 {
                        #expect(try await client.request("only B \(index)") == "B: only B \(index)")
                    }
                    #expect(handledA.withLock { $0 } == handledByA, "A was asked after its goodbye")

                    // B leaves too: requests wait for a service and fail as unreachable.
                    await beaconB.close()
                    try await waitUntil("a request finds no service", timeout: .seconds(20)) {
                        (try? await client.request("anyone?", timeout: .milliseconds(200))) == nil
                    }
                    let none = await requestError { try await client.request("nobody", timeout: .milliseconds(200)) }
                    #expect(none?.code == .unreachable)

                    // A new beacon for A: discovered, connected, answered.
                    let again = try Beacon(context, configuration: Self.beaconConfiguration(port: udpPort))
                    try await again.publish(BeaconAnnouncement(serviceName: "echo", endpoint: serviceA.boundEndpoints[0]))
                    #expect(try await client.request("back", timeout: testTimeout(.seconds(5))) == "A: back")
                    await again.close()
                    await other.close()
                }
            }
        }
    }
}
