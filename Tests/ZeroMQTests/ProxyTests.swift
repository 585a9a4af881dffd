import Testing
@testable import ZeroMQ

@Suite("Devices: Streamer, Forwarder and Queue on zmq_proxy_steerable", .timeLimit(.minutes(5)))
struct ProxyTests {
    @Test("Streamer moves every message in order; statistics count them; terminate ends run()")
    func streamer() async throws {
        try await withDeadline {
            let context = try makeContext()
            let frontend = try PullSocket(context)
            let frontendEndpoint = try await frontend.bind("tcp://127.0.0.1:*")
            let backend = try PushSocket(context)
            let backendEndpoint = try await backend.bind("tcp://127.0.0.1:*")
            let proxy = try Proxy.streamer(frontend: frontend, backend: backend)
            let running = Task { try await proxy.run() }

            let producer = try PushSocket(context)
            try await producer.connect(frontendEndpoint)
            let consumer = try PullSocket(context)
            try await consumer.connect(backendEndpoint)
            for index in 0..<1000 { try await producer.send(Message(frame(index))) }
            for index in 0..<1000 {
                #expect(number(try await consumer.receive(timeout: .seconds(5)).first) == index)
            }
            let statistics = try await proxy.statistics()
            #expect(statistics.frontend.messagesReceived == 1000)
            #expect(statistics.frontend.bytesReceived == 4000)
            #expect(statistics.backend.messagesSent == 1000)
            #expect(statistics.backend.bytesSent == 4000)
            #expect(statistics.frontend.messagesSent == 0)

            try await proxy.terminate()
            try await running.value
            // The sockets went to the proxy and were closed with it.
            let error = await #expect(throws: ZeroMQError.self) { try await backend.send("after") }
            #expect(error?.code == .socketClosed)
            #expect(error?.reason.contains("handed over") == true)
            await #expect(throws: ZeroMQError.self) { _ = try await proxy.statistics() }
            await #expect(throws: ZeroMQError.self) { try await proxy.run() }
            await context.shutdown()
        }
    }

    @Test("Forwarder passes subscriptions upstream and filtered messages downstream; cancellation ends run()")
    func forwarder() async throws {
        try await withDeadline {
            let context = try makeContext()
            let frontend = try XSubSocket(context)
            let frontendEndpoint = try await frontend.bind("tcp://127.0.0.1:*")
            let backend = try XPubSocket(context)
            let backendEndpoint = try await backend.bind("tcp://127.0.0.1:*")
            let proxy = try Proxy.forwarder(frontend: frontend, backend: backend)
            let running = Task { try await proxy.run() }

            let publisher = try PubSocket(context)
            try await publisher.connect(frontendEndpoint)
            let subscriber = try SubSocket(context)
            try await subscriber.connect(backendEndpoint)
            var updates = try await subscriber.subscribe(to: "1").makeAsyncIterator()
            // The subscription travels SUB → XPUB → proxy → XSUB → PUB: publish until it arrived.
            var round = 0
            while true {
                round += 1
                try await publisher.send("2-Update! >> #\(round)")
                try await publisher.send("1-Update! >> #\(round)")
                if (try? await subscriber.receive(timeout: .milliseconds(50))) != nil { break }
            }
            try await publisher.send("2-Update! >> last")
            try await publisher.send("1-Update! >> last")
            var received = try await updates.next()?.string
            while received != "1-Update! >> last" {
                #expect(received?.hasPrefix("1-") == true, "only the subscribed prefix passes: \(received ?? "nil")")
                received = try await updates.next()?.string
            }
            running.cancel()
            try await running.value
            await context.shutdown()
        }
    }

