import Foundation
import Testing
import ZeroMQ
import ZeroMQServices

extension Interop {
    /// The reconnect matrix: a Swift socket in this process, its peer a separate process killed
    /// with SIGKILL mid-stream and started again on the same port. Every message is numbered
    /// (Tests/PythonPeers/reconnect_peer.py), so what was sent, delivered and lost is counted
    /// exactly and checked against what libzmq promises:
    ///
    /// - A connecting socket keeps its pipe while the connection is down (`ZMQ_IMMEDIATE` off,
    ///   the default): what is queued there goes out on the new connection, in order. What the
    ///   dead connection had already taken from the pipe (in its encoder, the kernel's buffers,
    ///   the dead process's queues) is lost: one contiguous run of numbers, never a duplicate.
    /// - A SUB socket sends its subscriptions again on every new connection.
    /// - A bound PUB drops what it publishes while no subscriber is connected (the dead one's pipe
    ///   went with its connection); an XPUB hears `-topic` when the last subscriber leaves.
    /// - REQ never resends: the request the dead server held is lost, `request(timeout:)` times
    ///   out (Lazy Pirate), and the next request goes through.
    ///
    /// Each test checks that traffic resumes with no call of ours, that every wait is bounded,
    /// and that the monitor saw connected, handshake, disconnected, connect retried, connected,
    /// handshake. Each prints one table row: sent, delivered, lost, and the recovery time (from
    /// starting the new peer process to the first message delivered after it).
    @Suite("Reconnect after the peer process is killed", .timeLimit(.minutes(2)))
    struct Reconnect {
        /// How many messages each phase waits for before and after the kill.
        static let phase = 100

        @Test("PUSH → PULL: the PULL process dies; what the dead connection held is lost, the rest arrives in order")
        func pushPull() async throws {
            try await withPeers { peers in
                let first = try peers.python("reconnect_peer.py", ["--role", "pull", "--endpoint", anyLoopbackPort])
                let endpoint = try await first.endpoint()
                try await Context.withContext { context in
                    let push = try PushSocket(context)
                    let log = try await EventLog(push)
                    try await push.connect(endpoint)
                    let stream = PacedSender(counting: log.sent) {
                        try await push.send(Message("\($0)"), timeout: .seconds(5))
                    }

                    try await waitUntil("the first PULL got \(Self.phase) messages", timeout: .seconds(20)) {
                        numbers(first, "got ").count >= Self.phase
                    }
                    let restart = try await crashAndRestart(first, peers, ["--role", "pull"], endpoint: endpoint)
                    try await waitUntil("the new PULL got a message", timeout: .seconds(20)) {
                        !numbers(restart.peer, "got ").isEmpty
                    }
                    let firstDelivery = ContinuousClock.now  // seen within the 5 ms of a poll
                    try await waitUntil("the new PULL got \(Self.phase) messages", timeout: .seconds(20)) {
                        numbers(restart.peer, "got ").count >= Self.phase
                    }
                    let lastSent = try await stream.stop()
                    try await waitUntil("the new PULL got message \(lastSent)") {
                        numbers(restart.peer, "got ").last == lastSent
                    }

                    let before = numbers(first, "got ")
                    let after = numbers(restart.peer, "got ")
                    let account = try Account(before: before, after: after, lastSent: lastSent)
                    // What was queued after the disconnect was seen waited in the pipe: not lost.
                    let sentAtDisconnect = try log.sentWhenDisconnected()
                    #expect(
                        account.firstAfter <= sentAtDisconnect + 1,
                        "message \(sentAtDisconnect + 1) was sent after the disconnect was reported and still lost")
                    try await log.expectReconnectSequence(endpoint: endpoint)
                    report(
                        "PUSH → PULL", account: account,
                        recovery: restart.started.duration(to: firstDelivery),
                        handshake: log.reconnected.map(restart.started.duration(to:)),
                        note: "\(log.sentWhileDown) sent while no peer was there waited in the pipe and were delivered"
                    )
                    await push.close()
                }
            }
        }

