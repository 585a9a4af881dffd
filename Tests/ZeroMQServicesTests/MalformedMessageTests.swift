import Foundation
import Logging
import MetricsTestKit
import Testing
import ZeroMQ
import ZeroMQTestSupport
@testable import ZeroMQServices

@Suite("Typed request/reply: malformed messages", .timeLimit(.minutes(5)))
struct MalformedMessageTests {
    @Test("Malformed requests get bad-request replies and the service keeps serving")
    func malformedRequests() async throws {
        try await withDeadline {
            try await withContext { context in
                let metrics = TestMetrics()
                var configuration = RequestServiceConfiguration()
                configuration.metricsFactory = metrics
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
                ) { $0 }
                try await withServices([service]) {
                    let dealer = try DealerSocket(context)
                    try await dealer.connect(service.boundEndpoints[0])
                    var random = SplitMix64(seed: 6)
                    let id = WireFormat.idFrame(42)
                    let bodies: [[Frame]] = [
                        [Frame(random.bytes(64))],  // random bytes
                        [Frame(random.bytes(1))],
                        [],  // no body frame
                        [Frame(#"{"caller":1,"index":2}"#), Frame("extra")],  // wrong frame count
                        [Frame(#"{"caller":"one"}"#)],  // JSON of the wrong shape
                        [Frame(random.bytes(8 * 1024 * 1024))],  // huge
                    ]
                    for body in bodies {
                        try await dealer.send(Message(frames: [id, Frame([])] + body))
                        let reply = try await dealer.receive(timeout: .seconds(10))
                        guard case .failure(let replyID, let errorBody) = WireFormat.parseReply(reply) else {
                            Issue.record("expected an error reply, got \(reply.frameCount) frames")
                            continue
                        }
                        #expect(replyID == 42)
                        let error = try RemoteErrorJSON.decode(errorBody[0].bytes)
                        #expect(error.code == RemoteError.badRequestCode)
                    }
                    // Random frames without a delimiter cannot be answered: dropped.
                    try await dealer.send(Message(frames: [Frame(random.bytes(20)), Frame(random.bytes(3))]))
                    // Still serving.
                    try await dealer.send(
                        Message(frames: [id, Frame([]), Frame(try JSONEncoder().encode(Echo(caller: 3, index: 4)))])
                    )
                    let reply = try await dealer.receive(timeout: .seconds(10))
                    guard case .success(42, let body, _) = WireFormat.parseReply(reply) else {
                        Issue.record("expected a success reply")
                        return
                    }
                    #expect(try JSONDecoder().decode(Echo.self, from: body[0].data) == Echo(caller: 3, index: 4))
                    #expect(total(metrics, "zmq_service_requests_total", result: "bad_request") == Int64(bodies.count))
                    #expect(total(metrics, "zmq_service_dropped_messages_total") == 1)
                    await dealer.close()
                }
            }
        }
    }

    @Test("3 000 malformed requests and 3 000 messages without an envelope: every one counted, a few log lines")
    func floodOfMalformedRequests() async throws {
        // 60 s: 6 000 messages from an ordinary task, each reply a hop through the cooperative
        // pool; under ThreadSanitizer with the whole suite on 2 cores this once passed 30 s.
        try await withDeadline(60) {
            try await withContext { context in
                let metrics = TestMetrics()
                var configuration = RequestServiceConfiguration()
                configuration.metricsFactory = metrics
                let (logger, records) = CapturingLogHandler.logger()
                let started = ContinuousClock.now
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration, logger: logger
                ) { $0 }
                try await withServices([service]) {
                    let dealer = try DealerSocket(context)
                    try await dealer.connect(service.boundEndpoints[0])
                    let flood = 3_000
                    for index in 0..<flood {
                        // Undecodable (answered with bad-request), then no envelope (dropped).
                        try await dealer.send(Message(frames: [WireFormat.idFrame(UInt64(index)), Frame([]), Frame("{")]))
                        try await dealer.send(Message(frames: [Frame("junk \(index)")]))
                    }
                    for _ in 0..<flood {
                        _ = try await dealer.receive(timeout: .seconds(10))
                    }
                    // Still serving: the request after the flood is answered.
                    try await dealer.send(
                        Message(frames: [WireFormat.idFrame(99_999), Frame([]), Frame(try JSONEncoder().encode(Echo(caller: 1, index: 2)))])
                    )
                    guard case .success(99_999, _, _) = WireFormat.parseReply(try await dealer.receive(timeout: .seconds(10))) else {
                        Issue.record("expected the success reply")
                        return
                    }
                    let elapsed = ContinuousClock.now - started
                    #expect(total(metrics, "zmq_service_requests_total", result: "bad_request") == Int64(flood))
                    #expect(total(metrics, "zmq_service_dropped_messages_total") == Int64(flood))
                    // One line per kind per 10 s, at info: a library does not warn about what a peer does.
                    let lines = records.all.filter { $0.message == "undecodable request" || $0.message == "dropped a message without an envelope" }
                    let perKind = 1 + Int(elapsed / .seconds(10))
                    #expect((2...(2 * perKind)).contains(lines.count), "\(lines.count) lines in \(elapsed)")
                    #expect(lines.allSatisfy { $0.level == .info })
                    #expect(records.all.allSatisfy { $0.level <= .info }, "\(records.all.filter { $0.level > .info })")
                    await dealer.close()
                }
            }
        }
    }

    @Test("A request above maximumRequestSize disconnects its sender; others are served")
    func oversizedRequests() async throws {
        try await withDeadline {
            try await withContext { context in
                var configuration = RequestServiceConfiguration()
                configuration.maximumRequestSize = 64 * 1024
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
                ) { $0 }
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: service.boundEndpoints, configuration: RequestClientConfiguration(timeout: .seconds(1))
                )
                try await withServices([service, client]) {
                    let huge = Echo(caller: 0, index: 0, text: String(repeating: "x", count: 1024 * 1024))
                    let error = await requestError { try await client.request(huge) }
                    #expect(error?.code == .timedOut || error?.code == .unreachable)
                    // libzmq reconnects the client; the service answers normal requests.
                    var answered: Echo?
                    for _ in 0..<20 where answered == nil {
                        answered = try? await client.request(Echo(caller: 0, index: 1), idempotent: true)
                    }
                    #expect(answered == Echo(caller: 0, index: 1))
                }
            }
        }
    }

