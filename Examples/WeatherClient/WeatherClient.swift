// WeatherClient: the zguide's weather update client (wuclient), typed.
//
// Subscribes to one zipcode (a topic prefix), decodes --count `Weather` events and prints
// their average temperature.
//
//   swift run WeatherServer                        # binds tcp://127.0.0.1:5556
//   swift run WeatherClient 10001                  # another terminal
//
// Messages that do not decode as `Weather` are skipped and logged (--strict: the client stops
// with an error instead). --verbose prints each update as it arrives.
import ArgumentParser
import ExampleSupport
import Logging
import ZeroMQ
import ZeroMQServices

/// One weather update, as WeatherServer publishes it.
struct Weather: Codable, Sendable {
    var zipcode: String
    var temperature: Int
    var relativeHumidity: Int
}

@main
struct WeatherClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Averages the temperature of one zipcode's typed weather updates (the zguide's wuclient)."
    )

    @Argument(help: "The zipcode to subscribe to.")
    var zipcode = "10001"

    @Option(help: "The endpoint to connect to.")
    var endpoint = "tcp://127.0.0.1:5556"

    @Option(help: "How many updates to average.")
    var count = 100

    @Flag(help: "Stop with an error on a message that does not decode, instead of skipping it.")
    var strict = false

    @Flag(help: "Print each update as it arrives: `update: <zipcode> <temperature>F <humidity>%`.")
    var verbose = false

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be 1 or more.") }
    }

    func run() async throws {
        useLineBufferedStandardOutput()
        try await Context.withContext { context in
            print("Collecting updates from weather server...")
            // Skipped messages are logged here (at info, at most one line per 10 s with the
            // number left out); the context's logger is silent.
            var logger = Logger(label: "WeatherClient")
            logger.logLevel = .info
            let subscriber = try await EventSubscriber<Weather>(
                context, endpoints: [.connect(endpoint)], topics: [zipcode], onUndecodable: strict ? .fail : .skip,
                logger: logger
            )
            var total = 0
            var received = 0
            for try await update in subscriber.events {
                if verbose { print("update: \(update.zipcode) \(update.temperature)F \(update.relativeHumidity)%") }
                total += update.temperature
                received += 1
                if received == count { break }
            }
            await subscriber.close()
            print("Average temperature for zipcode '\(zipcode)' was \(total / max(1, received))F")
        }
    }
}