        @Test(
            "SUB ← PUB: the publisher dies; the subscription is sent again and updates resume, none lost after it arrives"
        )
        func pubSub() async throws {
            try await withPeers { peers in
                let first = try peers.python(
                    "reconnect_peer.py", ["--role", "xpub", "--run", "1", "--endpoint", anyLoopbackPort])
                let endpoint = try await first.endpoint()
                try await Context.withContext { context in
                    let sub = try SubSocket(context)
                    let log = try await EventLog(sub)
                    _ = try await sub.subscribe(to: "A")
                    try await sub.connect(endpoint)
                    let received = Received<Tick>()
                    let receiver = Task {
                        while !Task.isCancelled {
                            let message = try await sub.receive(timeout: .seconds(20))
                            let topic = message.frameCount == 2 ? message[0].string : nil
                            let tick = try JSONDecoder().decode(
                                Tick.self, from: Data(message[message.frameCount - 1].bytes))
                            received.append(tick, topic: topic ?? "<not two frames>")
                        }
                    }
                    defer { receiver.cancel() }

                    try await waitUntil("\(Self.phase) updates of run 1", timeout: .seconds(20)) {
                        received.values.filter { $0.run == 1 }.count >= Self.phase
                    }
                    let restart = try await crashAndRestart(
                        first, peers, ["--role", "xpub", "--run", "2"], endpoint: endpoint)
                    // The subscription reaches the new publisher with no call of ours.
                    _ = try await restart.peer.line(startingWith: "subscribed A", on: .stdout)
                    try await waitUntil("\(Self.phase) updates of run 2", timeout: .seconds(20)) {
                        received.values.filter { $0.run == 2 }.count >= Self.phase
                    }
                    receiver.cancel()
                    _ = await receiver.result
                    let sentByFirst = numbers(first, "sent ").last ?? 0
                    let sentBySecond = numbers(restart.peer, "sent ")

                    #expect(
                        received.topics.allSatisfy { $0 == "A" },
                        "topic B or a malformed message arrived: \(Set(received.topics))")
                    let fromFirst = received.values.filter { $0.run == 1 }.map(\.sequence)
                    let fromSecond = received.values.filter { $0.run == 2 }.map(\.sequence)
                    let firstIndexOfSecond = received.values.firstIndex { $0.run == 2 } ?? 0
                    #expect(received.values[firstIndexOfSecond...].allSatisfy { $0.run == 2 }, "run 1 after run 2")
                    // Run 1: a prefix of what it sent; run 2 published only after the
                    // subscription came, so everything up to what we read is there, in order.
                    #expect(isOneToN(fromFirst), "run 1 updates out of order or with a gap")
                    #expect(isOneToN(fromSecond), "run 2 updates out of order or with a gap")
                    #expect(sentBySecond.count >= fromSecond.count)
                    try await log.expectReconnectSequence(endpoint: endpoint)
                    let lost = sentByFirst - fromFirst.count
                    let firstOfSecond = received.instants[firstIndexOfSecond]
                    report(
                        "SUB ← PUB (publisher killed)",
                        sent: sentByFirst + fromSecond.count, delivered: fromFirst.count + fromSecond.count, lost: lost,
                        recovery: restart.started.duration(to: firstOfSecond),
                        handshake: log.reconnected.map(restart.started.duration(to:)),
                        note:
                            "lost: run 1's last updates, dead with its process; run 2 lost 0 (publishes after the re-sent subscription)"
                    )
                    await sub.close()
                }
            }
        }

        @Test(
            "PUB → SUB: the subscriber process dies; what is published while no one subscribes is lost, all after the new subscription arrives"
        )
        func subscriberKilled() async throws {
            try await withPeers { peers in
                try await Context.withContext { context in
                    let xpub = try XPubSocket(context)
                    let log = try await EventLog(xpub)
                    let endpoint = try await xpub.bind(anyLoopbackPort)
                    // Each subscription message with the count published when it was read.
                    let subscriptions = Locked<[(subscription: SubscriptionMessage, sent: Int)]>([])
                    let counter = log.sent
                    let watcher = Task {
                        for try await subscription in xpub.subscriptions {
                            subscriptions.withLock { $0.append((subscription, counter.withLock { $0 })) }
                        }
                    }
                    defer { watcher.cancel() }
                    let first = try peers.python("reconnect_peer.py", ["--role", "sub", "--endpoint", endpoint])
                    try await waitUntil("the first subscription", timeout: .seconds(20)) {
                        subscriptions.withLock { $0.count } >= 1
                    }
                    let stream = PacedSender(counting: log.sent) {
                        try await xpub.send(Message("A \($0)"), timeout: .seconds(5))
                    }
                    try await waitUntil("the first SUB got \(Self.phase) updates", timeout: .seconds(20)) {
                        numbers(first, "got ").count >= Self.phase
                    }
                    first.crash()
                    try await first.exited()
                    try await waitUntil("the monitor's disconnect") { log.hasSeen(.disconnected) }
                    // Published from now on with no subscriber at all: lost by design.
                    let sentAtRestart = log.sent.withLock { $0 }
                    let started = ContinuousClock.now
                    let second = try peers.python("reconnect_peer.py", ["--role", "sub", "--endpoint", endpoint])
                    try await waitUntil("the new SUB got an update", timeout: .seconds(20)) {
                        !numbers(second, "got ").isEmpty
                    }
                    let firstDelivery = ContinuousClock.now  // seen within the 5 ms of a poll
                    try await waitUntil("the new SUB got \(Self.phase) updates", timeout: .seconds(20)) {
                        numbers(second, "got ").count >= Self.phase
                    }
                    let lastSent = try await stream.stop()
                    try await waitUntil("the new SUB got update \(lastSent)") {
                        numbers(second, "got ").last == lastSent
                    }
                    watcher.cancel()

                    let account = try Account(
                        before: numbers(first, "got "), after: numbers(second, "got "), lastSent: lastSent)
                    let seen = subscriptions.withLock { $0 }
                    // libzmq tells the XPUB that the last subscriber of A left, then the new one came.
                    #expect(seen.map(\.subscription.description) == ["+A", "-A", "+A"], "\(seen)")
                    let sentAtNewSubscription = seen.count == 3 ? seen[2].sent : 0
                    #expect(
                        account.firstAfter > sentAtRestart,
                        "update \(account.firstAfter) came, published before the new subscriber started")
                    #expect(
                        account.firstAfter <= sentAtNewSubscription + 1,
                        "update \(sentAtNewSubscription + 1) was published after the subscription came and lost")
                    try await log.expectAcceptedAgain()
                    report(
                        "PUB → SUB (subscriber killed)", account: account,
                        recovery: started.duration(to: firstDelivery),
                        handshake: log.reconnected.map(started.duration(to:)),
                        note:
                            "lost: the updates published between the kill and the new subscription; all published after it delivered"
                    )
                    await xpub.close()
                }
            }
        }

        @Test("REQ → REP: the server dies holding a request; it times out (Lazy Pirate), the next ones are answered")
        func reqRep() async throws {
            try await withPeers { peers in
                let held = Self.phase
                let first = try peers.python(
                    "reconnect_peer.py", ["--role", "rep", "--hold", "\(held)", "--endpoint", anyLoopbackPort])
                let endpoint = try await first.endpoint()
                try await Context.withContext { context in
                    let req = try ReqSocket(context)
                    let log = try await EventLog(req)
                    try await req.connect(endpoint)
                    let outcomes = Locked<
                        [(number: Int, answered: Bool, started: ContinuousClock.Instant, at: ContinuousClock.Instant)]
                    >([])
                    let stop = Locked(false)
                    let client = Task {
                        var number = 0
                        while !stop.withLock({ $0 }) {
                            number += 1
                            let started = ContinuousClock.now
                            do {
                                let reply = try await req.request("\(number)", timeout: .seconds(2))
                                #expect(reply.string == "\(number)", "reply to \(number): \(reply.string ?? "?")")
                                outcomes.withLock { $0.append((number, true, started, .now)) }
                            } catch let error as ZeroMQError where error.code == .timedOut {
                                outcomes.withLock { $0.append((number, false, started, .now)) }
                            }
                        }
                    }
                    _ = try await first.line(startingWith: "holding \(held)", on: .stdout, timeout: .seconds(20))
                    let restart = try await crashAndRestart(first, peers, ["--role", "rep"], endpoint: endpoint)
                    try await waitUntil("\(Self.phase) answers after the restart", timeout: .seconds(20)) {
                        outcomes.withLock { $0.filter { $0.number > held && $0.answered }.count } >= Self.phase
                    }
                    stop.withLock { $0 = true }
                    try await client.value
                    let all = outcomes.withLock { $0 }
                    let unanswered = all.filter { !$0.answered }
                    // The held request times out; so may those that waited in the pipe longer
                    // than the timeout because the new server took that long to start.
                    let reconnected = log.reconnected ?? .now
                    #expect(unanswered.first?.number == held, "the held request should time out")
                    #expect(
                        unanswered.dropFirst().allSatisfy { $0.started.advanced(by: .seconds(2)) < reconnected },
                        "a request timed out that had its server: \(unanswered.map(\.number))")
                    #expect(isOneToN(all.map(\.number)))
                    // REQ never sends a request twice: the held one died with its server.
                    #expect(!numbers(restart.peer, "got ").contains(held), "the held request reached the new server")
                    try await log.expectReconnectSequence(endpoint: endpoint)
                    let firstAfter = all.first { $0.number > held && $0.answered }?.at ?? .now
                    report(
                        "REQ → REP (server killed holding a request)",
                        sent: all.count, delivered: all.count - unanswered.count, lost: unanswered.count,
                        recovery: restart.started.duration(to: firstAfter),
                        handshake: log.reconnected.map(restart.started.duration(to:)),
                        note:
                            "timed out: \(unanswered.map(\.number)) (the held one, 2 s; then the socket went on: REQ_RELAXED + REQ_CORRELATE)"
                    )
                    await req.close()
                }
            }
        }

        @Test("DEALER → ROUTER: the router dies; replies resume in order, the lost ones are one contiguous run")
        func dealerRouter() async throws {
            try await echoStream(role: "router", pattern: "DEALER → ROUTER (echo)") { context in
                let dealer = try DealerSocket(context)
                return EchoSocket(
                    socket: dealer,
                    send: { try await dealer.send(Message("\($0)"), timeout: .seconds(5)) },
                    receive: { try await dealer.receive(timeout: .seconds(20)) },
                    close: { await dealer.close() })
            }
        }

        @Test("PAIR → PAIR: the bound PAIR dies; the connecting PAIR reconnects and the echoes resume in order")
        func pair() async throws {
            try await echoStream(role: "pair", pattern: "PAIR → PAIR (echo)") { context in
                let pair = try PairSocket(context)
                return EchoSocket(
                    socket: pair,
                    send: { try await pair.send(Message("\($0)"), timeout: .seconds(5)) },
                    receive: { try await pair.receive(timeout: .seconds(20)) },
                    close: { await pair.close() })
            }
        }

        /// A socket that sends numbers to an echoing peer and receives them back.
        struct EchoSocket: Sendable {
            var monitor: @Sendable () async throws -> SocketMonitor
            var connect: @Sendable (String) async throws -> Void
            var send: @Sendable (Int) async throws -> Void
            var receive: @Sendable () async throws -> Message
            var close: @Sendable () async -> Void

            init<Role: SendingRole & ReceivingRole>(
                socket: Socket<Role>,
                send: @escaping @Sendable (Int) async throws -> Void,
                receive: @escaping @Sendable () async throws -> Message,
                close: @escaping @Sendable () async -> Void
            ) {
                self.monitor = { try await socket.monitor() }
                self.connect = { try await socket.connect($0) }
                self.send = send
                self.receive = receive
                self.close = close
            }
        }

        /// The DEALER and PAIR cases: numbers sent every 5 ms, echoed by the peer process.
        func echoStream(role: String, pattern: String, _ makeSocket: @Sendable (Context) async throws -> EchoSocket)
            async throws
        {
            try await withPeers { peers in
                let first = try peers.python("reconnect_peer.py", ["--role", role, "--endpoint", anyLoopbackPort])
                let endpoint = try await first.endpoint()
                try await Context.withContext { context in
                    let socket = try await makeSocket(context)
                    let log = EventLog(try await socket.monitor())
                    try await socket.connect(endpoint)
                    let echoes = Received<Int>()
                    let receiver = Task {
                        while !Task.isCancelled {
                            let message = try await socket.receive()
                            echoes.append(Int(message.string ?? "") ?? -1, topic: "")
                        }
                    }
                    defer { receiver.cancel() }
                    let stream = PacedSender(counting: log.sent) { try await socket.send($0) }

                    try await waitUntil("\(Self.phase) echoes", timeout: .seconds(20)) {
                        echoes.values.count >= Self.phase
                    }
                    let restart = try await crashAndRestart(first, peers, ["--role", role], endpoint: endpoint)
                    let echoedByFirst = numbers(first, "got ")
                    try await waitUntil("\(Self.phase) echoes from the new peer", timeout: .seconds(20)) {
                        numbers(restart.peer, "got ").count >= Self.phase
                            && echoes.values.count >= echoedByFirst.count + Self.phase / 2
                    }
                    let lastSent = try await stream.stop()
                    try await waitUntil("the echo of \(lastSent)") { echoes.values.last == lastSent }
                    receiver.cancel()
                    _ = await receiver.result

                    // Requests that reached each peer, and the echoes that came back.
                    let account = try Account(
                        before: echoedByFirst, after: numbers(restart.peer, "got "), lastSent: lastSent)
                    let replies = echoes.values
                    let gaps = zip(replies, replies.dropFirst()).filter { pair in pair.1 != pair.0 + 1 }
                    #expect(replies.first == 1 && replies.last == lastSent)
                    #expect(
                        gaps.count <= 1 && gaps.allSatisfy { gap in gap.1 > gap.0 },
                        "echoes out of order, duplicated or with more than one gap: \(gaps)")
                    let lostReplies = echoedByFirst.filter { !Set(replies).contains($0) }.count
                    let sentAtDisconnect = try log.sentWhenDisconnected()
                    #expect(
                        account.firstAfter <= sentAtDisconnect + 1,
                        "message \(sentAtDisconnect + 1) was sent after the disconnect was reported and still lost")
                    try await log.expectReconnectSequence(endpoint: endpoint)
                    let firstEcho = echoes.instants[replies.firstIndex { $0 >= account.firstAfter } ?? 0]
                    report(
                        pattern, sent: lastSent, delivered: replies.count, lost: lastSent - replies.count,
                        recovery: restart.started.duration(to: firstEcho),
                        handshake: log.reconnected.map(restart.started.duration(to:)),
                        note:
                            "\(account.lost) requests lost on the way in, \(lostReplies) echoes lost on the way back; \(log.sentWhileDown) sent while no peer was there waited in the pipe and were delivered"
                    )
                    await socket.close()
                }
            }
        }

        @Test(
            "RequestClient ↔ TypedCalculator: the service dies; calls fail clearly (timedOut once, then unreachable), retried idempotent calls succeed, all work after the restart"
        )
        func typedClient() async throws {
            try await withPeers { peers in
                let arguments = ["--serve", "--delay", "0.2"]
                let first = try peers.swift("TypedCalculator", arguments + ["--endpoint", anyLoopbackPort])
                let endpoint = try await first.endpoint()
                try await Context.withContext { context in
                    // Not idempotent: a timed-out call is not sent again; a call that never left is.
                    let plain = try await RequestClient<Sum, Value>(
                        context, connectingTo: [endpoint],
                        configuration: RequestClientConfiguration(
                            timeout: .seconds(1),
                            retryPolicy: .exponentialBackoff(maximumAttempts: 3, initialBackoff: .milliseconds(50))))
                    // Idempotent, with enough retries to outlast the outage.
                    let retrying = try await RequestClient<Sum, Value>(
                        context, connectingTo: [endpoint],
                        configuration: RequestClientConfiguration(
                            timeout: .seconds(1),
                            retryPolicy: .exponentialBackoff(
                                maximumAttempts: 40, initialBackoff: .milliseconds(100),
                                maximumBackoff: .milliseconds(200))))
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await plain.run() }
                        group.addTask { try await retrying.run() }
                        let plainCalls = CallLog()
                        let retryingCalls = CallLog()
                        let stop = Locked(false)
                        let callers = [
                            Task {
                                try await plainCalls.call(until: stop, offset: 0) {
                                    (sum: Sum) async throws(RequestError) -> Value in
                                    try await plain.request(sum, idempotent: false)
                                }
                            },
                            Task {
                                try await retryingCalls.call(until: stop, offset: 1_000_000) {
                                    (sum: Sum) async throws(RequestError) -> Value in
                                    try await retrying.request(sum, idempotent: true)
                                }
                            },
                        ]

                        // Kill the service while a calculation is in its 200 ms handler.
                        // (The plain client's numbers are below 1 000 000.)
                        try await waitUntil("10 calculations", timeout: .seconds(20)) { calculating(first) >= 10 }
                        let seen = calculating(first, below: 1_000_000)
                        try await waitUntil("a plain call's calculation that just started") {
                            calculating(first, below: 1_000_000) > seen
                        }
                        first.crash()
                        try await first.exited()
                        // Keep it down until a plain call has failed as unreachable.
                        try await waitUntil("an unreachable call", timeout: .seconds(20)) {
                            plainCalls.errors.contains { $0.code == .unreachable }
                        }
                        let started = ContinuousClock.now
                        let second = try peers.swift("TypedCalculator", arguments + ["--endpoint", endpoint])
                        #expect(try await second.endpoint() == endpoint)
                        try await waitUntil("20 answers to each client after the restart", timeout: .seconds(20)) {
                            plainCalls.answered(after: started) >= 20 && retryingCalls.answered(after: started) >= 20
                        }
                        stop.withLock { $0 = true }
                        for caller in callers { try await caller.value }
                        plain.beginGracefulShutdown()
                        retrying.beginGracefulShutdown()
                        try await group.waitForAll()

                        let plainErrors = plainCalls.errors
                        #expect(
                            retryingCalls.errors.isEmpty,
                            "idempotent calls with retries failed: \(retryingCalls.errors)")
                        #expect(
                            plainErrors.allSatisfy { $0.code == .timedOut || $0.code == .unreachable }, "\(plainErrors)"
                        )
                        let timedOut = plainErrors.filter { $0.code == .timedOut }
                        let unreachable = plainErrors.filter { $0.code == .unreachable }
                        #expect(
                            timedOut.count == 1 && timedOut.allSatisfy { $0.attempts == 1 },
                            "the call in the dead handler: \(timedOut)")
                        #expect(!unreachable.isEmpty && unreachable.allSatisfy { $0.attempts == 3 }, "\(unreachable)")
                        #expect(plainCalls.failuresAreOneRun, "failed calls are not one run between answers")
                        let recovery = started.duration(to: plainCalls.firstAnswer(after: started) ?? .now)
                        report(
                            "RequestClient → RequestService (TypedCalculator killed)",
                            sent: plainCalls.count + retryingCalls.count,
                            delivered: plainCalls.count - plainErrors.count + retryingCalls.count,
                            lost: plainErrors.count,
                            recovery: recovery, handshake: nil,
                            note:
                                "not idempotent: \(timedOut.count) timed out (in the dead handler, not retried), \(unreachable.count) unreachable after 3 attempts; idempotent with retries: \(retryingCalls.count) calls all answered, longest \(millisecondsIn(retryingCalls.longest)) ms"
                        )
                    }
                }
            }
        }

        @Test("EventSubscriber ← publisher process: the publisher dies; typed events resume with no call of ours")
        func eventSubscriber() async throws {
            try await withPeers { peers in
                let first = try peers.python(
                    "reconnect_peer.py", ["--role", "xpub", "--run", "1", "--endpoint", anyLoopbackPort])
                let endpoint = try await first.endpoint()
                try await Context.withContext { context in
                    let subscriber = try await EventSubscriber<Tick>(
                        context, endpoints: [.connect(endpoint)], topics: ["A"])
                    let received = Received<Tick>()
                    let reader = Task {
                        for try await tick in subscriber.events {
                            received.append(tick, topic: "A")
                        }
                    }
                    try await waitUntil("\(Self.phase) events of run 1", timeout: .seconds(20)) {
                        received.values.filter { $0.run == 1 }.count >= Self.phase
                    }
                    let restart = try await crashAndRestart(
                        first, peers, ["--role", "xpub", "--run", "2"], endpoint: endpoint)
                    _ = try await restart.peer.line(startingWith: "subscribed A", on: .stdout)
                    try await waitUntil("\(Self.phase) events of run 2", timeout: .seconds(20)) {
                        received.values.filter { $0.run == 2 }.count >= Self.phase
                    }
                    await subscriber.close()
                    _ = await reader.result
                    let fromFirst = received.values.filter { $0.run == 1 }.map(\.sequence)
                    let fromSecond = received.values.filter { $0.run == 2 }.map(\.sequence)
                    #expect(isOneToN(fromFirst))
                    #expect(isOneToN(fromSecond))
                    let sentByFirst = numbers(first, "sent ").last ?? 0
                    let index = received.values.firstIndex { $0.run == 2 } ?? 0
                    report(
                        "EventSubscriber ← publisher (killed)",
                        sent: sentByFirst + fromSecond.count, delivered: fromFirst.count + fromSecond.count,
                        lost: sentByFirst - fromFirst.count,
                        recovery: restart.started.duration(to: received.instants[index]), handshake: nil,
                        note: "as SUB ← PUB: the subscriber's socket sent its topic again, run 2 lost 0"
                    )
                }
            }
        }

        @Test(
            "EventSubscriber ← WeatherServer: the Swift publisher process dies; typed updates resume from the new one")
        func weatherServerRestarted() async throws {
            try await withPeers { peers in
                // One zipcode, an update every 5 ms: every update is for the subscriber.
                let arguments = ["--zipcodes", "1", "--interval", "0.005"]
                let first = try peers.swift("WeatherServer", arguments + ["--endpoint", anyLoopbackPort])
                let endpoint = try await first.endpoint()
                try await Context.withContext { context in
                    let subscriber = try await EventSubscriber<WeatherUpdate>(
                        context, endpoints: [.connect(endpoint)], topics: ["10000"])
                    let received = Received<WeatherUpdate>()
                    let reader = Task {
                        for try await update in subscriber.events {
                            received.append(update, topic: update.zipcode)
                        }
                    }
                    try await waitUntil("\(Self.phase) updates", timeout: .seconds(20)) {
                        received.values.count >= Self.phase
                    }
                    first.crash()
                    try await first.exited()
                    let before = received.values.count
                    let started = ContinuousClock.now
                    let second = try peers.swift("WeatherServer", arguments + ["--endpoint", endpoint])
                    #expect(try await second.endpoint() == endpoint)
                    try await waitUntil("\(Self.phase) updates from the new server", timeout: .seconds(20)) {
                        received.instants.filter { $0 > started }.count >= Self.phase
                    }
                    await subscriber.close()
                    _ = await reader.result
                    let updates = received.values
                    #expect(
                        updates.allSatisfy {
                            $0.zipcode == "10000" && (-80...134).contains($0.temperature)
                                && (10...59).contains($0.relativeHumidity)
                        }, "an update that WeatherServer cannot have sent")
                    let firstAfter = received.instants.first { $0 > started } ?? .now
                    print(
                        "| EventSubscriber ← WeatherServer (Swift, killed) | not counted | \(before) before, \(updates.count - before) after | not counted | \(millisecondsIn(started.duration(to: firstAfter))) ms | WeatherServer does not number its updates |"
                    )
                }
            }
        }
    }
}

