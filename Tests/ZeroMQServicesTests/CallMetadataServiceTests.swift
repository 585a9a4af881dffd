import Foundation
import MetricsTestKit
import Synchronization
import Testing
import ZeroMQ
@testable import ZeroMQServices

/// Headers and deadlines between a client and a service over real sockets.
@Suite("Call metadata: headers and deadline propagation", .timeLimit(.minutes(2)))
struct CallMetadataServiceTests {
    @Test("a call's headers, its deadline and the connection's routing id reach the handler")
    func headersReachTheHandler() async throws {
        try await withDeadline {
            try await withContext { context in
                let seen = Locked<RequestContext?>(nil)
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) {
                    request, call in
                    seen.withLock { $0 = call }
                    return Echo(caller: request.caller, index: request.index, text: call.headers["tenant"] ?? "none")
                }
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: service.boundEndpoints)
                try await withServices([service, client]) {
                    let sent = ContinuousClock.now
                    let reply = try await client.request(
                        Echo(caller: 1, index: 2), headers: ["tenant": "acme", "trace.id": "7"], timeout: .seconds(20)
                    )
                    let answered = ContinuousClock.now
                    #expect(reply.text == "acme")
                    let call = try #require(seen.withLock { $0 })
                    #expect(call.headers == ["tenant": "acme", "trace.id": "7"])
                    // Received after it was sent, with at most the attempt's 20 s left.
                    let deadline = try #require(call.deadline)
                    #expect(deadline > sent && deadline <= answered + .seconds(20))
                    #expect(call.routingID?.isEmpty == false)

                    // Without headers the handler sees none, and still a deadline.
                    _ = try await client.request(Echo(caller: 1, index: 3))
                    #expect(seen.withLock { $0?.headers } == [:])
                    #expect(seen.withLock { $0?.deadline } != nil)
                }
            }
        }
    }

    @Test("headers that cannot be sent fail the call as unencodable, and nothing is sent")
    func invalidHeaders() async throws {
        try await withDeadline {
            try await withContext { context in
                let handled = Atomic(0)
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) {
                    handled.add(1, ordering: .relaxed)
                    return $0
                }
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: service.boundEndpoints)
                try await withServices([service, client]) {
                    for headers in [["Upper": "x"], ["zmq-timeout-us": "1"], ["": "x"]] {
                        let error = await requestError { try await client.request(Echo(caller: 0, index: 0), headers: headers) }
                        #expect(error?.code == .unencodableRequest)
                        #expect(error?.underlying is CallMetadata.InvalidHeader)
                    }
                    // The next call is the first the service sees.
                    _ = try await client.request(Echo(caller: 0, index: 1))
                    #expect(handled.load(ordering: .relaxed) == 1)
                }
            }
        }
    }

    @Test("a request whose caller's time is up gets no reply and its handler never runs")
    func expiredBeforeStart() async throws {
        try await withDeadline {
            try await withContext { context in
                let metrics = TestMetrics()
                var configuration = RequestServiceConfiguration()
                configuration.metricsFactory = metrics
                let handled = Atomic(0)
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
                ) {
                    handled.add(1, ordering: .relaxed)
                    return $0
                }
                try await expectExpiredRequestsUnanswered(service, in: context, metrics: metrics) {
                    handled.load(ordering: .relaxed)
                }
            }
        }
    }

    @Test("a handler still running at its caller's deadline is cancelled and sends nothing; the call times out at the client")
    func cancelledAtTheDeadline() async throws {
        try await withDeadline {
            try await withContext { context in
                let metrics = TestMetrics()
                var configuration = RequestServiceConfiguration()
                configuration.metricsFactory = metrics
                let started = Atomic(0), cancelled = Atomic(0), finished = Atomic(0)
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
                ) { request in
                    // Index 0 is the slow one; the others answer at once.
                    guard request.index == 0 else { return request }
                    started.add(1, ordering: .relaxed)
                    do {
                        try await Task.sleep(for: .seconds(60))
                    } catch {
                        cancelled.add(1, ordering: .relaxed)
                        throw error
                    }
                    finished.add(1, ordering: .relaxed)
                    return request
                }
                let clientMetrics = TestMetrics()
                var clientConfiguration = RequestClientConfiguration()
                clientConfiguration.metricsFactory = clientMetrics
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: service.boundEndpoints, configuration: clientConfiguration
                )
                try await withServices([service, client]) {
                    // Connected first, so that the short timeout below times out the handler,
                    // not the connection.
                    _ = try await client.request(Echo(caller: 0, index: 1), timeout: .seconds(20))
                    // 3 s: the handler must start before the deadline, which under
                    // ThreadSanitizer with the suite on 2 cores took more than 300 ms once (the
                    // request then expired before its handler, as it should, and nothing ran).
                    let error = await requestError { try await client.request(Echo(caller: 0, index: 0), timeout: .seconds(3)) }
                    #expect(error?.code == .timedOut)
                    // The service's timer fires at the same instant as the client's: wait for it.
                    try await waitUntil("the handler was cancelled") { cancelled.load(ordering: .relaxed) == 1 }
                    try await waitUntil("the deadline was counted") {
                        total(metrics, "zmq_service_requests_total", result: "deadline_exceeded") == 1
                    }
                    #expect(started.load(ordering: .relaxed) == 1)
                    #expect(finished.load(ordering: .relaxed) == 0)
                    #expect(total(metrics, "zmq_service_requests_total", result: "internal_error") == 0)
                    // Nothing was sent for it: a call made now gets its own reply, and no late
                    // one came before it (replies come back on one connection, in order).
                    _ = try await client.request(Echo(caller: 0, index: 2), timeout: .seconds(20))
                    #expect(total(clientMetrics, "zmq_client_late_replies_total") == 0)
                }
            }
        }
    }

    @Test("with deadline propagation off and no headers, requests are version 1: no metadata frame, no deadline")
    func propagationOff() async throws {
        try await withDeadline {
            try await withContext { context in
                let router = try RouterSocket(context)
                let endpoint = try await router.bind("tcp://127.0.0.1:*")
                var configuration = RequestClientConfiguration(timeout: .seconds(10))
                configuration.propagatesDeadline = false
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: [endpoint], configuration: configuration)
                try await withServices([client]) {
                    async let reply = client.request(Echo(caller: 0, index: 0))
                    let request = try await router.receive(timeout: .seconds(10))
                    #expect(request.frameCount == 4)  // [peer] [id] [] [body]
                    try await router.send(request)  // echoed, as a REP server would
                    #expect(try await reply.index == 0)

                    // Headers alone still travel, without a timeout.
                    async let second = client.request(Echo(caller: 0, index: 1), headers: ["k": "v"])
                    let withHeaders = try await router.receive(timeout: .seconds(10))
                    #expect(withHeaders.frameCount == 5)
                    #expect(try CallMetadata(parsing: withHeaders[2]) == CallMetadata(headers: ["k": "v"]))
                    try await router.send(withHeaders)
                    #expect(try await second.index == 1)
                }
                await router.close()
            }
        }
    }

    @Test("a plain REP server echoes the metadata frame, and the client still gets its reply")
    func plainREPServer() async throws {
        try await withDeadline {
            try await withContext { context in
                let rep = try RepSocket(context)
                let endpoint = try await rep.bind("tcp://127.0.0.1:*")
                let server = Task {
                    for _ in 0..<2 {
                        let request = try await rep.receive()
                        try await rep.send(request)
                    }
                }
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: [endpoint])
                try await withServices([client]) {
                    // Its own headers, echoed, are not taken for the reply's.
                    let withHeaders = try await client.reply(for: Echo(caller: 5, index: 0), headers: ["k": "v"])
                    #expect(withHeaders == Reply(Echo(caller: 5, index: 0)))
                    let plain = try await client.request(Echo(caller: 5, index: 1))
                    #expect(plain == Echo(caller: 5, index: 1))
                }
                try await server.value
                await rep.close()
            }
        }
    }

    @Test("a request whose metadata frame is malformed gets a bad-request reply")
    func malformedMetadata() async throws {
        try await withDeadline {
            try await withContext { context in
                let handled = Atomic(0)
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) {
                    handled.add(1, ordering: .relaxed)
                    return $0
                }
                try await withServices([service]) {
                    let dealer = try DealerSocket(context)
                    try await dealer.connect(service.boundEndpoints[0])
                    let body = Frame(try JSONEncoder().encode(Echo(caller: 0, index: 0)))
                    let broken = Frame(CallMetadata.magic + [1, 0x61, 0, 0])
                    try await dealer.send(WireFormat.request(id: 5, metadata: broken, body: [body]))
                    let reply = try await dealer.receive(timeout: .seconds(10))
                    guard case .failure(5, let errorBody) = WireFormat.parseReply(reply) else {
                        Issue.record("expected an error reply")
                        return
                    }
                    let error = try RemoteErrorJSON.decode(errorBody[0].bytes)
                    #expect(error.code == RemoteError.badRequestCode)
                    #expect(error.message.contains("metadata"))
                    #expect(handled.load(ordering: .relaxed) == 0)
                    await dealer.close()
                }
            }
        }
    }

    // MARK: Reply headers (version 3)

    @Test("headers both ways: the handler's reach reply(for:), an error reply carries none, request(_:) returns the response alone")
    func replyHeaders() async throws {
        try await withDeadline {
            try await withContext { context in
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) {
                    request, call in
                    if request.index < 0 { throw RemoteError(code: "negative", message: "no") }
                    return Reply(request, headers: ["served-by": "s1", "tenant-seen": call.headers["tenant"] ?? "none"])
                }
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: service.boundEndpoints)
                try await withServices([service, client]) {
                    let reply = try await client.reply(for: Echo(caller: 1, index: 2), headers: ["tenant": "acme"])
                    #expect(reply.response == Echo(caller: 1, index: 2))
                    #expect(reply.headers == ["served-by": "s1", "tenant-seen": "acme"])
                    #expect(try await client.request(Echo(caller: 1, index: 3)) == Echo(caller: 1, index: 3))
                    let error = await requestError { try await client.reply(for: Echo(caller: 1, index: -1)) }
                    #expect(error?.code == .remote && error?.remoteError?.code == "negative")
                }
            }
        }
    }

    @Test("reply(for:) sends the metadata frame with deadline propagation off and no headers, so headers come back")
    func replyHeadersWithoutPropagation() async throws {
        try await withDeadline {
            try await withContext { context in
                let deadlines = Locked<[ContinuousClock.Instant?]>([])
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) {
                    request, call in
                    deadlines.withLock { $0.append(call.deadline) }
                    return Reply(request, headers: ["served-by": "s1"])
                }
                var configuration = RequestClientConfiguration()
                configuration.propagatesDeadline = false
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: service.boundEndpoints, configuration: configuration
                )
                try await withServices([service, client]) {
                    let reply = try await client.reply(for: Echo(caller: 2, index: 0))
                    #expect(reply.headers == ["served-by": "s1"])
                    // The frame carried no deadline: the caller did not want it sent.
                    #expect(deadlines.withLock { $0 } == [nil])
                }
            }
        }
    }

    @Test("a handler's headers that cannot be sent get an unencodable-response error reply, counted")
    func invalidReplyHeaders() async throws {
        try await withDeadline {
            try await withContext { context in
                let metrics = TestMetrics()
                var configuration = RequestServiceConfiguration()
                configuration.metricsFactory = metrics
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
                ) { request, _ in
                    Reply(request, headers: [request.text: "x"])
                }
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: service.boundEndpoints)
                try await withServices([service, client]) {
                    for key in ["Upper", "zmq-reply", ""] {
                        let error = await requestError { try await client.reply(for: Echo(caller: 3, index: 0, text: key)) }
                        #expect(error?.code == .remote && error?.remoteError?.code == RemoteError.unencodableResponseCode, "\(key)")
                    }
                    #expect(total(metrics, "zmq_service_requests_total", result: "unencodable_response") == 3)
                    let fine = try await client.reply(for: Echo(caller: 3, index: 1, text: "ok"))
                    #expect(fine.headers == ["ok": "x"])
                }
            }
        }
    }
}

