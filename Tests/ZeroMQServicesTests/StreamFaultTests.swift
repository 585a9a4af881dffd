import MetricsTestKit
import Testing
import ZeroMQ
@testable import ZeroMQServices

/// Server streams under faults. A stream whose connection drops fails soon with
/// `connectionLost` instead of waiting out its timeout, and what the service sent before it hung
/// up is still read. Credit the client cannot send at once (its queue to the service full) is
/// sent later, not dropped.
@Suite("Server streaming under faults: a dropped connection, a full queue", .timeLimit(.minutes(2)))
struct StreamFaultTests {
    /// What the reader of one stream got: the items' indices, and how the stream ended.
    struct Reading: Sendable {
        var indices: [Int]
        var error: RequestError?
    }

    /// A client (with metrics) of a fake streaming service: a ROUTER that answers the first
    /// request opening a stream with `items` items and, when `ends`, the stream's end, then
    /// closes its socket (sending what it queued first), which drops the connection. The
    /// stream's timeout is 60 s: far beyond what the test waits for.
    static func readStream(from items: Int, thenEnds ends: Bool, metrics: TestMetrics) async throws -> Reading {
        try await withContext { context in
            let router = try RouterSocket(context)
            let endpoint = try await router.bind("tcp://127.0.0.1:*")
            var configuration = RequestClientConfiguration(timeout: .seconds(60))
            configuration.metricsFactory = metrics
            let client = try await RequestClient<Echo, Echo>(context, connectingTo: [endpoint], configuration: configuration)
            let service = Task {
                let message = try await router.receive()
                guard let request = WireFormat.parseRequest(message), case .open? = request.stream else {
                    Issue.record("the client's first message opens no stream")
                    await router.close()
                    return
                }
                for index in 0..<items {
                    let body = try JSONCodec<Echo>().encode(Echo(caller: 0, index: index))
                    try await router.send(WireFormat.streamItem(to: request, body: body))
                }
                if ends { try await router.send(WireFormat.streamEnd(to: request)) }
                await router.close()
            }
            return try await withServices([client]) {
                var reading = Reading(indices: [])
                do {
                    try await client.stream(Echo(caller: 0, index: 0), credit: 8) { responses in
                        for try await response in responses { reading.indices.append(response.index) }
                    }
                } catch let error as RequestError {
                    reading.error = error
                }
                try await service.value
                return reading
            }
        }
    }

    @Test("a stream whose service hangs up fails with connectionLost after the items sent before, long before its timeout; counted")
    func serviceHangsUp() async throws {
        try await withDeadline {
            let metrics = TestMetrics()
            let started = ContinuousClock.now
            let reading = try await Self.readStream(from: 2, thenEnds: false, metrics: metrics)
            #expect(reading.indices == [0, 1])
            #expect(reading.error?.code == .connectionLost, "got \(String(describing: reading.error))")
            #expect(reading.error?.requestID != nil && reading.error?.endpoint != nil)
            // The stream's own timeout is 60 s; the loss is seen within its grace of a second.
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(total(metrics, "zmq_client_requests_total", result: "connection_lost") == 1)
        }
    }

    @Test("a stream the service ended just before it hung up ends as the service ended it: every item, no error", arguments: [0, 1, 5])
    func endedBeforeHangingUp(items: Int) async throws {
        try await withDeadline {
            // The hang-up comes right after the end; the monitor may report it before the
            // reader has read what came first. Several rounds, to meet that order.
            for round in 1...5 {
                let metrics = TestMetrics()
                let reading = try await Self.readStream(from: items, thenEnds: true, metrics: metrics)
                #expect(reading.indices == Array(0..<items), "round \(round)")
                #expect(reading.error == nil, "round \(round): \(String(describing: reading.error))")
                #expect(total(metrics, "zmq_client_requests_total", result: "ok") == 1, "round \(round)")
            }
        }
    }

