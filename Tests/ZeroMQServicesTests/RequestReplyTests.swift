import Foundation
import Logging
import MetricsTestKit
import Testing
import ZeroMQ
@testable import ZeroMQServices

@Suite("Typed request/reply", .timeLimit(.minutes(5)))
struct RequestReplyTests {
    @Test("1 000 concurrent requests from 50 tasks each get their own response, at most 32 handled at once")
    func concurrentRequestsAreMatched() async throws {
        try await withDeadline(60) {
            try await withContext { context in
                let concurrency = Locked((now: 0, most: 0))
                let serviceMetrics = TestMetrics()
                let clientMetrics = TestMetrics()
                var serviceConfiguration = RequestServiceConfiguration(maximumConcurrentRequests: 32)
                serviceConfiguration.metricsFactory = serviceMetrics
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: serviceConfiguration
                ) { request in
                    concurrency.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                    defer { concurrency.withLock { $0.now -= 1 } }
                    // Finish out of order, so that replies overtake each other.
                    try await Task.sleep(for: .microseconds(Int.random(in: 0...2_000)))
                    return Echo(caller: request.caller, index: request.index, text: "re: \(request.text)")
                }
                var clientConfiguration = RequestClientConfiguration(timeout: testTimeout(.seconds(20)))
                clientConfiguration.metricsFactory = clientMetrics
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: service.boundEndpoints, configuration: clientConfiguration
                )
                let mismatches = try await withServices([service, client]) {
                    try await withThrowingTaskGroup(of: Int.self) { group in
                        for caller in 0..<50 {
                            group.addTask {
                                var wrong = 0
                                try await withThrowingTaskGroup(of: Bool.self) { calls in
                                    for index in 0..<20 {
                                        calls.addTask {
                                            let request = Echo(caller: caller, index: index, text: "\(caller)/\(index)")
                                            let response = try await client.request(request)
                                            return response == Echo(caller: caller, index: index, text: "re: \(caller)/\(index)")
                                        }
                                    }
                                    for try await matched in calls where !matched { wrong += 1 }
                                }
                                return wrong
                            }
                        }
                        return try await group.reduce(0, +)
                    }
                }
                #expect(mismatches == 0)
                // The bound held, and was reached: handlers really ran concurrently.
                let most = concurrency.withLock { $0.most }
                #expect(most <= 32 && most > 1, "at most \(most) handlers ran at once")
                #expect(total(clientMetrics, "zmq_client_requests_total", result: "ok") == 1_000)
                #expect(total(serviceMetrics, "zmq_service_requests_total", result: "ok") == 1_000)
                #expect(try clientMetrics.expectTimer("zmq_client_request_duration").values.count == 1_000)
                #expect(try clientMetrics.expectMeter("zmq_client_in_flight").lastValue == 0)
                #expect(try serviceMetrics.expectMeter("zmq_service_in_flight").lastValue == 0)
            }
        }
    }

    @Test("A RemoteError thrown by the handler reaches the client as a typed value")
    func remoteErrorsAreTyped() async throws {
        try await withDeadline {
            try await withContext { context in
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) { request in
                    switch request.index {
                    case 1: throw RemoteError(code: "not-found", message: "no echo number \(request.index)")
                    case 2: throw CocoaError(.fileNoSuchFile)
                    default: return request
                    }
                }
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: service.boundEndpoints)
                try await withServices([service, client]) {
                    let notFound = await requestError { try await client.request(Echo(caller: 0, index: 1)) }
                    #expect(notFound?.code == .remote)
                    #expect(notFound?.remoteError == RemoteError(code: "not-found", message: "no echo number 1"))
                    #expect(notFound?.endpoint == service.boundEndpoints[0])

                    let internalError = await requestError { try await client.request(Echo(caller: 0, index: 2)) }
                    #expect(internalError?.code == .remote)
                    #expect(internalError?.remoteError?.code == RemoteError.internalErrorCode)

                    // The connection is fine afterwards.
                    let after = try await client.request(Echo(caller: 0, index: 3))
                    #expect(after == Echo(caller: 0, index: 3))
                }
            }
        }
    }

    @Test("A REQ socket can call the service; requests without an envelope are dropped and counted")
    func plainPeers() async throws {
        try await withDeadline {
            try await withContext { context in
                let metrics = TestMetrics()
                var configuration = RequestServiceConfiguration()
                configuration.metricsFactory = metrics
                let service = try await RequestService<String, String>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], requestDecoder: StringCodec(),
                    responseEncoder: StringCodec(), configuration: configuration
                ) { "Echo: \($0)" }
                try await withServices([service]) {
                    let req = try ReqSocket(context)
                    try await req.connect(service.boundEndpoints[0])
                    #expect(try await req.request("hello", timeout: .seconds(10)).string == "Echo: hello")
                    await req.close()

                    // A DEALER that sends no delimiter gets nothing back; the service goes on.
                    let dealer = try DealerSocket(context)
                    try await dealer.connect(service.boundEndpoints[0])
                    try await dealer.send(Message(frames: ["no", "delimiter"]))
                    try await dealer.send(Message(frames: [Frame(WireFormat.idFrame(7).bytes), Frame([]), "after"]))
                    let reply = try await dealer.receive(timeout: .seconds(10))
                    #expect(reply.frames.map(\.bytes) == [WireFormat.idFrame(7).bytes, [], Array("Echo: after".utf8)])
                    #expect(total(metrics, "zmq_service_dropped_messages_total") == 1)
                    await dealer.close()
                }
            }
        }
    }

    @Test("A client reaches a service over inproc, whose connections libzmq's monitor never reports")
    func inproc() async throws {
        try await withDeadline {
            try await withContext { context in
                let endpoint = "inproc://request-reply-\(UInt64.random(in: 0...UInt64.max))"
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind(endpoint)]) { request in
                    Echo(caller: request.caller, index: request.index, text: "re: \(request.text)")
                }
                // A timeout far below the test's: a call that waits for a connection event
                // fails as unreachable after it, instead of passing late.
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: [endpoint], configuration: RequestClientConfiguration(timeout: testTimeout(.seconds(5)))
                )
                try await withServices([service, client]) {
                    for index in 0..<10 {
                        let response = try await client.request(Echo(caller: 1, index: index, text: "\(index)"))
                        #expect(response == Echo(caller: 1, index: index, text: "re: \(index)"))
                    }
                }
            }
        }
    }

    @Test("A call to an inproc endpoint made before the service binds is answered once it binds")
    func inprocBeforeBind() async throws {
        try await withDeadline {
            try await withContext { context in
                let endpoint = "inproc://request-reply-\(UInt64.random(in: 0...UInt64.max))"
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: [endpoint], configuration: RequestClientConfiguration(timeout: testTimeout(.seconds(10)))
                )
                try await withServices([client]) {
                    // The call is sent (queued in libzmq's inproc pipe) before anything binds.
                    let call = Task { try await client.request(Echo(caller: 2, index: 0, text: "early")) }
                    let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind(endpoint)]) { request in
                        Echo(caller: request.caller, index: request.index, text: "re: \(request.text)")
                    }
                    try await withServices([service]) {
                        let reply = try await call.value
                        #expect(reply == Echo(caller: 2, index: 0, text: "re: early"))
                    }
                }
            }
        }
    }

    @Test("Handlers run on the service's poll loop exactly when runsHandlersOnLoop is set", arguments: [false, true])
    func handlersOnLoop(runsHandlersOnLoop: Bool) async throws {
        try await withDeadline {
            try await withContext { context in
                let places = Locked<[Bool]>([])
                var configuration = RequestServiceConfiguration()
                configuration.runsHandlersOnLoop = runsHandlersOnLoop
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
                ) { request in
                    let onLoop = context.loops.contains { $0.isCurrentThread }
                    places.withLock { $0.append(onLoop) }
                    return request
                }
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: service.boundEndpoints)
                try await withServices([service, client]) {
                    for index in 0..<20 {
                        let response = try await client.request(Echo(caller: 0, index: index))
                        #expect(response == Echo(caller: 0, index: index))
                    }
                }
                #expect(places.withLock { $0 } == Array(repeating: runsHandlersOnLoop, count: 20))
            }
        }
    }
}
