import Foundation
import MetricsTestKit
import Synchronization
import Testing
import ZeroMQ
@testable import ZeroMQServices

/// Server streaming between a client and a service over real sockets: order, flow control with
/// a slow reader, cancellation from either end, errors, deadlines, shutdown.
@Suite("Server streaming: responses as an AsyncSequence with credit-based flow control", .timeLimit(.minutes(2)))
struct StreamingTests {

    /// What a streaming handler's sequence did: how many responses it made, and whether it was
    /// asked for one after its task was cancelled.
    final class Production: Sendable {
        let produced = Atomic(0)
        /// The reader's count, kept by the test: the producer checks its lead against it.
        let consumed = Atomic(0)
        /// The most the producer was ever ahead of the reader.
        let maximumLead = Atomic(0)
    }

    /// Responses `Echo(index: 0, 1, …)`: `count` of them (or without end), then, if given,
    /// `failure` thrown; after `blockAfter` responses it waits until cancelled.
    struct Numbers: AsyncSequence, Sendable {
        typealias Element = Echo
        var count: Int?
        var failure: RemoteError?
        var blockAfter: Int?
        var production: Production

        func makeAsyncIterator() -> Iterator { Iterator(numbers: self) }

        struct Iterator: AsyncIteratorProtocol {
            let numbers: Numbers
            var index = 0

            mutating func next() async throws -> Echo? {
                if let count = numbers.count, index == count {
                    if let failure = numbers.failure { throw failure }
                    return nil
                }
                if let blockAfter = numbers.blockAfter, index == blockAfter {
                    // Until the task is cancelled (its deadline, its caller's cancel).
                    try await Task.sleep(for: .seconds(3_600))
                }
                try Task.checkCancellation()
                let production = numbers.production
                let produced = production.produced.add(1, ordering: .relaxed).newValue
                let lead = produced - production.consumed.load(ordering: .relaxed)
                production.maximumLead.max(lead, ordering: .relaxed)
                defer { index += 1 }
                return Echo(caller: 0, index: index)
            }
        }
    }

