import Foundation
import Logging
import Synchronization
import Testing
import ZeroMQ
@testable import ZeroMQServices

/// The zguide's weather update, typed.
struct Weather: Codable, Hashable, Sendable {
    var zipcode: String
    var temperature: Int
    var humidity: Int
}

/// A flag one task sets and another reads.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

@Suite("Typed pub/sub", .timeLimit(.minutes(5)))
struct PubSubTests {
    /// A probe event: PUB drops what it publishes before a subscription arrives, so the
    /// publisher sends probes until the subscriber has seen one.
    static let probe = Weather(zipcode: "10000", temperature: -273, humidity: 0)

    /// Publishes probes until `joined` is set, then `events`.
    func publish(_ events: [Weather], on publisher: EventPublisher<Weather>, once joined: Flag) async throws {
        while !joined.isSet {
            try await publisher.publish(Self.probe)
            try await Task.sleep(for: .milliseconds(10))
        }
        for event in events { try await publisher.publish(event) }
    }

    @Test("A subscription yields decoded events of its topics only, in order")
    func topicsFilter() async throws {
        try await withDeadline {
            try await withContext { context in
                let publisher = try await EventPublisher<Weather>(context, endpoints: [.bind("tcp://127.0.0.1:*")], topic: \.zipcode)
                let subscriber = try await EventSubscriber<Weather>(
                    context, endpoints: [.connect(publisher.boundEndpoints[0])], topics: ["100", "9"]
                )
                let events = (0..<30).map { Weather(zipcode: ["10001", "20002", "90210"][$0 % 3], temperature: $0, humidity: 50) }
                let joined = Flag()
                async let received: [Weather] = {
                    var seen: [Weather] = []
                    for try await event in subscriber.events {
                        if event == Self.probe {
                            joined.set()
                        } else {
                            seen.append(event)
                            if seen.count == 20 { break }
                        }
                    }
                    return seen
                }()
                try await publish(events, on: publisher, once: joined)
                #expect(try await received == events.filter { $0.zipcode != "20002" })
                await subscriber.close()
                await publisher.close()
            }
        }
    }

    @Test("Undecodable messages are skipped, or thrown, as the subscriber chose", arguments: [UndecodableEventPolicy.skip, .fail])
    func undecodableEvents(policy: UndecodableEventPolicy) async throws {
        try await withDeadline {
            try await withContext { context in
                let publisher = try await EventPublisher<Weather>(context, endpoints: [.bind("tcp://127.0.0.1:*")], topic: \.zipcode)
                // A raw PUB beside it sends garbage on the same topics.
                let raw = try PubSocket(context)
                let rawEndpoint = try await raw.bind("tcp://127.0.0.1:*")
                let subscriber = try await EventSubscriber<Weather>(
                    context, endpoints: [.connect(publisher.boundEndpoints[0]), .connect(rawEndpoint)], onUndecodable: policy
                )
                let joined = Flag()
                let rawJoined = Flag()
                let rawProbe = Weather(zipcode: "10000", temperature: -274, humidity: 0)
                let good = Weather(zipcode: "10001", temperature: 20, humidity: 30)
                async let outcome: (events: [Weather], errors: [UndecodableEventError]) = {
                    var events: [Weather] = []
                    var errors: [UndecodableEventError] = []
                    // An error ends one iteration; the subscriber stays usable and a new
                    // iteration goes on after the message that failed.
                    iterations: while events.count < 2 {
                        do {
                            for try await event in subscriber.events {
                                if event == Self.probe {
                                    joined.set()
                                    continue
                                }
                                if event == rawProbe {
                                    rawJoined.set()
                                    continue
                                }
                                events.append(event)
                                if events.count == 2 { break }
                            }
                            break iterations
                        } catch let error as UndecodableEventError {
                            errors.append(error)
                        }
                    }
                    return (events, errors)
                }()
                try await publish([good], on: publisher, once: joined)
                // Once the raw publisher's probes get through, it sends garbage: no body frame,
                // then bytes that are not JSON. Then a good event, behind them on the same socket.
                while !rawJoined.isSet {
                    try await raw.send(Message(frames: ["10000"] + (try JSONCodec<Weather>().encode(rawProbe))))
                    try await Task.sleep(for: .milliseconds(10))
                }
                try await raw.send(Message(frames: ["10001"]))
                try await raw.send(Message(frames: ["10001", "{not json"]))
                try await raw.send(Message(frames: ["10001"] + (try JSONCodec<Weather>().encode(good))))
                let result = try await outcome
                #expect(result.events == [good, good])
                switch policy {
                case .skip:
                    #expect(result.errors.isEmpty)
                case .fail:
                    #expect(result.errors.map(\.frames) == [[Array("10001".utf8)], [Array("10001".utf8), Array("{not json".utf8)]])
                    #expect(result.errors.map(\.topic) == ["10001", "10001"])
                    #expect(result.errors[1].underlying is DecodingError)
                }
                await subscriber.close()
                await publisher.close()
                await raw.close()
            }
        }
    }

    @Test("An event that cannot be encoded is not sent and the error is thrown")
    func unencodableEvent() async throws {
        try await withDeadline {
            try await withContext { context in
                let publisher = try await EventPublisher<Double>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) { _ in "numbers" }
                await #expect(throws: EncodingError.self) { try await publisher.publish(.nan) }
                try await publisher.publish(1.5)
                await publisher.close()
            }
        }
    }
}
