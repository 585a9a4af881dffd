// The typed section's server streams: responses per second through one stream
// (`RequestClient.stream` ↔ `RequestService(streaming:)`), tcp loopback, 64 B, beside a raw
// PUSH → PULL pair moving the same number of 64 B messages in the same run:
//
//   raw PUSH thread → raw PULL thread        the transport's ceiling for one-way messages
//   stream, JSON, credit 32                  the default credit: a grant every 16 responses
//   stream, JSON, credit 1 024               a window large enough that credit never waits
//   stream, PassthroughCodec, credit 1 024   no codec: what the streaming machinery costs
//
// The client reads each response as it comes (decoding it); the service's sequence makes them
// as fast as credit allows. Each run is one stream; the median of the interleaved runs is
// reported.
import CZeroMQ
import Foundation
import ZeroMQ
import ZeroMQServices

enum TypedStreamVariant: String, CaseIterable, Sendable {
    case raw = "raw-push-pull"
    case json = "client-json-stream"
    case jsonWide = "client-json-stream-wide"
    case frames = "client-frames-stream-wide"

    var label: String {
        switch self {
        case .raw: "raw PUSH (own thread) → raw PULL (own thread)"
        case .json: "RequestClient.stream ↔ RequestService, JSON, credit 32"
        case .jsonWide: "RequestClient.stream ↔ RequestService, JSON, credit 1 024"
        case .frames: "RequestClient.stream ↔ RequestService, PassthroughCodec, credit 1 024"
        }
    }

    /// The stream's credit (none for raw).
    var credit: Int? {
        switch self {
        case .raw: nil
        case .json: 32
        case .jsonWide, .frames: 1_024
        }
    }
}

struct TypedStreamRow: Codable, Sendable {
    var transport: String
    var size: Int
    var variant: String
    var label: String
    var credit: Int?
    var responses: Int
    /// Responses (raw: messages) per second: the median of `runs`.
    var rate: Double
    var runs: [Double]
    /// `rate` / the raw pair's rate.
    var ratio: Double?
}

enum TypedStreaming {
    static let size = 64

    static func run(_ settings: Settings) async throws -> [TypedStreamRow] {
        let variants = TypedStreamVariant.allCases
        let count = settings.count(200_000)
        var runs: [TypedStreamVariant: [Double]] = [:]
        for run in 1...settings.repeats {
            for variant in variants {
                let step = "typed stream \(variant.rawValue), \(count) responses (run \(run)/\(settings.repeats))"
                Watchdog.shared.arm(step)
                let rate = try await measure(variant, count: count)
                progress("\(step): \(Format.integer(rate)) responses/s")
                runs[variant, default: []].append(rate)
            }
        }
        Watchdog.shared.disarm()
        let raw = runs[.raw].map(Statistics.median)
        return variants.map { variant in
            let rate = Statistics.median(runs[variant, default: []])
            return TypedStreamRow(
                transport: "tcp", size: size, variant: variant.rawValue, label: variant.label, credit: variant.credit,
                responses: count, rate: rounded(rate, 1), runs: runs[variant, default: []].map { rounded($0, 1) },
                ratio: roundedIfPresent(Statistics.ratio(rate, to: raw), 3)
            )
        }
    }

