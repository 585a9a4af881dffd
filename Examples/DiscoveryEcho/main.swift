// DiscoveryEcho: a typed echo service found on the LAN by its beacon, and a client that finds it
// by name (Docs/Discovery.md).
//
//   swift run DiscoveryEcho serve --name echo       # binds tcp://0.0.0.0:*, announces it every second
//   swift run DiscoveryEcho find --name echo        # prints discoveries and losses, asks every second
//
// `serve` runs a RequestService<String, String> that answers `NAME: REQUEST`, and a Beacon that
// announces its port under NAME; SIGTERM or Ctrl-C sends a goodbye and stops. `find` prints
// `discovered tcp://ADDRESS:PORT` and `lost tcp://ADDRESS:PORT (REASON)` lines as its own beacon
// hears them, and asks a RequestClient pointed at NAME (configuration.discovery) every --every
// seconds, printing `reply: ...` or `failed: ...`.
//
// On one host, broadcast on loopback: `--broadcast 127.255.255.255` on both sides.
import ArgumentParser
import ExampleSupport
import ZeroMQ
import ZeroMQServices

struct BeaconOptions: ParsableArguments {
    @Option(help: "The service name announced or looked for.")
    var name = "echo"

    @Option(help: "Where beacons are sent (a subnet's broadcast address, 255.255.255.255, or 127.255.255.255).")
    var broadcast = "255.255.255.255"

    @Option(help: "The UDP port of the beacons.")
    var port: UInt16 = BeaconConfiguration.defaultPort

    @Option(help: "Seconds between two announcements.")
    var interval = 1.0

    @Option(help: "Seconds of silence after which a service is lost.")
    var silence = 5.0

    var configuration: BeaconConfiguration {
        BeaconConfiguration(port: port, broadcastAddress: broadcast, interval: .seconds(interval), silenceTimeout: .seconds(silence))
    }
}

@main
struct DiscoveryEcho: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "An echo service announced by a UDP beacon, and a client that finds it by name.",
        subcommands: [Serve.self, Find.self]
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve echo requests and announce the service; prints `listening on <endpoint>` to standard error."
    )

    @OptionGroup var beacon: BeaconOptions

    @Option(help: "The endpoint the service binds.")
    var bind = "tcp://0.0.0.0:*"

    func run() async throws {
        useLineBufferedStandardOutput()
        try await Context.withContext { context in
            let name = beacon.name
            let service = try await RequestService<String, String>(context, endpoints: [.bind(bind)]) { request in
                "\(name): \(request)"
            }
            let endpoint = service.boundEndpoints[0]
            announceListening(on: endpoint)
            let announcer = try Beacon(context, configuration: beacon.configuration)
            try await announcer.publish(BeaconAnnouncement(serviceName: name, endpoint: endpoint))
            printToStandardError("announcing \(name) to udp://\(beacon.broadcast):\(announcer.port)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                _ = await waitForTerminationSignal()
                await announcer.close()  // sends the goodbye
                service.beginGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }
}

struct Find: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the discoveries and losses of a service, and ask it through a RequestClient pointed at its name."
    )

    @OptionGroup var beacon: BeaconOptions

    @Option(help: "Seconds between two requests.")
    var every = 1.0

    @Option(help: "Seconds a request may take.")
    var timeout = 1.0

    func run() async throws {
        useLineBufferedStandardOutput()
        try await Context.withContext { context in
            let listener = try Beacon(context, configuration: beacon.configuration)
            let events = await listener.events(forService: beacon.name)
            var configuration = RequestClientConfiguration(timeout: .seconds(timeout))
            configuration.discovery = RequestClientDiscovery(serviceName: beacon.name, beacon: beacon.configuration)
            let client = try await RequestClient<String, String>(context, connectingTo: [], configuration: configuration)
            let every = self.every
            await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in events {
                        switch event {
                        case .discovered(let peer): print("discovered \(peer.endpoint)")
                        case .lost(let peer, let reason): print("lost \(peer.endpoint) (\(reason))")
                        }
                    }
                }
                group.addTask { try await client.run() }
                group.addTask {
                    var number = 0
                    while !Task.isCancelled {
                        number += 1
                        do {
                            print("reply: \(try await client.request("ping \(number)"))")
                        } catch {
                            print("failed: \(error)")
                        }
                        try await Task.sleep(for: .seconds(every))
                    }
                }
                _ = await waitForTerminationSignal()
                client.beginGracefulShutdown()
                await listener.close()
                group.cancelAll()
                try? await group.waitForAll()
            }
        }
    }
}