    @Test("Malformed replies fail only their own call, with the bytes kept")
    func malformedReplies() async throws {
        try await withDeadline {
            try await withContext { context in
                // A fake service on a raw ROUTER that answers each request in a chosen wrong way.
                let router = try RouterSocket(context)
                let endpoint = try await router.bind("tcp://127.0.0.1:*")
                let metrics = TestMetrics()
                var configuration = RequestClientConfiguration(timeout: .seconds(10))
                configuration.metricsFactory = metrics
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: [endpoint], configuration: configuration)
                let fake = Task {
                    var random = SplitMix64(seed: 9)
                    while let request = try? await router.receive() {
                        // [peer] [id] [metadata] [] [body]: the metadata frame is dropped, so
                        // each reply below is exactly the envelope it shows.
                        var frames = request.frames
                        guard frames.count == 5 else { continue }
                        frames.remove(at: 2)
                        guard let echo = try? JSONDecoder().decode(Echo.self, from: frames[3].data) else { continue }
                        let peer = frames[0]
                        let id = frames[1]
                        let empty = Frame([])
                        let reply: [Frame]
                        switch echo.index {
                        case 0: reply = [peer, id, empty, Frame(random.bytes(100))]  // random bytes
                        case 1: reply = [peer, id, empty, frames[3], frames[3]]  // two body frames
                        case 2: reply = [peer, id, empty]  // no body frame
                        case 3: reply = [peer, id, empty, Frame(random.bytes(4 * 1024 * 1024))]  // huge
                        case 4: reply = [peer, id, Frame("error"), empty, Frame("not json")]  // bad error body
                        case 5: reply = [peer, id, Frame("surprise"), empty, frames[3]]  // unknown envelope
                        case 6: reply = [peer, Frame(random.bytes(8)), empty, frames[3]]  // someone else's id
                        case 7: reply = [peer, Frame(random.bytes(30))]  // no delimiter
                        default: reply = [peer, id, empty, frames[3]]  // correct
                        }
                        try? await router.send(Message(frames: reply))
                    }
                }
                try await withServices([client]) {
                    for index in 0...5 {
                        let error = await requestError { try await client.request(Echo(caller: 0, index: index)) }
                        #expect(error?.code == .undecodableReply, "reply \(index)")
                        // The body frames the decoder saw (the whole reply for a bad envelope).
                        #expect(error?.replyFrames?.count == [1, 2, 0, 1, 4, 4][index], "reply \(index)")
                    }
                    #expect(
                        (await requestError { try await client.request(Echo(caller: 0, index: 3)) })?.replyFrames?.first?.count
                            == 4 * 1024 * 1024
                    )
                    for index in 6...7 {
                        // No reply will match: a short timeout.
                        let error = await requestError { try await client.request(Echo(caller: 0, index: index), timeout: .milliseconds(500)) }
                        #expect(error?.code == .timedOut, "reply \(index)")
                    }
                    #expect(total(metrics, "zmq_client_late_replies_total") == 2)
                    // Later requests are fine.
                    let later = try await client.request(Echo(caller: 0, index: 8))
                    #expect(later == Echo(caller: 0, index: 8))
                }
                await router.close()
                _ = await fake.value
            }
        }
    }
}