// MARK: - Support

/// The numbered update of reconnect_peer.py's xpub role.
fileprivate struct Tick: Codable, Sendable {
    var run: Int
    var sequence: Int
}

/// WeatherServer's update, by its JSON form.
fileprivate struct WeatherUpdate: Codable, Sendable {
    var zipcode: String
    var temperature: Int
    var relativeHumidity: Int
}

/// TypedCalculator's request (an addition) and answer, by their JSON form.
fileprivate struct Sum: Codable, Sendable {
    var operation = "+"
    var lhs: Double
    var rhs: Double = 0
}

/// TypedCalculator's answer.
fileprivate struct Value: Codable, Sendable {
    var value: Double
}

/// The numbers on the lines of `child`'s stdout that start with `prefix`.
fileprivate func numbers(_ child: Child, _ prefix: String) -> [Int] {
    child.standardOutput.compactMap { $0.hasPrefix(prefix) ? Int($0.dropFirst(prefix.count)) : nil }
}

/// How many calculations TypedCalculator (with `--delay`) has started: its `calculating` lines.
fileprivate func calculating(_ child: Child, below limit: Int = .max) -> Int {
    child.standardError.filter { line in
        guard line.hasPrefix("calculating "),
            let lhs = line.dropFirst("calculating ".count).split(separator: " ").first.flatMap({ Int($0) })
        else { return false }
        return lhs < limit
    }.count
}

