import Foundation
import MetricsTestKit
import Synchronization
import Testing
import ZeroMQ
@testable import ZeroMQServices

@Suite("A synchronous handler on the service's loop (LoopHandler)", .timeLimit(.minutes(5)))
struct LoopHandlerTests {
    @Test("400 concurrent calls are all answered, each by the handler on the service's poll loop")
    func answersOnTheLoop() async throws {
        try await withDeadline(60) {
            try await withContext { context in
                let metrics = TestMetrics()
                var configuration = RequestServiceConfiguration()
                configuration.metricsFactory = metrics
                let places = Locked<[Bool]>([])
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration,
                    handler: .onLoop { request in
                        places.withLock { $0.append(context.loops.contains { $0.isCurrentThread }) }
                        return Echo(caller: request.caller, index: request.index, text: "re: \(request.text)")
                    }
                )
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: service.boundEndpoints,
                    configuration: RequestClientConfiguration(timeout: testTimeout(.seconds(20)))
                )
                let wrong = try await withServices([service, client]) {
                    try await withThrowingTaskGroup(of: Int.self) { group in
                        for caller in 0..<20 {
                            group.addTask {
                                var wrong = 0
                                for index in 0..<20 {
                                    let response = try await client.request(Echo(caller: caller, index: index, text: "\(index)"))
                                    if response != Echo(caller: caller, index: index, text: "re: \(index)") { wrong += 1 }
                                }
                                return wrong
                            }
                        }
                        return try await group.reduce(0, +)
                    }
                }
                #expect(wrong == 0)
                #expect(places.withLock { $0 } == Array(repeating: true, count: 400))
                #expect(total(metrics, "zmq_service_requests_total", result: "ok") == 400)
                #expect(try metrics.expectMeter("zmq_service_in_flight").lastValue == 0)
            }
        }
    }

    @Test("the context form reads the caller's headers and deadline and sends headers back")
    func contextAndHeaders() async throws {
        try await withDeadline {
            try await withContext { context in
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")],
                    handler: .onLoop { request, call in
                        let hasDeadline = call.deadline != nil ? "yes" : "no"
                        return Reply(request, headers: ["tenant-seen": call.headers["tenant"] ?? "none", "deadline": hasDeadline])
                    }
                )
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: service.boundEndpoints)
                try await withServices([service, client]) {
                    let reply = try await client.reply(for: Echo(caller: 1, index: 2), headers: ["tenant": "acme"])
                    #expect(reply.response == Echo(caller: 1, index: 2))
                    #expect(reply.headers == ["tenant-seen": "acme", "deadline": "yes"])
                }
            }
        }
    }

    @Test("errors: a RemoteError reaches the client as is, others as internal-error, an undecodable request as bad-request")
    func errors() async throws {
        try await withDeadline {
            try await withContext { context in
                let metrics = TestMetrics()
                var configuration = RequestServiceConfiguration()
                configuration.metricsFactory = metrics
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration,
                    handler: .onLoop { request in
                        switch request.index {
                        case 1: throw RemoteError(code: "not-found", message: "no echo number \(request.index)")
                        case 2: throw CocoaError(.fileNoSuchFile)
                        default: return request
                        }
                    }
                )
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: service.boundEndpoints)
                let wrongType = try await RequestClient<String, Echo>(context, connectingTo: service.boundEndpoints)
                try await withServices([service, client, wrongType]) {
                    let notFound = await requestError { try await client.request(Echo(caller: 0, index: 1)) }
                    #expect(notFound?.code == .remote)
                    #expect(notFound?.remoteError == RemoteError(code: "not-found", message: "no echo number 1"))

                    let internalError = await requestError { try await client.request(Echo(caller: 0, index: 2)) }
                    #expect(internalError?.remoteError?.code == RemoteError.internalErrorCode)

                    let badRequest = await requestError { try await wrongType.request("not an echo") }
                    #expect(badRequest?.remoteError?.code == RemoteError.badRequestCode)

                    // Still serving.
                    let after = try await client.request(Echo(caller: 0, index: 3))
                    #expect(after == Echo(caller: 0, index: 3))
                }
                #expect(total(metrics, "zmq_service_requests_total", result: "remote_error") == 1)
                #expect(total(metrics, "zmq_service_requests_total", result: "internal_error") == 1)
                #expect(total(metrics, "zmq_service_requests_total", result: "bad_request") == 1)
                #expect(total(metrics, "zmq_service_requests_total", result: "ok") == 1)
            }
        }
    }

    @Test("a request whose caller's time is up gets no reply and the handler never runs")
    func expiredBeforeItsTurn() async throws {
        try await withDeadline {
            try await withContext { context in
                let metrics = TestMetrics()
                var configuration = RequestServiceConfiguration()
                configuration.metricsFactory = metrics
                let handled = Atomic(0)
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration,
                    handler: .onLoop { request in
                        handled.add(1, ordering: .relaxed)
                        return request
                    }
                )
                try await expectExpiredRequestsUnanswered(service, in: context, metrics: metrics) {
                    handled.load(ordering: .relaxed)
                }
            }
        }
    }

    @Test("an async handler given as a trailing closure still runs in a task off the loop")
    func trailingClosureStaysAsync() async throws {
        try await withDeadline {
            try await withContext { context in
                let places = Locked<[Bool]>([])
                // The same closure as `.onLoop { ... }` takes: it must not become a LoopHandler.
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) { request in
                    places.withLock { $0.append(context.loops.contains { $0.isCurrentThread }) }
                    return request
                }
                #expect(service.loopHandler == nil)
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: service.boundEndpoints)
                try await withServices([service, client]) {
                    let response = try await client.request(Echo(caller: 0, index: 7))
                    #expect(response == Echo(caller: 0, index: 7))
                }
                #expect(places.withLock { $0 } == [false])
            }
        }
    }
}
