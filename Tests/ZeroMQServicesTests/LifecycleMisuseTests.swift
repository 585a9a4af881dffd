import Testing
import ZeroMQ
@testable import ZeroMQServices

/// The one answer every long-running type gives to each misuse (Docs/TypedMessaging.md,
/// *Lifecycle*), checked once for all five over real sockets. The transitions themselves are
/// unit-tested in `ZeroMQSupportTests.LifecycleTests`.
@Suite("Lifecycle: the same answer to every misuse, for all five types", .timeLimit(.minutes(2)))
struct LifecycleMisuseTests {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case client, service, publisher, subscriber, proxy
        var testDescription: String { rawValue }
    }

    /// One object of a kind, seen through the lifecycle calls every kind has.
    struct Subject: Sendable {
        /// `run()`.
        var run: @Sendable () async throws -> Void
        /// `beginGracefulShutdown()` (`terminate()` for a proxy).
        var shutdown: @Sendable () async throws -> Void
        /// Work after a shutdown: must fail with the kind's documented error (nil: the kind
        /// takes no work of its own, as a service).
        var useAfterShutdown: (@Sendable () async -> Void)?
        /// After a shutdown before `run()` and `run()`: what the kind left behind (a proxy's
        /// sockets stay the caller's; the others' sockets are closed).
        var checkReleased: @Sendable () async -> Void
    }

    static func make(_ kind: Kind, in context: Context) async throws -> Subject {
        switch kind {
        case .client:
            let client = try await RequestClient<Echo, Echo>(
                context, connectingTo: [silentEndpoint()], configuration: RequestClientConfiguration(timeout: .seconds(30))
            )
            return Subject(
                run: { try await client.run() },
                shutdown: { client.beginGracefulShutdown() },
                useAfterShutdown: {
                    let error = await requestError { try await client.request(Echo(caller: 0, index: 0)) }
                    #expect(error?.code == .closed)
                },
                checkReleased: {
                    for socket in await client.sockets { #expect(await socket.isClosed) }
                    // So a call fails at once instead of waiting for run().
                    let error = await requestError { try await client.request(Echo(caller: 0, index: 1)) }
                    #expect(error?.code == .closed)
                }
            )
        case .service:
            let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) { $0 }
            return Subject(
                run: { try await service.run() },
                shutdown: { service.beginGracefulShutdown() },
                useAfterShutdown: nil,
                checkReleased: { #expect(await service.socket.isClosed) }
            )
        case .publisher:
            let publisher = try await EventPublisher<Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) { _ in "t" }
            return Subject(
                run: { try await publisher.run() },
                shutdown: { publisher.beginGracefulShutdown() },
                useAfterShutdown: {
                    let error = await #expect(throws: ZeroMQError.self) { try await publisher.publish(Echo(caller: 0, index: 0)) }
                    #expect(error?.code == .socketClosed)
                },
                checkReleased: { #expect(await publisher.socket.isClosed) }
            )
        case .subscriber:
            let subscriber = try await EventSubscriber<Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")])
            return Subject(
                run: { try await subscriber.run() },
                shutdown: { subscriber.beginGracefulShutdown() },
                useAfterShutdown: {
                    // The events end: nothing is delivered and nothing waits.
                    var count = 0
                    do {
                        for try await _ in subscriber.events { count += 1 }
                    } catch {
                        Issue.record("the events of a shut-down subscriber threw \(error)")
                    }
                    #expect(count == 0)
                },
                checkReleased: { #expect(await subscriber.socket.isClosed) }
            )
        case .proxy:
            let frontend = try PullSocket(context)
            try await frontend.bind("inproc://lifecycle-frontend-\(UInt64.random(in: 0...UInt64.max))")
            let backend = try PushSocket(context)
            try await backend.bind("inproc://lifecycle-backend-\(UInt64.random(in: 0...UInt64.max))")
            let proxy = try Proxy.streamer(frontend: frontend, backend: backend)
            return Subject(
                run: { try await proxy.run() },
                shutdown: { try await proxy.terminate() },
                useAfterShutdown: {
                    let error = await #expect(throws: ZeroMQError.self) { try await proxy.statistics() }
                    #expect(error?.code == .invalidState)
                },
                checkReleased: {
                    // Never taken over: the sockets are still the caller's.
                    #expect(await !frontend.isClosed)
                    #expect(await !backend.isClosed)
                }
            )
        }
    }

    /// What `run()` threw, which must be the lifecycle's refusal.
    static func refusal(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> ZeroMQError? {
        let error = await #expect(throws: ZeroMQError.self, sourceLocation: sourceLocation) { try await body() }
        #expect(error?.code == .invalidState, sourceLocation: sourceLocation)
        return error
    }

    @Test(
        "run() twice: the second call is refused with invalidState (already running), the first runs on; after the end, again (already ran)",
        arguments: Kind.allCases
    )
    func runTwice(_ kind: Kind) async throws {
        try await withDeadline {
            try await withContext { context in
                let subject = try await Self.make(kind, in: context)
                try await withThrowingTaskGroup(of: Result<Void, any Error>.self) { group in
                    // Whichever call comes second is refused at once; the other runs until the
                    // shutdown.
                    for _ in 0..<2 {
                        group.addTask {
                            do {
                                try await subject.run()
                                return .success(())
                            } catch {
                                return .failure(error)
                            }
                        }
                    }
                    let first = try await group.next()
                    guard case .failure(let error as ZeroMQError) = first else {
                        Issue.record("the first run() to return should be the refused one, got \(String(describing: first))")
                        return
                    }
                    #expect(error.code == .invalidState)
                    #expect(error.reason.contains("already running"))
                    try await subject.shutdown()
                    let second = try await group.next()
                    guard case .success = second else {
                        Issue.record("the running run() should return normally after the shutdown, got \(String(describing: second))")
                        return
                    }
                }
                let again = await Self.refusal { try await subject.run() }
                #expect(again?.reason.contains("has already run") == true)
            }
        }
    }

    @Test(
        "a shutdown before run(): run() returns at once without error, having released what it holds; a second run() is refused",
        arguments: Kind.allCases
    )
    func shutdownBeforeRun(_ kind: Kind) async throws {
        try await withDeadline {
            try await withContext { context in
                let subject = try await Self.make(kind, in: context)
                try await subject.shutdown()
                try await subject.shutdown()  // twice: harmless
                try await subject.run()
                await subject.checkReleased()
                await subject.useAfterShutdown?()
                let again = await Self.refusal { try await subject.run() }
                #expect(again?.reason.contains("has already run") == true)
            }
        }
    }

    @Test("use after a shutdown fails with the kind's documented error; a second shutdown does nothing", arguments: Kind.allCases)
    func useAfterShutdown(_ kind: Kind) async throws {
        try await withDeadline {
            try await withContext { context in
                let subject = try await Self.make(kind, in: context)
                let running = Task { try await subject.run() }
                try await subject.shutdown()
                try await subject.shutdown()
                try await running.value
                await subject.useAfterShutdown?()
            }
        }
    }

    @Test("a client shut down before run() fails the calls waiting for run() with closed, at once")
    func clientCallsWaitingForRun() async throws {
        try await withDeadline {
            try await withContext { context in
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: [silentEndpoint()], configuration: RequestClientConfiguration(timeout: .seconds(60))
                )
                let call = Task { await requestError { try await client.request(Echo(caller: 0, index: 0)) } }
                // The call waits for a connection that only run() would follow.
                while await client.pendingCount == 0, await client.callsWaitingForConnection == 0 {
                    await Task.yield()
                }
                client.beginGracefulShutdown()
                #expect(await call.value?.code == .closed)
                try await client.run()
            }
        }
    }
}