    @Test("credit the client cannot send at once, its queue to the service being full, is sent when there is room: the stream goes on")
    func creditWhileQueueFull() async throws {
        try await withDeadline {
            try await withContext { context in
                let router = try RouterSocket(context)
                let endpoint = try await router.bind("tcp://127.0.0.1:*")
                let client = try await RequestClient<Echo, Echo>(
                    context, connectingTo: [endpoint], configuration: RequestClientConfiguration(timeout: .seconds(60))
                )
                let (draining, drain) = AsyncStream.makeStream(of: Void.self)
                // The fake service: 2 items for the stream's credit of 2, then nothing read until
                // the test says so; then it reads what the client queued meanwhile until a credit
                // comes, and sends the rest.
                let service = Task { () -> Int in
                    let message = try await router.receive()
                    guard let request = WireFormat.parseRequest(message), case .open(let credit)? = request.stream else {
                        Issue.record("the client's first message opens no stream")
                        return 0
                    }
                    #expect(credit == 2)
                    let codec = JSONCodec<Echo>()
                    for index in 0..<2 {
                        try await router.send(WireFormat.streamItem(to: request, body: codec.encode(Echo(caller: 0, index: index))))
                    }
                    for await _ in draining { break }
                    var skipped = 0
                    while true {
                        let next = try await router.receive(timeout: .seconds(20))
                        if let control = WireFormat.parseRequest(next), case .credit? = control.stream { break }
                        skipped += 1
                    }
                    for index in 2..<4 {
                        try await router.send(WireFormat.streamItem(to: request, body: codec.encode(Echo(caller: 0, index: index))))
                    }
                    try await router.send(WireFormat.streamEnd(to: request))
                    return skipped
                }
                let indices = try await withServices([client]) {
                    try await client.stream(Echo(caller: 0, index: 0), credit: 2) { responses in
                        // Fill the client's queue to the service (which reads nothing now):
                        // 16 KiB messages until libzmq, the kernel's buffers and the socket's
                        // write-behind take no more.
                        let filler = Message(frames: [Frame([UInt8](repeating: 0, count: 16_384))])
                        var queued = 0
                        while true {
                            do {
                                try await client.sockets[0].send(filler, timeout: .zero)
                                queued += 1
                            } catch let error as ZeroMQError where error.code == .timedOut {
                                break
                            }
                        }
                        #expect(queued > 0)
                        // Reading the two items grants credit, which cannot go now.
                        var iterator = responses.makeAsyncIterator()
                        var indices: [Int] = []
                        for _ in 0..<2 {
                            if let response = try await iterator.next() { indices.append(response.index) }
                        }
                        drain.yield()
                        while let response = try await iterator.next() { indices.append(response.index) }
                        return indices
                    }
                }
                #expect(indices == [0, 1, 2, 3])
                let skipped = try await service.value
                #expect(skipped > 0, "the credit came before what filled the queue: the test did not fill it")
                await router.close()
            }
        }
    }

    @Test("a caller that reads nothing until its stream's whole credit was sent loses nothing, though the credit (4 000 × 16 KiB) is beyond libzmq's default high-water mark of 1 000")
    func creditBeyondDefaultHighWaterMark() async throws {
        try await withDeadline(120) {
            try await withContext { context in
                let frame = Frame([UInt8](repeating: 0x2A, count: 16_384))
                let count = 4_000
                let service = try await RequestService<[Frame], [Frame]>(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], requestDecoder: PassthroughCodec(),
                    responseEncoder: PassthroughCodec()
                ) { (_: [Frame], _: RequestContext) in
                    Copies(element: [frame], count: count)
                }
                try await withServices([service]) {
                    let dealer = try DealerSocket(context)
                    try await dealer.connect(service.boundEndpoints[0])
                    let open = CallMetadata(stream: .open(credit: count)).frame()
                    try await dealer.send(WireFormat.request(id: 7, metadata: open, body: [Frame([0])]))
                    // Everything sent (the stream is forgotten once its end is handed to libzmq)
                    // before anything is read: the kernel's buffers and the two sockets' queues
                    // hold it all.
                    try await waitUntil("the service opened the stream") { service.streams.count == 1 }
                    // 64 MiB through libzmq: seconds under ThreadSanitizer on a loaded machine.
                    try await waitUntil("the service sent the whole stream", timeout: .seconds(60)) { service.streams.count == 0 }
                    var items = 0, ended = false
                    while !ended {
                        let message: Message
                        do {
                            message = try await dealer.receive(timeout: .seconds(10))
                        } catch let error as ZeroMQError where error.code == .timedOut {
                            Issue.record("nothing more after \(items) items and no end: the rest was dropped")
                            break
                        }
                        switch WireFormat.parseReply(message) {
                        case .streamItem(7, let body) where body.first?.count == 16_384: items += 1
                        case .streamEnd(7): ended = true
                        case let other: Issue.record("unexpected: \(other)"); ended = true
                        }
                    }
                    #expect(items == count)
                    await dealer.close()
                }
            }
        }
    }
}

/// `count` copies of `element`, as a streaming handler's responses.
private struct Copies<Element: Sendable>: AsyncSequence, Sendable {
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
