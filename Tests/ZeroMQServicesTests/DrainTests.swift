import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import ZeroMQ
@testable import ZeroMQServices

@Suite("Typed request/reply: graceful shutdown", .timeLimit(.minutes(5)))
struct DrainTests {
    @Test("A service shutting down finishes the requests in flight and sends their replies")
    func serviceDrains() async throws {
        try await withDeadline {
            try await withContext { context in
                let started = Atomic<Int>(0)
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) { request in
                    started.add(1, ordering: .relaxed)
                    try await Task.sleep(for: .milliseconds(300))
                    return request
                }
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: service.boundEndpoints, configuration: RequestClientConfiguration(timeout: .seconds(20))
                )
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await service.run() }
                    group.addTask { try await client.run() }
                    let replies = try await withThrowingTaskGroup(of: Echo.self) { calls in
                        for index in 0..<20 {
                            calls.addTask { try await client.request(Echo(caller: 0, index: index)) }
                        }
                        while started.load(ordering: .relaxed) < 20 { try await Task.sleep(for: .milliseconds(5)) }
                        service.beginGracefulShutdown()
                        return try await calls.reduce(into: []) { $0.append($1) }
                    }
                    #expect(Set(replies.map(\.index)) == Set(0..<20))
                    // The service has stopped: nothing answers any more.
                    let error = await requestError { try await client.request(Echo(caller: 1, index: 0), timeout: .milliseconds(500)) }
                    #expect(error?.code == .timedOut || error?.code == .unreachable)
                    client.beginGracefulShutdown()
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test("Replies that arrive together with the service's disconnect still reach the client")
    func repliesJustBeforeCloseArrive() async throws {
        try await withDeadline(60) {
            try await withContext { context in
                let endpoint = try await unusedTCPEndpoint(context)
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: [endpoint], configuration: RequestClientConfiguration(timeout: .seconds(10))
                )
                try await withServices([client]) {
                    for round in 0..<3 {
                        // A raw ROUTER on a context of its own answers every request, then closes.
                        let serverContext = try Context()
                        let router = try RouterSocket(serverContext)
                        try await router.setOption(.linger, to: .seconds(5))
                        _ = try await router.bind(endpoint)
                        let calls = Task {
                            try await withThrowingTaskGroup(of: Int.self) { group in
                                for index in 0..<20 {
                                    group.addTask { try await client.request(Echo(caller: round, index: index)).index }
                                }
                                return try await group.reduce(into: [Int]()) { $0.append($1) }
                            }
                        }
                        var requests: [Message] = []
                        while requests.count < 20 { requests.append(try await router.receive()) }
                        // Hold the client's loop, so that the replies and the disconnect both
                        // reach libzmq before the client reads anything. (With ZMQ_IMMEDIATE,
                        // libzmq would then drop the unread replies with the connection.)
                        client.loop.execute { usleep(200_000) }
                        for request in requests { try await router.send(request) }
                        await router.close()
                        await serverContext.shutdown()
                        let answered = try await calls.value
                        #expect(answered.sorted() == Array(0..<20), "round \(round)")
                    }
                }
            }
        }
    }

    @Test("A client shutting down in a ServiceGroup lets its calls in flight finish, then refuses new ones")
    func clientDrainsInAServiceGroup() async throws {
        try await withDeadline {
            try await withContext { context in
                let started = Atomic<Int>(0)
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) { request in
                    started.add(1, ordering: .relaxed)
                    try await Task.sleep(for: .milliseconds(300))
                    return request
                }
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: service.boundEndpoints,
                    configuration: RequestClientConfiguration(timeout: testTimeout(.seconds(5)))
                )
                let group = ServiceGroup(
                    configuration: ServiceGroupConfiguration(
                        services: [.init(service: service), .init(service: client)], logger: Logger(label: "test")
                    )
                )
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    let replies = try await withThrowingTaskGroup(of: Echo.self) { calls in
                        for index in 0..<10 {
                            calls.addTask { try await client.request(Echo(caller: 0, index: index)) }
                        }
                        while started.load(ordering: .relaxed) < 10 { try await Task.sleep(for: .milliseconds(5)) }
                        // The client shuts down first (reverse order), then the service.
                        await group.triggerGracefulShutdown()
                        return try await calls.reduce(into: []) { $0.append($1) }
                    }
                    #expect(Set(replies.map(\.index)) == Set(0..<10))
                    try await tasks.waitForAll()
                }
                let error = await requestError { try await client.request(Echo(caller: 1, index: 0)) }
                #expect(error?.code == .closed)
            }
        }
    }

    @Test("Cancelling run() fails the calls in flight with closed")
    func cancellingTheClient() async throws {
        try await withDeadline {
            try await withContext { context in
                // The handler answers only after the client is gone (a gate, not a 2 s sleep
                // that a slow run could outlast).
                let release = Gate()
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) { request in
                    await release.wait()
                    return request
                }
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: service.boundEndpoints)
                try await withServices([service]) {
                    defer { release.open() }
                    let running = Task { try await client.run() }
                    let call = Task { try await client.request(Echo(caller: 0, index: 0)) }
                    while await client.pendingCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
                    running.cancel()
                    let error = await requestError { try await call.value }
                    #expect(error?.code == .closed)
                    try await running.value
                }
            }
        }
    }
}