/// Sends `service` 20 requests whose callers' time is up (none may be handled or answered; all
/// counted as `deadline_exceeded`), then one with time to spare, whose reply must come back
/// first. `handledCount` reads how many times the handler ran.
func expectExpiredRequestsUnanswered(
    _ service: RequestService<Echo, Echo>, in context: Context, metrics: TestMetrics,
    handledCount: @escaping @Sendable () -> Int
) async throws {
    try await withServices([service]) {
        let dealer = try DealerSocket(context)
        try await dealer.connect(service.boundEndpoints[0])
        let body = Frame(try JSONEncoder().encode(Echo(caller: 0, index: 0)))
        // 20 requests whose callers wait 0 µs: none may start, none is answered.
        for id in 1...20 {
            let metadata = CallMetadata(timeout: .zero).frame()
            try await dealer.send(WireFormat.request(id: UInt64(id), metadata: metadata, body: [body]))
        }
        try await waitUntil("the 20 were counted") {
            total(metrics, "zmq_service_requests_total", result: "deadline_exceeded") == 20
        }
        #expect(handledCount() == 0)

        // One with time to spare is handled, and its reply is the first message to
        // come back (the service answers on this one connection, in the order it
        // finishes: an answer to any of the 20 would have come first).
        let metadata = CallMetadata(timeout: .seconds(10)).frame()
        try await dealer.send(WireFormat.request(id: 99, metadata: metadata, body: [body]))
        let reply = WireFormat.parseReply(try await dealer.receive(timeout: .seconds(10)))
        guard case .success(99, _, _) = reply else {
            Issue.record("expected the success reply to 99 first, got \(reply)")
            return
        }
        #expect(handledCount() == 1)
        await dealer.close()
    }
}
