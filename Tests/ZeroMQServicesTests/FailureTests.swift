import Foundation
import Logging
import MetricsTestKit
import Synchronization
import Testing
import ZeroMQ
@testable import ZeroMQServices

@Suite("Typed request/reply: timeouts, retries, failover, cancellation", .timeLimit(.minutes(5)))
struct FailureTests {
    @Test("Idempotent requests are retried until a restarted service answers")
    func retriesReachARestartedService() async throws {
        try await withDeadline(60) {
            try await withContext { context in
                let endpoint = try await unusedTCPEndpoint(context)
                let metrics = TestMetrics()
                // Attempts and deadline scale like the test's deadline: under ThreadSanitizer, with the
                // suite on 2 cores, 30 attempts in 20 s ran out before the restarted service was up.
                var configuration = RequestClientConfiguration(
                    timeout: .milliseconds(300),
                    retryPolicy: .exponentialBackoff(
                        maximumAttempts: Int(30 * Watchdog.deadlineScale), initialBackoff: .milliseconds(20),
                        maximumBackoff: .milliseconds(200), deadline: testTimeout(.seconds(20))
                    )
                )
                configuration.metricsFactory = metrics
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: [endpoint], configuration: configuration)
                @Sendable func startService(_ generation: Int) async throws -> RequestService<Echo, Echo> {
                    try await RequestService<Echo, Echo>(context, endpoints: [.bind(endpoint)]) { request in
                        Echo(caller: request.caller, index: request.index, text: "generation \(generation)")
                    }
                }
                try await withServices([client]) {
                    // First life of the service.
                    let first = try await startService(1)
                    try await withServices([first]) {
                        let reply = try await client.request(Echo(caller: 1, index: 1), idempotent: true)
                        #expect(reply.text == "generation 1")
                    }
                    // The service is gone: an idempotent request keeps trying, and the service
                    // comes back while it does (after 700 ms down), staying until the call ended.
                    let callEnded = Gate()
                    async let restarted: Void = {
                        try await Task.sleep(for: .milliseconds(700))
                        let second = try await startService(2)
                        try await withServices([second]) { await callEnded.wait() }
                    }()
                    let reply: Echo
                    do {
                        reply = try await client.request(Echo(caller: 1, index: 2), idempotent: true)
                        callEnded.open()
                    } catch {
                        callEnded.open()
                        throw error
                    }
                    #expect(reply.text == "generation 2")
                    #expect(total(metrics, "zmq_client_retries_total") >= 1)
                    try await restarted
                }
            }
        }
    }

    @Test("Without the idempotent mark a timed-out request is not sent again")
    func nonIdempotentRequestsAreNotRetried() async throws {
        try await withDeadline {
            try await withContext { context in
                let handled = Atomic<Int>(0)
                // Requests with index `held` are answered only once the calls that sent them
                // have timed out (a gate, not a long sleep: under ThreadSanitizer with the suite
                // on 2 cores the client's three 200 ms attempts once outlasted a 2 s handler,
                // and the first attempt's reply answered the call).
                let held = -1
                let release = Gate()
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) { request in
                    handled.add(1, ordering: .relaxed)
                    if request.index == held {
                        await release.wait()
                    } else {
                        try await Task.sleep(for: .milliseconds(request.index))
                    }
                    return request
                }
                let metrics = TestMetrics()
                var configuration = RequestClientConfiguration(
                    timeout: .milliseconds(200),
                    retryPolicy: .exponentialBackoff(maximumAttempts: 3, initialBackoff: .milliseconds(10))
                )
                configuration.metricsFactory = metrics
                // The handler counts every attempt the service gets, so it must run even when
                // the client has given up (under ThreadSanitizer a handler once started after
                // its 200 ms had passed and, with the deadline propagated, did not run).
                configuration.propagatesDeadline = false
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: service.boundEndpoints, configuration: configuration
                )
                try await withServices([service, client]) {
                    // The held handlers must end for the service to stop, whatever fails here.
                    defer { release.open() }
                    // First a call that waits for the connection, so that the short timeouts
                    // below time out replies, not the connection (which would be retried).
                    _ = try await client.request(Echo(caller: 0, index: 1), timeout: .seconds(10))
                    let slow = await requestError { try await client.request(Echo(caller: 0, index: held)) }
                    #expect(slow?.code == .timedOut)
                    #expect(slow?.attempts == 1)
                    // The same slow request, idempotent: three attempts, then it times out.
                    let retried = await requestError { try await client.request(Echo(caller: 0, index: held), idempotent: true) }
                    #expect(retried?.code == .timedOut)
                    #expect(retried?.attempts == 3)
                    #expect(total(metrics, "zmq_client_retries_total") == 2)
                    release.open()
                    // A per-call timeout overrides the configured one.
                    let quick = try await client.request(Echo(caller: 0, index: 300), timeout: .seconds(10))
                    #expect(quick.index == 300)
                    // Every attempt was read before this call's request (one connection, in
                    // order); their handlers' tasks may still be starting.
                    try await waitUntil("every attempt reached the handler") { handled.load(ordering: .relaxed) >= 6 }
                    #expect(handled.load(ordering: .relaxed) == 6)
                }
            }
        }
    }

    @Test("A retry policy's deadline bounds the whole call")
    func deadlineBoundsTheCall() async throws {
        try await withDeadline {
            try await withContext { context in
                let configuration = RequestClientConfiguration(
                    timeout: .seconds(5),
                    retryPolicy: .exponentialBackoff(maximumAttempts: 100, initialBackoff: .milliseconds(10), deadline: .milliseconds(400))
                )
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: [silentEndpoint()], configuration: configuration)
                try await withServices([client]) {
                    let started = ContinuousClock.now
                    let error = await requestError { try await client.request(Echo(caller: 0, index: 0), idempotent: true) }
                    let elapsed = ContinuousClock.now - started
                    #expect(error?.code == .unreachable)
                    #expect(elapsed < .seconds(3))
                    #expect(elapsed >= .milliseconds(350))
                }
            }
        }
    }

    @Test("Calls fail over to the next endpoint when one is unreachable, and stay there")
    func failover() async throws {
        try await withDeadline {
            try await withContext { context in
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) { $0 }
                let metrics = TestMetrics()
                var configuration = RequestClientConfiguration(
                    timeout: .seconds(20), retryPolicy: .exponentialBackoff(maximumAttempts: 2, initialBackoff: .zero)
                )
                configuration.metricsFactory = metrics
                let nobody = silentEndpoint()
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: [nobody, service.boundEndpoints[0]], configuration: configuration
                )
                try await withServices([service, client]) {
                    // Not idempotent, but never sent to the first endpoint: it is safe to send it on.
                    let first = try await client.request(Echo(caller: 0, index: 1), timeout: testTimeout(.seconds(3)))
                    #expect(first.index == 1)
                    #expect(total(metrics, "zmq_client_failovers_total") == 1)
                    #expect(total(metrics, "zmq_client_retries_total") == 1)
                    // Later calls go straight to the endpoint that works.
                    for index in 2...5 {
                        #expect(try await client.request(Echo(caller: 0, index: index)).index == index)
                    }
                    #expect(total(metrics, "zmq_client_retries_total") == 1)
                }
            }
        }
    }

    @Test("A cancelled call removes its pending entry; its late reply is dropped")
    func cancellationRemovesThePendingEntry() async throws {
        try await withDeadline {
            try await withContext { context in
                // The first request is answered once its call has been cancelled.
                let release = Gate()
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) { request in
                    if request.index == 0 { await release.wait() }
                    return request
                }
                let metrics = TestMetrics()
                var configuration = RequestClientConfiguration(timeout: .seconds(10))
                configuration.metricsFactory = metrics
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: service.boundEndpoints, configuration: configuration
                )
                try await withServices([service, client]) {
                    defer { release.open() }
                    let call = Task { try await client.request(Echo(caller: 0, index: 0)) }
                    while await client.pendingCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
                    call.cancel()
                    let error = await requestError { try await call.value }
                    #expect(error?.code == .cancelled)
                    #expect(await client.pendingCount == 0)
                    // The reply comes now, finds no caller, and is dropped; the next call gets
                    // its own reply.
                    release.open()
                    while total(metrics, "zmq_client_late_replies_total") == 0 { try await Task.sleep(for: .milliseconds(10)) }
                    #expect(total(metrics, "zmq_client_late_replies_total") == 1)
                    #expect(try await client.request(Echo(caller: 0, index: 1)).index == 1)
                    #expect(total(metrics, "zmq_client_requests_total", result: "cancelled") == 1)
                }
            }
        }
    }

    @Test("After graceful shutdown new requests fail with closed")
    func closedClient() async throws {
        try await withDeadline {
            try await withContext { context in
                let client = try await RequestClient<Echo, Echo>(context, connectingTo: [silentEndpoint()])
                try await withServices([client]) {}
                let error = await requestError { try await client.request(Echo(caller: 0, index: 0)) }
                #expect(error?.code == .closed)
                // Running twice is refused, as by every service (LifecycleMisuseTests).
                let refused = await #expect(throws: ZeroMQError.self) { try await client.run() }
                #expect(refused?.code == .invalidState)
            }
        }
    }

    @Test("The backoff grows by the multiplier up to the maximum, less at most the jitter share")
    func backoff() {
        let policy = RetryPolicy.exponentialBackoff(
            maximumAttempts: 10, initialBackoff: .milliseconds(100), maximumBackoff: .milliseconds(1_000), multiplier: 2,
            jitter: 0.5
        )
        // No jitter taken off, all of it, and some in between.
        #expect(policy.backoff(beforeAttempt: 2, randomFraction: 0) == .milliseconds(100))
        #expect(policy.backoff(beforeAttempt: 2, randomFraction: 1) == .milliseconds(50))
        #expect(policy.backoff(beforeAttempt: 4, randomFraction: 0) == .milliseconds(400))
        #expect(policy.backoff(beforeAttempt: 4, randomFraction: 0.5) == .milliseconds(300))
        #expect(policy.backoff(beforeAttempt: 10, randomFraction: 0) == .milliseconds(1_000))
        #expect(policy.backoff(beforeAttempt: 10, randomFraction: 1) == .milliseconds(500))
        for _ in 0..<100 {
            let fourth = policy.backoff(beforeAttempt: 4, randomFraction: .random(in: 0...1))
            #expect(fourth >= .milliseconds(200) && fourth <= .milliseconds(400))
        }
        let steady = RetryPolicy.exponentialBackoff(maximumAttempts: 3, initialBackoff: .milliseconds(100), jitter: 0)
        #expect(steady.backoff(beforeAttempt: 3, randomFraction: 1) == .milliseconds(200))
        #expect(RetryPolicy(maximumAttempts: 0, jitter: 7).maximumAttempts == 1)
        #expect(RetryPolicy(maximumAttempts: 2, jitter: 7).jitter == 1)
    }
}