    static func measure(_ variant: TypedStreamVariant, count: Int) async throws -> Double {
        switch variant {
        case .raw:
            let receiverContext = try Raw.context()
            let pull = try Raw.socket(receiverContext.raw, ZMQ_PULL)
            let endpoint = try Raw.bind(pull, "tcp://127.0.0.1:*")
            let receiver = RawReceiver.start("raw PULL", socket: pull, ownedContext: receiverContext, count: count)
            let sender = try RawSender.connecting("raw PUSH", to: endpoint, count: count, payload: .copy(size: size))
            let tally = try await receiver.value()
            try await sender.finish()
            try tally.verify(messages: count, bytes: count * size, "typed stream raw")
            return tally.rate
        case .json, .jsonWide:
            let serverContext = try Context()
            let probe = TypedProbe.make(1)
            let service = try await RequestService<TypedProbe, TypedProbe>(
                serverContext, endpoints: [.bind("tcp://127.0.0.1:*")]
            ) { request, _ in
                Repeated(element: probe, count: request.round)
            }
            let clientContext = try Context()
            let client = try await RequestClient<TypedProbe, TypedProbe>(clientContext, connectingTo: service.boundEndpoints)
            let rate = try await responsesPerSecond(service, client, count: count) { count in
                try await client.stream(TypedProbe.make(count), timeout: .seconds(600), credit: variant.credit ?? 32) { responses in
                    var received = 0
                    for try await response in responses where response.round == 1 { received += 1 }
                    return received
                }
            }
            await clientContext.shutdown()
            await serverContext.shutdown()
            return try rate.checked(count, variant)
        case .frames:
            let serverContext = try Context()
            let payload = [Frame([UInt8](repeating: 0x2A, count: size))]
            let service = try await RequestService<[Frame], [Frame]>(
                serverContext, endpoints: [.bind("tcp://127.0.0.1:*")], requestDecoder: PassthroughCodec(),
                responseEncoder: PassthroughCodec()
            ) { request, _ in
                // The request is the count, in decimal.
                Repeated(element: payload, count: request.first.flatMap { Int(String(decoding: $0.bytes, as: UTF8.self)) } ?? 0)
            }
            let clientContext = try Context()
            let client = try await RequestClient(
                clientContext, connectingTo: service.boundEndpoints, requestEncoder: PassthroughCodec(),
                responseDecoder: PassthroughCodec()
            )
            let rate = try await responsesPerSecond(service, client, count: count) { count in
                try await client.stream([Frame(Array(String(count).utf8))], timeout: .seconds(600), credit: variant.credit ?? 32) { responses in
                    var received = 0
                    for try await response in responses where response.first?.count == size { received += 1 }
                    return received
                }
            }
            await clientContext.shutdown()
            await serverContext.shutdown()
            return try rate.checked(count, variant)
        }
    }

    /// The responses one stream delivered and their rate.
    struct Outcome {
        var received: Int
        var rate: Double

        func checked(_ expected: Int, _ variant: TypedStreamVariant) throws -> Double {
            guard received == expected else {
                throw BenchError("typed stream \(variant.rawValue): \(received) responses, expected \(expected)")
            }
            return rate
        }
    }

    /// Runs `service` and `client` around one stream of `count` responses read by `read` in an
    /// ordinary task, timed from the request to the last response (an untimed stream of 1 000
    /// warms both up first).
    static func responsesPerSecond(
        _ service: some GracefulService, _ client: some GracefulService, count: Int,
        _ read: @escaping @Sendable (Int) async throws -> Int
    ) async throws -> Outcome {
        try await TypedLatency.running(service) {
            try await TypedLatency.running(client) {
                try await Task.detached {
                    let warm = try await read(1_000)
                    guard warm == 1_000 else { throw BenchError("typed stream warm-up: \(warm) responses, expected 1 000") }
                    let started = ContinuousClock.now
                    let received = try await read(count)
                    let elapsed = ContinuousClock.now - started
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    return Outcome(received: received, rate: Double(received) / seconds)
                }.value
            }
        }
    }

    static func table(_ rows: [TypedStreamRow]) -> TextTable {
        var table = TextTable([
            ("transport", .left), ("size", .right), ("one stream", .left), ("responses", .right), ("responses/s", .right),
            ("× raw", .right),
        ])
        for row in rows {
            table.add([
                row.transport, Format.size(row.size), row.label, Format.integer(Double(row.responses)), Format.integer(row.rate),
                Format.ratio(row.ratio),
            ])
        }
        return table
    }

    static func notes(_ settings: Settings) -> [String] {
        [
            "one stream per run, read in an ordinary task as it comes; 64 B responses (JSON: a 64-byte document)",
            "raw: one-way messages from a PUSH thread to a PULL thread, each with a context of its own",
            "median of \(settings.repeats) interleaved runs; × raw = responses/s / the raw pair's messages/s",
        ]
    }
}

/// `count` copies of `element`, as an `AsyncSequence`: a streaming handler's responses.
struct Repeated<Element: Sendable>: AsyncSequence, Sendable {
    var element: Element
    var count: Int

    func makeAsyncIterator() -> Iterator { Iterator(element: element, left: count) }

    struct Iterator: AsyncIteratorProtocol {
        let element: Element
        var left: Int

        mutating func next() async -> Element? {
            guard left > 0 else { return nil }
            left -= 1
            return element
        }
    }
}