fileprivate func millisecondsIn(_ duration: Duration) -> Int {
    Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
}

/// Whether `numbers` is 1, 2, 3, ... with no gap (empty included).
fileprivate func isOneToN(_ numbers: [Int]) -> Bool {
    numbers.enumerated().allSatisfy { $0.element == $0.offset + 1 }
}

/// A restarted peer and when it was started.
fileprivate struct Restart {
    var peer: Child
    var started: ContinuousClock.Instant
}

/// SIGKILLs `child`, waits for its end, and starts reconnect_peer.py again with `arguments` on
/// the same `endpoint`.
fileprivate func crashAndRestart(_ child: Child, _ peers: Peers, _ arguments: [String], endpoint: String) async throws
    -> Restart
{
    child.crash()
    let exit = try await child.exited()
    guard exit == Child.Exit(status: SIGKILL, bySignal: true) else {
        throw HarnessError("\(child.name) ended with \(exit) before it was killed")
    }
    let started = ContinuousClock.now
    let peer = try peers.python("reconnect_peer.py", arguments + ["--endpoint", endpoint])
    let again = try await peer.endpoint()
    guard again == endpoint else { throw HarnessError("the restarted peer listens on \(again), not \(endpoint)") }
    return Restart(peer: peer, started: started)
}

/// What one peer process got before the kill and the next one after it.
fileprivate struct Account {
    /// The first number the new peer got.
    var firstAfter: Int
    /// Numbers neither peer got.
    var lost: Int
    var delivered: Int
    var sent: Int

    /// Checks that `before` is 1, 2, ... with no gap, `after` is contiguous up to `lastSent`, and
    /// nothing came twice.
    init(before: [Int], after: [Int], lastSent: Int) throws {
        guard isOneToN(before) else {
            throw HarnessError("the first peer got a gap or disorder: \(before.prefix(20))...")
        }
        guard let firstAfter = after.first, after == Array(firstAfter...lastSent) else {
            throw HarnessError(
                "the new peer got a gap or disorder, or did not end at \(lastSent): \(after.prefix(20))...")
        }
        guard firstAfter > before.count else {
            throw HarnessError("duplicates: the new peer got \(firstAfter), the first got up to \(before.count)")
        }
        self.firstAfter = firstAfter
        self.lost = firstAfter - before.count - 1
        self.delivered = before.count + after.count
        self.sent = lastSent
    }
}

