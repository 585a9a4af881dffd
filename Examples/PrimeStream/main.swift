// PrimeStream: a server stream (ZeroMQServices). The service answers one request with the
// primes below a bound, one response each, as fast as the caller reads them: the caller's
// credit (how many responses may be on their way) holds the service back.
//
//   swift run PrimeStream                          # service and client in one process
//   swift run PrimeStream --serve                  # the service alone, until Ctrl-C or SIGTERM
//   python3 Tests/PythonPeers/stream_client.py     # the wire protocol from pyzmq, against --serve
//
// The client reads the primes below 60 with a credit of 4, then the first three primes below
// a billion and leaves: leaving the stream cancels it at the service, which stops at once
// instead of computing the other fifty million.
import ArgumentParser
import ExampleSupport
import Logging
import ServiceLifecycle
import ZeroMQ
import ZeroMQServices

/// A request: the primes below `bound`.
struct PrimesBelow: Codable, Sendable {
    var bound: Int
}

/// The primes below a bound, computed one at a time as they are asked for.
struct Primes: AsyncSequence, Sendable {
    var bound: Int

    func makeAsyncIterator() -> Iterator { Iterator(bound: bound) }

    struct Iterator: AsyncIteratorProtocol {
        let bound: Int
        var candidate = 1

        mutating func next() async throws -> Int? {
            while candidate < bound - 1 {
                candidate += 1
                // A cancelled stream (its caller left, or its deadline passed) stops here.
                try Task.checkCancellation()
                if isPrime(candidate) { return candidate }
            }
            return nil
        }

        private func isPrime(_ number: Int) -> Bool {
            var divisor = 2
            while divisor * divisor <= number {
                if number % divisor == 0 { return false }
                divisor += 1
            }
            return true
        }
    }
}

@main
struct PrimeStream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A server stream: RequestService with a streaming handler, RequestClient.stream reading it.",
        discussion: """
            Without --serve, runs the service and a client in one process: prints the primes below 60, \
            then the first three below a billion, and exits.
            """
    )

    @Option(help: "The endpoint the service binds and the client connects to.")
    var endpoint = "tcp://127.0.0.1:5562"

    @Flag(help: "Run the service alone until SIGINT or SIGTERM.")
    var serve = false

    func run() async throws {
        useLineBufferedStandardOutput()
        var logger = Logger(label: "PrimeStream")
        logger.logLevel = .info
        try await Context.withContext { context in
            let service = try await RequestService(context, endpoints: [.bind(endpoint)], logger: logger) {
                (request: PrimesBelow, _: RequestContext) in
                Primes(bound: request.bound)
            }
            guard !serve else {
                announceListening(on: service.boundEndpoints[0])
                try await ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
                return
            }
            let client = try await RequestClient<PrimesBelow, Int>(context, connectingTo: service.boundEndpoints, logger: logger)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await service.run() }
                group.addTask { try await client.run() }
                // Every prime below 60; the service is never more than 4 ahead of this loop.
                let primes = try await client.stream(PrimesBelow(bound: 60), credit: 4) { primes in
                    try await primes.reduce(into: [Int]()) { $0.append($1) }
                }
                print("primes below 60: \(primes.map(String.init).joined(separator: " "))")
                // The first three below a billion, then leave: the service stops computing.
                let first = try await client.stream(PrimesBelow(bound: 1_000_000_000)) { primes in
                    var first: [Int] = []
                    for try await prime in primes {
                        first.append(prime)
                        if first.count == 3 { break }
                    }
                    return first
                }
                print("the first three below a billion: \(first.map(String.init).joined(separator: " "))")
                client.beginGracefulShutdown()
                service.beginGracefulShutdown()
            }
        }
    }
}