    /// A streaming service of ``Numbers`` with metrics, and a client of it, both running
    /// around `body`. Without `count`, a request asks for `index` responses, or for responses
    /// without end with the text `endless`.
    static func withStreamingService(
        count: Int? = nil, failure: RemoteError? = nil, blockAfter: Int? = nil, maximumConcurrentRequests: Int = 64,
        serviceInGroup: Bool = true,
        _ body: @escaping @Sendable (RequestService<Echo, Echo>, RequestClient<Echo, Echo>, Production, TestMetrics) async throws -> Void
    ) async throws {
        try await withDeadline {
            try await withContext { context in
                let metrics = TestMetrics()
                var configuration = RequestServiceConfiguration()
                configuration.metricsFactory = metrics
                configuration.maximumConcurrentRequests = maximumConcurrentRequests
                let production = Production()
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
                ) { request, _ in
                    Numbers(
                        count: count ?? (request.text == "endless" ? nil : request.index), failure: failure,
                        blockAfter: blockAfter, production: production
                    )
                }
                // A stream's timeout bounds all of it: the default 5 s is short for a loaded
                // machine under ThreadSanitizer.
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: service.boundEndpoints, configuration: RequestClientConfiguration(timeout: .seconds(60))
                )
                guard serviceInGroup else {
                    // The body shuts the service down itself, which a ServiceGroup would take
                    // for a failure.
                    let running = Task { try await service.run() }
                    try await withServices([client]) { try await body(service, client, production, metrics) }
                    service.beginGracefulShutdown()
                    try await running.value
                    return
                }
                try await withServices([service, client]) {
                    try await body(service, client, production, metrics)
                }
            }
        }
    }

    @Test("every response arrives once and in order, then the stream ends; the service counts it ok")
    func inOrder() async throws {
        try await Self.withStreamingService { service, client, _, metrics in
            for (count, credit) in [(0, 1), (1, 1), (100, 3), (1_000, 32)] {
                let indices = try await client.stream(Echo(caller: 0, index: count), credit: credit) { responses in
                    var indices: [Int] = []
                    for try await response in responses { indices.append(response.index) }
                    return indices
                }
                #expect(indices == Array(0..<count), "count \(count), credit \(credit)")
            }
            try await waitUntil("the four streams were counted and forgotten") {
                total(metrics, "zmq_service_requests_total", result: "ok") == 4 && service.streams.count == 0
            }
        }
    }

    @Test("a slow reader holds the service back: it never runs more than the credit ahead")
    func slowReader() async throws {
        let credit = 4
        try await Self.withStreamingService { service, client, production, _ in
            try await client.stream(Echo.endless, credit: credit) { responses in
                var iterator = responses.makeAsyncIterator()
                for expected in 0..<40 {
                    let response = try await iterator.next()
                    #expect(response?.index == expected)
                    let consumed = production.consumed.add(1, ordering: .relaxed).newValue
                    if consumed % 10 == 0 {
                        // Stop reading until the service has used all the credit it has and
                        // waits for more, having made one more response. (The client grants
                        // credit for a batch of responses, at most half the credit, when the
                        // reader asks for the next batch.)
                        try await waitUntil("the service waits for credit") { service.streams.waitingCount == 1 }
                        let lead = production.produced.load(ordering: .relaxed) - consumed
                        #expect(lead <= credit + 1 && lead >= 1, "lead \(lead) at \(consumed)")
                    }
                }
            }
            // The sequence was asked for one more than it could send, never more: what was
            // sent waits in libzmq's queues or in the client's buffer, bounded by the credit
            // (+1 for the response made and waiting for credit).
            #expect(production.maximumLead.load(ordering: .relaxed) <= credit + 1)
            try await waitUntil("the service forgot the stream") { service.streams.count == 0 }
        }
    }

    @Test("leaving the stream early cancels it at the service: the handler stops and nothing more is sent")
    func readerLeaves() async throws {
        try await Self.withStreamingService { service, client, production, metrics in
            let read = try await client.stream(Echo.endless, credit: 8) { responses in
                var read = 0
                for try await _ in responses {
                    read += 1
                    if read == 3 { break }
                }
                return read
            }
            #expect(read == 3)
            try await waitUntil("the service counted the stream cancelled and forgot it") {
                total(metrics, "zmq_service_requests_total", result: "cancelled") == 1 && service.streams.count == 0
            }
            // It made at most what the credit allowed, and stopped.
            #expect(production.produced.load(ordering: .relaxed) <= 3 + 8 + 1)
            // The client goes on working.
            let next = try await client.stream(Echo(caller: 0, index: 5), credit: 2) { responses in
                try await responses.reduce(0) { count, _ in count + 1 }
            }
            #expect(next == 5)
        }
    }

    @Test("cancelling the reader's task ends its stream with cancelled, and the service's handler with it")
    func readerCancelled() async throws {
        try await Self.withStreamingService(blockAfter: 1) { _, client, _, metrics in
            let first = AsyncStream.makeStream(of: Void.self)
            let reader = Task {
                await requestError {
                    try await client.stream(Echo.endless) { responses in
                        for try await _ in responses { first.continuation.yield() }
                    }
                }
            }
            var signals = first.stream.makeAsyncIterator()
            _ = await signals.next()
            reader.cancel()
            let error = await reader.value
            #expect(error?.code == .cancelled)
            try await waitUntil("the service counted the stream cancelled") {
                total(metrics, "zmq_service_requests_total", result: "cancelled") == 1
            }
        }
    }

    @Test("an error from the handler's sequence comes after the responses sent before it")
    func errorMidStream() async throws {
        let failure = RemoteError(code: "out-of-stock", message: "no more")
        try await Self.withStreamingService(count: 5, failure: failure) { _, client, _, _ in
            let seen = Locked<[Int]>([])
            let error = await requestError {
                try await client.stream(Echo(caller: 0, index: 0), credit: 2) { responses in
                    for try await response in responses { seen.withLock { $0.append(response.index) } }
                }
            }
            #expect(seen.withLock { $0 } == [0, 1, 2, 3, 4])
            #expect(error?.code == .remote)
            #expect(error?.remoteError == failure)
        }
    }

    @Test("a graceful shutdown ends a stream in progress with shutting-down, after what was sent")
    func shutdownEndsStreams() async throws {
        try await Self.withStreamingService(serviceInGroup: false) { service, client, _, metrics in
            let error = await requestError {
                try await client.stream(Echo.endless, credit: 4) { responses in
                    var count = 0
                    for try await _ in responses {
                        count += 1
                        if count == 1 { service.beginGracefulShutdown() }
                    }
                }
            }
            #expect(error?.code == .remote)
            #expect(error?.remoteError?.code == RemoteError.shuttingDownCode)
            #expect(total(metrics, "zmq_service_requests_total", result: "shutting_down") == 1)
        }
    }

    @Test("a stream's deadline ends it at both ends: timed out at the client, the handler cancelled at the service")
    func deadline() async throws {
        try await Self.withStreamingService(blockAfter: 2) { _, client, _, metrics in
            // Connected first, so that the whole timeout is the stream's. Read to its end: a
            // stream left unread is cancelled, and counted so if the cancel overtakes its end.
            try await client.stream(Echo(caller: 0, index: 0)) { responses in
                for try await _ in responses {}
            }
            let seen = Locked(0)
            let error = await requestError {
                // Long enough for the two responses to arrive on a loaded machine.
                try await client.stream(Echo.endless, timeout: .seconds(Watchdog.deadlineScale)) { responses in
                    for try await _ in responses { seen.withLock { $0 += 1 } }
                }
            }
            #expect(seen.withLock { $0 } == 2)
            #expect(error?.code == .timedOut)
            // The service's own deadline (the propagated one) and the client's cancel, sent
            // when its wait ended, race: either stops the handler, and is counted as such.
            try await waitUntil("the service stopped the handler") {
                total(metrics, "zmq_service_requests_total", result: "deadline_exceeded")
                    + total(metrics, "zmq_service_requests_total", result: "cancelled") == 1
            }
            #expect(total(metrics, "zmq_service_requests_total", result: "ok") == 1)
        }
    }

    @Test("a caller that sends no deadline and stops granting credit (gone, say) has its stream ended after streamCreditTimeout: stream-stalled after what its credit allowed, the handler stopped, counted")
    func stalledCaller() async throws {
        try await withDeadline {
            try await withContext { context in
                let metrics = TestMetrics()
                var configuration = RequestServiceConfiguration()
                configuration.metricsFactory = metrics
                configuration.streamCreditTimeout = .milliseconds(200)
                let production = Production()
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
                ) { _, _ in
                    Numbers(production: production)  // without end
                }
                try await withServices([service]) {
                    // A stream with credit 2 and no deadline, as a client in another language
                    // may open it, which then grants nothing more.
                    let dealer = try DealerSocket(context)
                    try await dealer.connect(service.boundEndpoints[0])
                    let body = Frame(try JSONEncoder().encode(Echo.endless))
                    let open = CallMetadata(stream: .open(credit: 2)).frame()
                    try await dealer.send(WireFormat.request(id: 5, metadata: open, body: [body]))
                    var received: [String] = []
                    for _ in 0..<3 {
                        switch WireFormat.parseReply(try await dealer.receive(timeout: .seconds(10))) {
                        case .streamItem(5, _):
                            received.append("item")
                        case .failure(5, let body):
                            received.append(try RemoteErrorJSON.decode(#require(body.first).bytes).code)
                        case let other:
                            received.append("\(other)")
                        }
                    }
                    #expect(received == ["item", "item", RemoteError.streamStalledCode])
                    try await waitUntil("the stream was forgotten") { service.streams.count == 0 }
                    #expect(total(metrics, "zmq_service_requests_total", result: "stalled") == 1)
                    // Two sent, a third taken from the sequence and held for credit; no more.
                    #expect(production.produced.load(ordering: .relaxed) == 3)
                    await dealer.close()
                }
            }
        }
    }

    @Test("a flood of opens that grant nothing more keeps at most maximumStreams open: the rest are refused with too-many-streams at once, counted; a stream that ends makes room")
    func streamLimit() async throws {
        try await withDeadline {
            try await withContext { context in
                let metrics = TestMetrics()
                var configuration = RequestServiceConfiguration()
                configuration.metricsFactory = metrics
                configuration.maximumStreams = 4
                let production = Production()
                let service = try await RequestService<Echo, Echo>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], configuration: configuration
                ) { request, _ in
                    Numbers(count: request.text == "endless" ? nil : request.index, production: production)
                }
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: service.boundEndpoints, configuration: RequestClientConfiguration(timeout: .seconds(60))
                )
                try await withServices([service, client]) {
                    // 40 endless streams with credit 1, as a caller that reads nothing more opens them.
                    let dealer = try DealerSocket(context)
                    try await dealer.connect(service.boundEndpoints[0])
                    let body = Frame(try JSONEncoder().encode(Echo.endless))
                    let open = CallMetadata(stream: .open(credit: 1)).frame()
                    for id in UInt64(1)...40 {
                        try await dealer.send(WireFormat.request(id: id, metadata: open, body: [body]))
                    }
                    var items = Set<UInt64>(), refused = Set<UInt64>(), other: [String] = []
                    for _ in 0..<40 {
                        switch WireFormat.parseReply(try await dealer.receive(timeout: .seconds(10))) {
                        case .streamItem(let id, _):
                            items.insert(id)
                        case .failure(let id, let body):
                            let code = try RemoteErrorJSON.decode(#require(body.first).bytes).code
                            if code == RemoteError.tooManyStreamsCode { refused.insert(id) } else { other.append(code) }
                        case let reply:
                            other.append("\(reply)")
                        }
                    }
                    #expect(items.count == 4 && refused.count == 36 && other.isEmpty, "\(other)")
                    #expect(items.isDisjoint(with: refused))
                    #expect(service.streams.count == 4)
                    #expect(total(metrics, "zmq_service_requests_total", result: "too_many_streams") == 36)
                    // A fifth caller is refused too, with the service's reason.
                    let error = await requestError {
                        try await client.stream(Echo(caller: 0, index: 3)) { responses in
                            for try await _ in responses {}
                        }
                    }
                    #expect(error?.code == .remote)
                    #expect(error?.remoteError?.code == RemoteError.tooManyStreamsCode)
                    // One of the four is cancelled: its place is free for the next stream.
                    let cancelled = try #require(items.first)
                    try await dealer.send(WireFormat.streamControl(id: cancelled, .cancel))
                    try await waitUntil("the cancelled stream was forgotten") { service.streams.count == 3 }
                    let indices = try await client.stream(Echo(caller: 0, index: 3)) { responses in
                        var indices: [Int] = []
                        for try await response in responses { indices.append(response.index) }
                        return indices
                    }
                    #expect(indices == [0, 1, 2])
                    // Credit beyond the connection's bound (default 4 096) is refused the same way.
                    let greedy = await requestError {
                        try await client.stream(Echo(caller: 0, index: 3), credit: 5_000) { responses in
                            for try await _ in responses {}
                        }
                    }
                    #expect(greedy?.remoteError?.code == RemoteError.tooManyStreamsCode)
                    #expect(greedy?.remoteError?.message.contains("4096") == true, "\(String(describing: greedy))")
                    await dealer.close()
                }
            }
        }
    }

    @Test("streams beyond the concurrency limit with slow readers all finish: a stream waiting for credit holds no slot")
    func moreStreamsThanSlots() async throws {
        try await Self.withStreamingService(count: 20, maximumConcurrentRequests: 2) { _, client, _, _ in
            try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await client.stream(Echo(caller: 0, index: 0), credit: 1) { responses in
                            var indices: [Int] = []
                            for try await response in responses { indices.append(response.index) }
                            return indices
                        }
                    }
                }
                for try await indices in group {
                    #expect(indices == Array(0..<20))
                }
            }
        }
    }

    @Test("a plain request to a streaming service gets stream-required; a stream to a plain service holds its one response")
    func mixedKinds() async throws {
        try await Self.withStreamingService(count: 3) { _, client, _, _ in
            let error = await requestError { try await client.request(Echo(caller: 0, index: 0)) }
            #expect(error?.code == .remote)
            #expect(error?.remoteError?.code == RemoteError.streamRequiredCode)
        }
        try await withDeadline {
            try await withContext { context in
                let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) { $0 }
                // A stream's timeout bounds all of it: the default 5 s is short for a loaded
                // machine under ThreadSanitizer.
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: service.boundEndpoints, configuration: RequestClientConfiguration(timeout: .seconds(60))
                )
                try await withServices([service, client]) {
                    let responses = try await client.stream(Echo(caller: 4, index: 2)) { responses in
                        try await responses.reduce(into: [Echo]()) { $0.append($1) }
                    }
                    #expect(responses == [Echo(caller: 4, index: 2)])
                }
            }
        }
    }

    @Test("a credit out of range is refused before anything is sent")
    func creditOutOfRange() async throws {
        try await Self.withStreamingService(count: 1) { _, client, _, _ in
            for credit in [0, -1, CallMetadata.maximumStreamCredit + 1] {
                let error = await requestError { try await client.stream(Echo(caller: 0, index: 0), credit: credit) { _ in } }
                #expect(error?.code == .unencodableRequest)
            }
        }
    }
}

extension Echo {
    /// A request for responses without end (``StreamingTests/Numbers``).
    static let endless = Echo(caller: 0, index: 0, text: "endless")
}