/// Sends 1, 2, 3, ... every 5 ms until stopped, counting what `send` accepted.
fileprivate final class PacedSender: Sendable {
    private let sent: Locked<Int>
    private let stopped: Locked<Bool>
    private let task: Task<Void, any Error>

    /// Starts sending; `counter` gets the last number `send` accepted.
    init(counting counter: Locked<Int>, _ send: @escaping @Sendable (Int) async throws -> Void) {
        let sent = counter, stopped = Locked(false)
        self.sent = sent
        self.stopped = stopped
        task = Task {
            var number = 0
            while !stopped.withLock({ $0 }) {
                number += 1
                try await send(number)
                sent.withLock { $0 = number }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// Stops sending and returns the last number sent; throws what a send threw.
    func stop() async throws -> Int {
        stopped.withLock { $0 = true }
        try await task.value
        return sent.withLock { $0 }
    }
}

/// Values received by a task, with the instant each came.
fileprivate final class Received<Element: Sendable>: Sendable {
    private let state = Locked<(values: [Element], topics: [String], instants: [ContinuousClock.Instant])>(([], [], []))

    func append(_ value: Element, topic: String) {
        state.withLock {
            $0.values.append(value)
            $0.topics.append(topic)
            $0.instants.append(.now)
        }
    }

    var values: [Element] { state.withLock { $0.values } }
    var topics: [String] { state.withLock { $0.topics } }
    var instants: [ContinuousClock.Instant] { state.withLock { $0.instants } }
}

/// A socket's monitor events, recorded as they come, each with the count of a ``PacedSender``
/// at the moment it was read.
fileprivate final class EventLog: Sendable {
    private let events = Locked<[(event: SocketEvent, at: ContinuousClock.Instant, sent: Int)]>([])
    /// The count of messages sent, shared with the ``PacedSender``.
    let sent = Locked(0)
    private let monitor: SocketMonitor
    private let task: Task<Void, any Error>

    convenience init<Role>(_ socket: Socket<Role>) async throws {
        self.init(try await socket.monitor())
    }

    init(_ monitor: SocketMonitor) {
        self.monitor = monitor
        let events = self.events, sent = self.sent
        task = Task {
            for try await event in monitor.events {
                events.withLock { $0.append((event, .now, sent.withLock { $0 })) }
            }
        }
    }

    deinit {
        monitor.close()
    }

    /// The kinds that make the sequence checked; the others (connect delayed, closed, ...) vary.
    static let milestones: [SocketEvent.Kinds] = [.connected, .handshakeSucceeded, .disconnected]

    /// When the second handshake was seen.
    var reconnected: ContinuousClock.Instant? {
        events.withLock { $0.filter { $0.event.kind == .handshakeSucceeded }.dropFirst().first?.at }
    }

    /// How many messages were sent between the disconnect and the second handshake (as read
    /// from the monitor): they waited in the pipe while no peer was there.
    var sentWhileDown: Int {
        events.withLock { events in
            let down = events.first { $0.event.kind == .disconnected }?.sent ?? 0
            let up = events.filter { $0.event.kind == .handshakeSucceeded }.dropFirst().first?.sent ?? down
            return up - down
        }
    }

    /// How many messages had been sent when the disconnect was read from the monitor: every
    /// later one was queued after the connection was gone, in the pipe libzmq keeps for the
    /// next connection.
    func sentWhenDisconnected() throws -> Int {
        guard let sent = events.withLock({ $0.first { $0.event.kind == .disconnected }?.sent }) else {
            throw HarnessError("the monitor reported no disconnect")
        }
        return sent
    }

    /// Whether the monitor has reported an event of `kind`.
    func hasSeen(_ kind: SocketEvent.Kinds) -> Bool {
        events.withLock { $0.contains { $0.event.kind == kind } }
    }

    /// For a socket that binds: waits (bounded) for accepted, handshake, disconnected,
    /// accepted, handshake.
    func expectAcceptedAgain() async throws {
        try await waitUntil("the monitor's second handshake", timeout: .seconds(5)) { reconnected != nil }
        let all = events.withLock { $0.map(\.event) }
        let text = all.map(\.description).joined(separator: ", ")
        let milestones = all.filter { [.accepted, .handshakeSucceeded, .disconnected].contains($0.kind) }
        #expect(
            milestones.map(\.kind) == [.accepted, .handshakeSucceeded, .disconnected, .accepted, .handshakeSucceeded],
            "\(text)")
        print("monitor: \(text)")
        monitor.close()
        _ = await task.result
    }

    /// Waits (bounded) for connected, handshake, disconnected, connected, handshake on
    /// `endpoint`, with a connect retried between the disconnect and the second connect.
    func expectReconnectSequence(endpoint: String) async throws {
        try await waitUntil("the monitor's second handshake", timeout: .seconds(5)) { reconnected != nil }
        let all = events.withLock { $0.map(\.event) }
        let milestones = all.filter { event in Self.milestones.contains(event.kind) }
        let text = all.map(\.description).joined(separator: ", ")
        #expect(
            milestones.map(\.kind) == [
                .connected, .handshakeSucceeded, .disconnected, .connected, .handshakeSucceeded,
            ], "\(text)")
        #expect(milestones.allSatisfy { $0.endpoint == endpoint }, "\(text)")
        if let down = all.firstIndex(where: { $0.kind == .disconnected }),
            let up = all[down...].firstIndex(where: { $0.kind == .connected })
        {
            #expect(
                all[down..<up].contains { $0.kind == .connectRetried },
                "no connect retried between disconnect and reconnect: \(text)")
        }
        print("monitor: \(text)")
        monitor.close()
        _ = await task.result
    }
}

