// TypedCalculator: typed request/reply over Codable, with swift-service-lifecycle.
//
// A calculator service (RequestService on ROUTER) and a client (RequestClient on DEALER) that
// talk in Swift types: `Calculation` in, `Answer` out, JSON on the wire
// (Docs/WireProtocol.md). Dividing by zero comes back as a typed RemoteError.
//
//   swift run TypedCalculator                          # service and client in one ServiceGroup
//   swift run TypedCalculator --serve                  # the service alone, until Ctrl-C or SIGTERM
//   swift run TypedCalculator --connect 6 x 7          # a client for a running service
//   swift run TypedCalculator --connect --count 5 --timeout 30 6 x 7   # ask 5 times, 30 s each
//
// With --serve, SIGTERM (or Ctrl-C) starts a graceful shutdown: the service stops reading,
// finishes the calculations in flight, sends their answers, and exits. To watch it, make each
// calculation take a while (--delay) and stop the service while a client waits:
//
//   swift run TypedCalculator --serve --delay 2   # prints "calculating ..." to stderr per request
//   swift run TypedCalculator --connect 6 x 7     # then Ctrl-C the service: the answer still comes
import ArgumentParser
import ExampleSupport
import Logging
import ServiceLifecycle
import ZeroMQ
import ZeroMQServices

/// What the client asks.
struct Calculation: Codable, Sendable, CustomStringConvertible {
    enum Operation: String, Codable, Sendable, CaseIterable {
        case add = "+", subtract = "-", multiply = "x", divide = "/"
    }

    var operation: Operation
    var lhs: Double
    var rhs: Double

    var description: String { "\(format(lhs)) \(operation.rawValue) \(format(rhs))" }
}

/// What the service answers.
struct Answer: Codable, Sendable {
    var value: Double
}

func format(_ value: Double) -> String {
    value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}

/// The service's handler.
@Sendable func calculate(_ calculation: Calculation) throws -> Answer {
    switch calculation.operation {
    case .add: return Answer(value: calculation.lhs + calculation.rhs)
    case .subtract: return Answer(value: calculation.lhs - calculation.rhs)
    case .multiply: return Answer(value: calculation.lhs * calculation.rhs)
    case .divide:
        guard calculation.rhs != 0 else {
            throw RemoteError(code: "division-by-zero", message: "cannot divide \(format(calculation.lhs)) by zero")
        }
        return Answer(value: calculation.lhs / calculation.rhs)
    }
}

/// Asks the client for each calculation and prints the answers; a service of the group that
/// ends, which shuts the group down.
struct CalculatorSession: Service {
    let client: RequestClient<Calculation, Answer>
    let calculations: [Calculation]
    var timeout: Duration = .seconds(5)

    func run() async throws {
        for calculation in calculations {
            do {
                let answer = try await client.request(calculation, timeout: timeout, idempotent: true)
                print("\(calculation) = \(format(answer.value))")
            } catch {
                // `client.request` throws only RequestError: `error` has that type here.
                guard let remote = error.remoteError else { throw error }
                print("\(calculation) failed: \(remote)")
            }
        }
    }
}

