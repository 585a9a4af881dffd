import Testing
@testable import ZeroMQ

@Suite("Pattern helpers: request/reply, publish/subscribe, routing envelopes", .timeLimit(.minutes(5)))
struct PatternTests {
    @Test("request(_:) round-trips against a serve loop", arguments: Transport.allCases)
    func requestAndServe(transport: Transport) async throws {
        try await withDeadline {
            let context = try makeContext()
            let server = try RepSocket(context)
            let endpoint = try await server.bind(transport.endpoint())
            // The server prefers its loop, so a round trip makes one hop through the cooperative
            // pool, not two: under ThreadSanitizer, with the whole suite on 2 cores, each hop can
            // wait a long time (50 round trips on three transports at once once took over 30 s).
            let serving = Task(executorPreference: server.loop.taskExecutor) {
                try await server.serve { Message("Echo: " + ($0.string ?? "?")) }
            }
            let client = try ReqSocket(context)
            try await client.connect(endpoint)
            for index in 0..<20 {
                let reply = try await client.request("hello \(index)", timeout: .seconds(5))
                #expect(reply.string == "Echo: hello \(index)")
            }
            await server.close()
            try await serving.value  // serve returns once the socket is closed
            await context.shutdown()
        }
    }

    @Test("after a timed-out request the REQ socket works, and the late reply is never returned")
    func lazyPirateDropsLateReplies() async throws {
        try await withDeadline {
            let context = try makeContext()
            let server = try RepSocket(context)
            let endpoint = try await server.bind("tcp://127.0.0.1:*")
            let client = try ReqSocket(context)
            try await client.connect(endpoint)

            // The server holds the first two requests past the client's timeouts.
            let timedOut = await #expect(throws: ZeroMQError.self) {
                _ = try await client.request("first", timeout: .milliseconds(100))
            }
            #expect(timedOut?.code == .timedOut)
            #expect(timedOut?.operation == "request")
            await #expect(throws: ZeroMQError.self) {
                _ = try await client.request("first again", timeout: .milliseconds(1))
            }
            // Now answer everything the server got, oldest first: the late replies come first.
            let second = Task { try await client.request("second", timeout: .seconds(5)) }
            var seen: [String] = []
            for _ in 0..<3 {
                let request = try await server.receive(timeout: .seconds(5))
                seen.append(request.string ?? "?")
                try await server.send("reply to " + (request.string ?? "?"))
            }
            #expect(seen == ["first", "first again", "second"])
            #expect(try await second.value.string == "reply to second")
            await context.shutdown()
        }
    }

    @Test("Lazy Pirate: the server dies, requests time out, a new server on the same port answers")
    func serverRestart() async throws {
        try await withDeadline {
            let context = try makeContext()
            let first = try RepSocket(context)
            let endpoint = try await first.bind("tcp://127.0.0.1:*")
            let firstServing = Task { try await first.serve { Message("first: " + ($0.string ?? "?")) } }
            let client = try ReqSocket(context)
            try await client.connect(endpoint)
            #expect(try await client.request("a", timeout: testTimeout(.seconds(5))).string == "first: a")

            await first.close()
            try await firstServing.value
            for attempt in 1...2 {
                let lost = await #expect(throws: ZeroMQError.self) {
                    _ = try await client.request("lost \(attempt)", timeout: .milliseconds(200))
                }
                #expect(lost?.code == .timedOut)
            }

            let second = try RepSocket(context)
            try await second.bind(endpoint)
            let secondServing = Task { try await second.serve { Message("second: " + ($0.string ?? "?")) } }
            // Requests queued for the dead server may reach the new one; their late replies are
            // dropped, and the next request gets its own reply.
            #expect(try await client.request("b", timeout: testTimeout(.seconds(5))).string == "second: b")
            #expect(try await client.request("c", timeout: testTimeout(.seconds(5))).string == "second: c")
            await second.close()
            try await secondServing.value
            await context.shutdown()
        }
    }

    @Test("a cancelled request leaves the REQ socket usable")
    func cancelledRequest() async throws {
        try await withDeadline {
            let context = try makeContext()
            let server = try RepSocket(context)
            let endpoint = try await server.bind("inproc://cancelled-request")
            let client = try ReqSocket(context)
            try await client.connect(endpoint)
            let abandoned = Task { try await client.request("abandoned") }
            let first = try await server.receive(timeout: .seconds(5))
            #expect(first.string == "abandoned")
            abandoned.cancel()
            await #expect(throws: CancellationError.self) { _ = try await abandoned.value }
            try await server.send("too late")
            let next = Task { try await client.request("next", timeout: .seconds(5)) }
            let request = try await server.receive(timeout: .seconds(5))
            try await server.send("reply to " + (request.string ?? "?"))
            #expect(try await next.value.string == "reply to next")
            await context.shutdown()
        }
    }

    @Test("requests sequence: reply per request; taking the next one early is refused clearly")
    func requestSequence() async throws {
        try await withDeadline {
            let context = try makeContext()
            let server = try RepSocket(context)
            let endpoint = try await server.bind("inproc://request-sequence")
            let client = try ReqSocket(context)
            try await client.connect(endpoint)
            let replies = Task {
                var replies: [String] = []
                for word in ["a", "b", "c"] {
                    replies.append(try await client.request(word, timeout: .seconds(5)).string ?? "?")
                }
                return replies
            }
            var iterator = server.requests.makeAsyncIterator()
            for _ in 0..<3 {
                let request = try #require(try await iterator.next())
                try await request.reply((request.message.string ?? "?").uppercased())
            }
            #expect(try await replies.value == ["A", "B", "C"])

            let waiting = Task { try await client.request("d", timeout: .seconds(5)) }
            _ = try #require(try await iterator.next())
            let early = await #expect(throws: ZeroMQError.self) { _ = try await iterator.next() }
            #expect(early?.errnoName == "EFSM")
            #expect(early?.description.contains("reply to the previous request") == true)
            await server.close()
            waiting.cancel()
            _ = try? await waiting.value
            await context.shutdown()
        }
    }

    @Test("subscribe(to:) returns the matching messages; unsubscribe stops them")
    func subscribeSequence() async throws {
        try await withDeadline {
            let context = try makeContext()
            let publisher = try PubSocket(context)
            let endpoint = try await publisher.bind("inproc://subscribe-sequence")
            let subscriber = try SubSocket(context)
            try await subscriber.connect(endpoint)
            let updates = try await subscriber.subscribe(to: "1")
            // inproc subscriptions reach the publisher as soon as the SUB connects; still, wait
            // until one message gets through before counting.
            var iterator = updates.makeAsyncIterator()
            try await publisher.send("1-ready")
            #expect(try await iterator.next()?.string == "1-ready")
            for id in 1...10 {
                try await publisher.send("1-Update! #\(id)")
                try await publisher.send("2-Update! #\(id)")
            }
            for id in 1...10 {
                #expect(try await iterator.next()?.string == "1-Update! #\(id)")
            }
            try await subscriber.unsubscribe(from: "1")
            try await subscriber.subscribe(to: "2")
            // A subscription reaches the publisher asynchronously: probe until "2" gets through.
            var probe = 0
            while true {
                probe += 1
                try await publisher.send("2-probe \(probe)")
                if let message = try? await subscriber.receive(timeout: .milliseconds(50)) {
                    #expect(message.string?.hasPrefix("2-probe") == true)
                    break
                }
            }
            try await publisher.send("1-after")
            try await publisher.send("2-end")
            var next = try await iterator.next()?.string
            while next?.hasPrefix("2-probe") == true { next = try await iterator.next()?.string }
            #expect(next == "2-end")
            await context.shutdown()
        }
    }

    @Test("XPUB surfaces subscriptions; XSUB subscribes by message", arguments: [Transport.inproc, .tcp])
    func extendedPublishSubscribe(transport: Transport) async throws {
        try await withDeadline {
            let context = try makeContext()
            let publisher = try XPubSocket(context)
            try await publisher.setOption(.xpubVerboser, to: true)
            let endpoint = try await publisher.bind(transport.endpoint())
            let subscriber = try XSubSocket(context)
            try await subscriber.connect(endpoint)
            var subscriptions = publisher.subscriptions.makeAsyncIterator()

            let messages = try await subscriber.subscribe(to: "weather")
            let subscribed = try #require(try await subscriptions.next())
            #expect(subscribed.isSubscribe)
            #expect(subscribed.topicString == "weather")
            #expect(subscribed.description == "+weather")

            try await publisher.send("sports: 1-0")
            try await publisher.send("weather: sunny")
            var iterator = messages.makeAsyncIterator()
            #expect(try await iterator.next()?.string == "weather: sunny")

            try await subscriber.unsubscribe(from: "weather")
            let unsubscribed = try #require(try await subscriptions.next())
            #expect(!unsubscribed.isSubscribe)
            #expect(unsubscribed.topic == Array("weather".utf8))
            #expect(SubscriptionMessage(Message("not a subscription")) == nil)
            await context.shutdown()
        }
    }

    @Test("PUSH/PULL fan-out and fan-in: every task once, each sender's in order", arguments: [Transport.ipc, .tcp])
    func fanOutFanIn(transport: Transport) async throws {
        try await withDeadline {
            let context = try makeContext()
            // Fan-out: one ventilator, three workers; fan-in: the workers push to one sink.
            let ventilator = try PushSocket(context)
            let tasks = try await ventilator.bind(transport.endpoint())
            let sink = try PullSocket(context)
            let results = try await sink.bind(transport.endpoint())
            var workers: [Task<Void, any Error>] = []
            for worker in 0..<3 {
                let input = try PullSocket(context)
                try await input.connect(tasks)
                let output = try PushSocket(context)
                try await output.connect(results)
                workers.append(Task {
                    for try await task in input.messages {
                        try await output.send(Message(frames: [frame(worker), task[0]]))
                    }
                })
            }
            let count = 300
            for index in 0..<count { try await ventilator.send(Message(frame(index))) }
            var seen: [Int: [Int]] = [:]
            for _ in 0..<count {
                let result = try await sink.receive(timeout: .seconds(5))
                seen[number(result[0]) ?? -1, default: []].append(number(result[1]) ?? -1)
            }
            #expect(seen.values.flatMap { $0 }.sorted() == Array(0..<count))
            #expect(seen.keys.sorted() == [0, 1, 2], "every worker got tasks: \(seen.mapValues(\.count))")
            for tasksOfWorker in seen.values { #expect(tasksOfWorker == tasksOfWorker.sorted()) }
            await context.shutdown()
            for worker in workers { try await worker.value }
        }
    }

    @Test("ROUTER replies through the envelope to REQ (delimited) and DEALER (not) peers")
    func routerEnvelopes() async throws {
        try await withDeadline {
            let context = try makeContext()
            let router = try RouterSocket(context)
            let endpoint = try await router.bind("tcp://127.0.0.1:*")
            let requester = try ReqSocket(context)
            try await requester.connect(endpoint)
            let dealer = try DealerSocket(context)
            try await dealer.setOption(.routingID, to: Array("dealer-1".utf8))
            try await dealer.connect(endpoint)

            let reply = Task { try await requester.request("from req", timeout: .seconds(5)) }
            let fromRequester = try await router.receiveRouted(timeout: .seconds(5))
            // request(_:) turns on ZMQ_REQ_CORRELATE: a request id travels in the envelope too.
            #expect(fromRequester.envelope.isDelimited)
            #expect(fromRequester.envelope.routingIDs.count == 2)
            #expect(fromRequester.body.string == "from req")
            try await router.send("Echo: from req", to: fromRequester.envelope)
            #expect(try await reply.value.string == "Echo: from req")

            try await dealer.send(Message(frames: ["from dealer", "part 2"]))
            let fromDealer = try await router.receiveRouted(timeout: .seconds(5))
            #expect(!fromDealer.envelope.isDelimited)
            #expect(fromDealer.envelope.peer == RoutingID("dealer-1"))
            #expect(fromDealer.envelope.peer?.description == "6465616c65722d31")
            #expect(fromDealer.body == Message(frames: ["from dealer", "part 2"]))
            try await router.send("back", to: fromDealer.envelope)
            #expect(try await dealer.receive(timeout: .seconds(5)).string == "back")

            await context.shutdown()
        }
    }
}