    @Test("Queue shares requests among servers and routes every reply to its client")
    func queue() async throws {
        try await withDeadline {
            let context = try makeContext()
            let frontend = try RouterSocket(context)
            let frontendEndpoint = try await frontend.bind("tcp://127.0.0.1:*")
            let backend = try DealerSocket(context)
            let backendEndpoint = try await backend.bind("tcp://127.0.0.1:*")
            let proxy = try Proxy.queue(frontend: frontend, backend: backend)
            let running = Task { try await proxy.run() }

            var servers: [Task<Void, any Error>] = []
            for name in ["A", "B"] {
                let server = try RepSocket(context)
                try await server.connect(backendEndpoint)
                servers.append(Task { try await server.serve { Message("\(name): Echo: " + ($0.string ?? "?")) } })
            }
            try await withThrowingTaskGroup(of: [String].self) { group in
                for client in 0..<4 {
                    let socket = try ReqSocket(context)
                    try await socket.connect(frontendEndpoint)
                    group.addTask {
                        var replies: [String] = []
                        for index in 0..<25 {
                            let reply = try await socket.request("c\(client) #\(index)", timeout: .seconds(5))
                            replies.append(reply.string ?? "?")
                        }
                        return replies
                    }
                }
                var servedBy: Set<String> = []
                var total = 0
                while let replies = try await group.next() {
                    for reply in replies {
                        let parts = reply.split(separator: ":", maxSplits: 1)
                        servedBy.insert(String(parts[0]))
                        #expect(parts[1].hasPrefix(" Echo: c"))
                        total += 1
                    }
                }
                #expect(total == 100)
                #expect(servedBy == ["A", "B"])
            }
            try await proxy.terminate()
            try await running.value
            await context.shutdown()
            for server in servers { try await server.value }
        }
    }

    @Test("pause holds messages until resume; a capture socket sees a copy of each")
    func pauseResumeAndCapture() async throws {
        try await withDeadline {
            let context = try makeContext()
            let frontend = try PullSocket(context)
            let frontendEndpoint = try await frontend.bind("inproc://pause-frontend")
            let backend = try PushSocket(context)
            let backendEndpoint = try await backend.bind("inproc://pause-backend")
            let capture = try PushSocket(context)
            let captureEndpoint = try await capture.bind("inproc://pause-capture")
            let proxy = try Proxy.streamer(frontend: frontend, backend: backend, capture: ProxyCapture(capture))
            let running = Task { try await proxy.run() }

            let producer = try PushSocket(context)
            try await producer.connect(frontendEndpoint)
            let consumer = try PullSocket(context)
            try await consumer.connect(backendEndpoint)
            let tap = try PullSocket(context)
            try await tap.connect(captureEndpoint)

            try await producer.send("before")
            #expect(try await consumer.receive(timeout: .seconds(5)).string == "before")
            try await proxy.pause()
            _ = try await proxy.statistics()  // answered after PAUSE was handled
            try await producer.send("while paused")
            await #expect(throws: ZeroMQError.self) { _ = try await consumer.receive(timeout: .milliseconds(200)) }
            try await proxy.resume()
            #expect(try await consumer.receive(timeout: .seconds(5)).string == "while paused")
            // libzmq 4.3 copies the control commands to the capture socket too, in the order the
            // proxy handled them.
            var tapped: [String] = []
            while tapped.last != "while paused" {
                tapped.append(try await tap.receive(timeout: .seconds(5)).string ?? "?")
            }
            #expect(tapped == ["before", "PAUSE", "STATISTICS", "RESUME", "while paused"])
            try await proxy.terminate()
            try await running.value
            await context.shutdown()
        }
    }

    @Test("sockets that cannot be handed over are refused, and stay usable")
    func refusedHandOver() async throws {
        try await withDeadline {
            let context = try makeContext()
            let frontend = try PullSocket(context)
            let endpoint = try await frontend.bind("inproc://refused")
            let backend = try PushSocket(context)
            try await backend.bind("inproc://refused-backend")
            let sameSocket = #expect(throws: ZeroMQError.self) { _ = try Proxy(frontend: frontend, backend: frontend) }
            #expect(sameSocket?.code == .invalidArgument)

            let proxy = try Proxy.streamer(frontend: frontend, backend: backend)
            let notRunning = await #expect(throws: ZeroMQError.self) { try await proxy.pause() }
            #expect(notRunning?.reason == "the proxy is not running")
            #expect(notRunning?.code == .invalidState)

            let waiting = Task { try await frontend.receive() }
            try await frontend.receivesWaiting(1)
            let refused = await #expect(throws: ZeroMQError.self) { try await proxy.run() }
            #expect(refused?.code == .invalidState)
            #expect(refused?.reason.contains("waiting") == true)

            let producer = try PushSocket(context)
            try await producer.connect(endpoint)
            try await producer.send("still mine")
            #expect(try await waiting.value.string == "still mine")
            await context.shutdown()
        }
    }