@main
struct TypedCalculator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A typed calculator: RequestService and RequestClient in a ServiceGroup.",
        discussion: """
            Without --serve or --connect, runs the service and a client in one process, prints a few \
            calculations (one divides by zero) and exits. A calculation is `<number> <+|-|x|/> <number>`.
            """
    )

    @Option(help: "The endpoint the service binds and the client connects to.")
    var endpoint = "tcp://127.0.0.1:5560"

    @Flag(help: "Run the service alone until SIGINT or SIGTERM.")
    var serve = false

    @Option(help: "With --serve: seconds each calculation takes, to watch a graceful shutdown finish it.")
    var delay = 0.0

    @Flag(help: "Run a client alone, for the calculation given as arguments.")
    var connect = false

    @Option(help: "With --connect: how many times to ask, one call after the other on one connection.")
    var count = 1

    @Option(help: "With --connect: seconds each call may take before it fails as timed out.")
    var timeout = 5.0

    @Argument(help: "A calculation for --connect, such as 6 x 7.")
    var calculation: [String] = []

    func validate() throws {
        guard !(serve && connect) else { throw ValidationError("Choose --serve or --connect, not both.") }
        guard delay >= 0 else { throw ValidationError("--delay must be 0 or more seconds.") }
        guard count >= 1 else { throw ValidationError("--count must be 1 or more.") }
        guard timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds.") }
        if connect { _ = try parsedCalculation() }
    }

    func parsedCalculation() throws -> Calculation {
        guard calculation.count == 3, let lhs = Double(calculation[0]), let rhs = Double(calculation[2]),
            let operation = Calculation.Operation(rawValue: calculation[1])
        else {
            throw ValidationError("A calculation is <number> <+|-|x|/> <number>, such as 6 x 7.")
        }
        return Calculation(operation: operation, lhs: lhs, rhs: rhs)
    }

    func run() async throws {
        useLineBufferedStandardOutput()
        // What clients get wrong (undecodable or malformed requests) is logged at info, at most
        // one line per 10 s for each kind, with the number left out.
        var logger = Logger(label: "TypedCalculator")
        logger.logLevel = .info
        try await Context.withContext { context in
            if serve {
                let delay = self.delay
                // Headers go both ways: the answer says who calculated it, and for whom (the
                // caller's `client` header), to callers that send metadata (Docs/WireProtocol.md).
                let service = try await RequestService(context, endpoints: [.bind(endpoint)], logger: logger) {
                    (calculation: Calculation, call: RequestContext) async throws -> Reply<Answer> in
                    var headers = ["served-by": "TypedCalculator"]
                    if let client = call.headers["client"] { headers["answered-for"] = client }
                    guard delay > 0 else { return Reply(try calculate(calculation), headers: headers) }
                    printToStandardError("calculating \(calculation)")
                    try await Task.sleep(for: .seconds(delay))
                    return Reply(try calculate(calculation), headers: headers)
                }
                announceListening(on: service.boundEndpoints[0])
                let group = ServiceGroup(
                    services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
                )
                try await group.run()
            } else if connect {
                let client = try await RequestClient<Calculation, Answer>(context, connectingTo: [endpoint], logger: logger)
                let session = CalculatorSession(
                    client: client, calculations: Array(repeating: try parsedCalculation(), count: count),
                    timeout: .seconds(timeout))
                try await runGroup([client, session], logger: logger)
            } else {
                let service = try await RequestService(context, endpoints: [.bind(endpoint)], logger: logger, handler: calculate)
                let client = try await RequestClient<Calculation, Answer>(context, connectingTo: service.boundEndpoints, logger: logger)
                let session = CalculatorSession(
                    client: client,
                    calculations: [
                        Calculation(operation: .add, lhs: 2, rhs: 3),
                        Calculation(operation: .subtract, lhs: 10, rhs: 4),
                        Calculation(operation: .multiply, lhs: 6, rhs: 7),
                        Calculation(operation: .divide, lhs: 1, rhs: 8),
                        Calculation(operation: .divide, lhs: 1, rhs: 0),
                    ]
                )
                try await runGroup([service, client, session], logger: logger)
            }
        }
    }

    /// Runs `services` in a group that shuts down gracefully (in reverse order: the session,
    /// then the client, then the service) once the last one, the session, is done.
    func runGroup(_ services: [any Service], logger: Logger) async throws {
        var configurations = services.dropLast().map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        if let session = services.last {
            configurations.append(.init(service: session, successTerminationBehavior: .gracefullyShutdownGroup))
        }
        var configuration = ServiceGroupConfiguration(services: configurations, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        try await ServiceGroup(configuration: configuration).run()
    }
}