/// The calls of one typed client: answers and errors in order, with their instants.
fileprivate final class CallLog: Sendable {
    private struct Call {
        var error: RequestError?
        var started: ContinuousClock.Instant
        var ended: ContinuousClock.Instant
    }

    private let calls = Locked<[Call]>([])

    /// Calls `request` with 1, 2, 3, ... (plus `offset`) one after another until `stop`, checks
    /// each answer, records each outcome.
    func call(until stop: Locked<Bool>, offset: Int, _ request: @Sendable (Sum) async throws(RequestError) -> Value)
        async throws
    {
        var number = offset
        while !stop.withLock({ $0 }) {
            number += 1
            let started = ContinuousClock.now
            var failure: RequestError?
            do {
                let answer = try await request(Sum(lhs: Double(number)))
                #expect(answer.value == Double(number), "the answer to \(number) + 0 is \(answer.value)")
            } catch {
                failure = error
            }
            calls.withLock { $0.append(Call(error: failure, started: started, ended: .now)) }
        }
    }

    var count: Int { calls.withLock { $0.count } }
    var errors: [RequestError] { calls.withLock { $0.compactMap(\.error) } }
    var longest: Duration { calls.withLock { $0.map { $0.started.duration(to: $0.ended) }.max() ?? .zero } }

    func answered(after instant: ContinuousClock.Instant) -> Int {
        calls.withLock { $0.filter { $0.error == nil && $0.started > instant }.count }
    }

    func firstAnswer(after instant: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        calls.withLock { $0.first { $0.error == nil && $0.ended > instant }?.ended }
    }

    /// Whether the failed calls come in one run: answers, failures, answers.
    var failuresAreOneRun: Bool {
        let failed = calls.withLock { $0.map { $0.error != nil } }
        let changes = zip(failed, failed.dropFirst()).filter { pair in pair.0 != pair.1 }.count
        return changes <= 2 && failed.first == false && failed.last == false
    }
}

/// Prints one row of the reconnect table.
fileprivate func report(_ pattern: String, account: Account, recovery: Duration, handshake: Duration?, note: String) {
    report(
        pattern, sent: account.sent, delivered: account.delivered, lost: account.lost, recovery: recovery,
        handshake: handshake,
        note: note)
}

/// Prints one row of the reconnect table: `recovery` runs from starting the new peer process to
/// the first message delivered after it, `handshake` to the new connection's handshake (as the
/// monitor reported it), when known.
fileprivate func report(
    _ pattern: String, sent: Int, delivered: Int, lost: Int, recovery: Duration, handshake: Duration?, note: String
) {
    #expect(sent == delivered + lost, "\(pattern): sent \(sent) != delivered \(delivered) + lost \(lost)")
    let reconnect = handshake.map { " (handshake \(millisecondsIn($0)) ms)" } ?? ""
    print("| \(pattern) | \(sent) | \(delivered) | \(lost) | \(millisecondsIn(recovery)) ms\(reconnect) | \(note) |")
}