    @Test("a task cancelled before run() keeps its sockets; one cancelled while starting ends cleanly")
    func cancellation() async throws {
        try await withDeadline {
            let context = try makeContext()
            let frontend = try PullSocket(context)
            try await frontend.bind("inproc://cancel-frontend")
            let backend = try PushSocket(context)
            try await backend.bind("inproc://cancel-backend")
            let proxy = try Proxy.streamer(frontend: frontend, backend: backend)
            let cancelledFirst = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                try await proxy.run()
            }
            try await cancelledFirst.value
            #expect(await !frontend.isClosed)
            #expect(await !backend.isClosed)

            let again = try Proxy.streamer(frontend: frontend, backend: backend)
            let running = Task { try await again.run() }
            running.cancel()
            try await running.value
            await context.shutdown()
        }
    }

    @Test("a cancelled task can still read the statistics and terminate the proxy")
    func controlFromCancelledTask() async throws {
        try await withDeadline {
            let context = try makeContext()
            let frontend = try PullSocket(context)
            let endpoint = try await frontend.bind("inproc://shielded-frontend")
            let backend = try PushSocket(context)
            let backendEndpoint = try await backend.bind("inproc://shielded-backend")
            let proxy = try Proxy.streamer(frontend: frontend, backend: backend)
            let running = Task { try await proxy.run() }
            let producer = try PushSocket(context)
            try await producer.connect(endpoint)
            let consumer = try PullSocket(context)
            try await consumer.connect(backendEndpoint)
            try await producer.send("counted")
            #expect(try await consumer.receive(timeout: .seconds(5)).string == "counted")
            while (try? await proxy.statistics())?.frontend.messagesReceived != 1 {
                try await Task.sleep(for: .milliseconds(5))
            }
            let stopping = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                let statistics = try await proxy.statistics()
                try await proxy.terminate()
                return statistics
            }
            #expect(try await stopping.value.frontend.messagesReceived == 1)
            try await running.value
            await context.shutdown()
        }
    }

    @Test("with no consumer a Streamer leaves messages queued, and delivers them once one connects")
    func backpressure() async throws {
        try await withDeadline {
            let context = try makeContext()
            let frontend = try PullSocket(context)
            let frontendEndpoint = try await frontend.bind("inproc://backpressure-frontend")
            let backend = try PushSocket(context)
            let backendEndpoint = try await backend.bind("inproc://backpressure-backend")
            let proxy = try Proxy.streamer(frontend: frontend, backend: backend)
            let running = Task { try await proxy.run() }
            let producer = try PushSocket(context)
            try await producer.connect(frontendEndpoint)
            for index in 0..<10 { try await producer.send(Message(frame(index))) }
            try await producer.handedToLibzmq()
            // Nothing can show that a message is *not* taken; a window in which the proxy could
            // have taken them, had it wrongly read its frontend, has to do.
            try await Task.sleep(for: .milliseconds(100))
            let waiting = try await proxy.statistics()
            #expect(waiting.frontend.messagesReceived == 0)
            #expect(waiting.backend.messagesSent == 0)

            let consumer = try PullSocket(context)
            try await consumer.connect(backendEndpoint)
            for index in 0..<10 {
                #expect(number(try await consumer.receive(timeout: .seconds(5)).first) == index)
            }
            try await proxy.terminate()
            try await running.value
            await context.shutdown()
        }
    }

    @Test("context shutdown ends a running proxy")
    func shutdownEndsProxy() async throws {
        try await withDeadline {
            let context = try makeContext()
            let frontend = try RouterSocket(context)
            try await frontend.bind("tcp://127.0.0.1:*")
            let backend = try DealerSocket(context)
            try await backend.bind("tcp://127.0.0.1:*")
            let proxy = try Proxy.queue(frontend: frontend, backend: backend)
            let running = Task { try await proxy.run() }
            while (try? await proxy.statistics()) == nil { try await Task.sleep(for: .milliseconds(10)) }
            await context.shutdown()
            try await running.value
        }
    }
}
