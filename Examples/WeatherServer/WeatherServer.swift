// WeatherServer: the zguide's weather update server (wuserver), typed.
//
// Publishes `Weather` events (JSON) under their zipcode as topic, for random zipcodes, as fast
// as it can (or every --interval seconds). Subscribers pick zipcodes by topic prefix:
//
//   swift run WeatherServer                        # binds tcp://127.0.0.1:5556
//   swift run WeatherClient 10001                  # another terminal
//
// The zguide draws zipcodes from 0-99999; here they come from a smaller range (--zipcodes,
// default 100: 10000-10099) so that a client gets its updates in a moment.
import ArgumentParser
import ExampleSupport
import ZeroMQ
import ZeroMQServices

/// One weather update: the typed form of the zguide's "%05d %d %d" string.
struct Weather: Codable, Sendable {
    var zipcode: String
    var temperature: Int
    var relativeHumidity: Int
}

@main
struct WeatherServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publishes typed weather updates, the zipcode as topic (the zguide's wuserver).",
        discussion: "Prints `listening on <endpoint>` to standard error; runs until SIGINT or SIGTERM or --count updates."
    )

    @Option(help: "The endpoint to bind.")
    var endpoint = "tcp://127.0.0.1:5556"

    @Option(help: "How many zipcodes, from 10000 up.")
    var zipcodes = 100

    @Option(help: "Stop after this many updates (0: never).")
    var count = 0

    @Option(help: "Seconds between updates (0: as fast as possible).")
    var interval = 0.0

    func validate() throws {
        guard (1...90_000).contains(zipcodes) else { throw ValidationError("--zipcodes must be 1 to 90000.") }
        guard count >= 0, interval >= 0 else { throw ValidationError("--count and --interval must be 0 or more.") }
    }

    func run() async throws {
        useLineBufferedStandardOutput()
        try await Context.withContext { context in
            let publisher = try await EventPublisher<Weather>(context, endpoints: [.bind(endpoint)], topic: \.zipcode)
            announceListening(on: publisher.boundEndpoints[0])
            // Publish until --count is reached or a signal comes, whichever is first.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await publishUpdates(on: publisher) }
                group.addTask { _ = await waitForTerminationSignal() }
                try await group.next()
                group.cancelAll()
            }
            await publisher.close()
        }
    }

    func publishUpdates(on publisher: EventPublisher<Weather>) async throws {
        var sent = 0
        while count == 0 || sent < count, !Task.isCancelled {
            let weather = Weather(
                zipcode: String(10_000 + Int.random(in: 0..<zipcodes)),
                temperature: Int.random(in: -80...134),
                relativeHumidity: Int.random(in: 10...59)
            )
            try await publisher.publish(weather)
            sent += 1
            if interval > 0 {
                try await Task.sleep(for: .seconds(interval))
            } else if sent % 1_000 == 0 {
                await Task.yield()
            }
        }
    }
}
