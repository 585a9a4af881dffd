import Foundation
import Testing

@testable import ZeroMQ
@testable import ZeroMQServices

/// How many calls started and returned (or threw), per call site.
private final class CallTally: Sendable {
    private let counts = Locked<[String: (started: Int, finished: Int)]>([:])
    private let lastReturns = Locked<[String: ContinuousClock.Instant]>([:])

    /// Runs `body`, counting it as started before and finished after, however it ends.
    nonisolated(nonsending) func count<T>(_ site: String, _ body: () async throws -> T) async throws -> T {
        counts.withLock { $0[site, default: (0, 0)].started += 1 }
        defer {
            counts.withLock { $0[site, default: (0, 0)].finished += 1 }
            lastReturns.withLock { $0[site] = .now }
        }
        return try await body()
    }

    /// When the last call at each site returned.
    var lastReturn: [String: ContinuousClock.Instant] { lastReturns.withLock { $0 } }

    var snapshot: [String: (started: Int, finished: Int)] { counts.withLock { $0 } }

    func started(_ site: String) -> Int { counts.withLock { $0[site]?.started ?? 0 } }
}

extension SocketCore {
    /// How many sends and receives wait on the loop for this socket (read on its loop).
    fileprivate func waiters() async -> Int {
        await loop.submit { self.confined.senders.count + self.confined.receivers.count }
    }
}

/// A sequence number as a 4-byte big-endian frame.
private func sequenceFrame(_ value: Int) -> Frame {
    let v = UInt32(truncatingIfNeeded: value)
    return Frame([UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)])
}

/// Decodes a frame made by `sequenceFrame(_:)`.
private func sequenceNumber(_ frame: Frame?) -> Int? {
    guard let bytes = frame?.bytes, bytes.count == 4 else { return nil }
    return bytes.reduce(0) { $0 << 8 | Int($1) }
}

/// Runs `body` in a task of its own and waits at most `limit` for it; false (the task left
/// running) when it did not finish: a hang becomes a failure instead of a stuck test.
private func finishes(within limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
    let (outcomes, continuation) = AsyncStream.makeStream(of: Bool.self)
    let work = Task {
        await body()
        continuation.yield(true)
    }
    let timer = Task {
        try? await Task.sleep(for: limit)
        continuation.yield(false)
    }
    var iterator = outcomes.makeAsyncIterator()
    let finished = await iterator.next() ?? false
    timer.cancel()
    if !finished { work.cancel() }
    continuation.finish()
    return finished
}

/// Whether `error` is how a call ends when its socket is closed under it.
private func isClosing(_ error: any Error) -> Bool {
    if let error = error as? ZeroMQError { return error.code == .socketClosed || error.code == .contextTerminated }
    return false
}

@Suite("Shutdown under load: every pending call returns exactly once, within the linger cap", .serialized, .timeLimit(.minutes(10)))
struct ShutdownUnderLoadTests {
    @Test(
        "4 loops, 220 sockets, live traffic, blocked sends and receives, a service mid-handler, 5 concurrent shutdown() calls"
    )
    func shutdownUnderLoad() async throws {
        try await withDeadline(120) {
            let lingerCap: Duration = .milliseconds(500)
            var configuration = ContextConfiguration()
            configuration.pollLoops = 4
            configuration.shutdownLinger = lingerCap
            let context = try Context(configuration: configuration)
            let tally = CallTally()
            let testStart = ContinuousClock.now
            let directory = FileManager.default.temporaryDirectory.path + "/zmq-shutdown-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }

            var cores: [SocketCore] = []
            let workers = Locked<[Task<Void, Never>]>([])
            func spawn(_ body: @escaping @Sendable () async throws -> Void) {
                let task = Task {
                    do { try await body() } catch let error where isClosing(error) { _ = error } catch {
                        Issue.record("a call failed with \(error), not because its socket closed")
                    }
                }
                workers.withLock { $0.append(task) }
            }

            // 1. Live traffic: 60 PUSH/PULL pairs over inproc, ipc and tcp, sending as fast as they can.
            let pairs = 60
            let delivered = Locked<[[Int]]>(Array(repeating: [], count: pairs))
            let sentCounts = Locked<[Int]>(Array(repeating: 0, count: pairs))
            for index in 0..<pairs {
                let pull = try PullSocket(context), push = try PushSocket(context)
                let endpoint =
                    switch index % 3 {
                    case 0: "inproc://shutdown-\(index)-\(UUID().uuidString)"
                    case 1: "ipc://\(directory)/\(index).sock"
                    default: "tcp://127.0.0.1:*"
                    }
                try await push.connect(try await pull.bind(endpoint))
                cores += [pull.core, push.core]
                spawn {
                    var sequence = 0
                    while true {
                        try await tally.count("traffic.send") { try await push.send(Message(sequenceFrame(sequence))) }
                        sentCounts.withLock { $0[index] += 1 }
                        sequence += 1
                        if sequence % 16 == 0 { try await Task.sleep(for: .milliseconds(1)) }  // live, not flat out
                    }
                }
                spawn {
                    while true {
                        let message = try await tally.count("traffic.receive") { try await pull.receive() }
                        delivered.withLock { $0[index].append(sequenceNumber(message.first) ?? -1) }
                    }
                }
            }
            // 2. Receives that wait: 30 PULLs nobody sends to, two receivers each.
            for _ in 0..<30 {
                let pull = try PullSocket(context)
                _ = try await pull.bind("tcp://127.0.0.1:*")
                cores.append(pull.core)
                for _ in 0..<2 { spawn { _ = try await tally.count("idle.receive") { try await pull.receive() } } }
            }
            // 3. Sends that wait: 20 PUSHes with HWM 1 to PULLs nobody reads, four senders each.
            for _ in 0..<20 {
                let pull = try PullSocket(context), push = try PushSocket(context)
                try await pull.setOption(.receiveHighWaterMark, to: 1)
                try await push.setOption(.sendHighWaterMark, to: 1)
                try await push.connect(try await pull.bind("tcp://127.0.0.1:*"))
                cores += [pull.core, push.core]
                for sender in 0..<4 {
                    spawn {
                        for sequence in 0... {
                            try await tally.count("blocked.send") {
                                try await push.send(Message(sequenceFrame(sender * 1000 + sequence)))
                            }
                        }
                    }
                }
            }
            // 4. Requests in flight: 10 REQ/REP pairs in lockstep, one REQ waiting on a REP that never answers.
            for _ in 0..<10 {
                let rep = try RepSocket(context), req = try ReqSocket(context)
                try await req.connect(try await rep.bind("tcp://127.0.0.1:*"))
                cores += [rep.core, req.core]
                spawn { try await tally.count("rep.serve") { try await rep.serve { $0 } } }
                spawn {
                    while true {
                        _ = try await tally.count("req.request") {
                            try await req.request("ping", timeout: .seconds(60))
                        }
                    }
                }
            }
            let silentRep = try RepSocket(context), waitingReq = try ReqSocket(context)
            try await waitingReq.connect(try await silentRep.bind("tcp://127.0.0.1:*"))
            spawn {
                _ = try await tally.count("req.unanswered") {
                    try await waitingReq.request("anyone?", timeout: .seconds(60))
                }
            }
            // 5. Messages for a peer that never comes: zmq_ctx_term waits for them up to the linger cap.
            for _ in 0..<5 {
                let push = try PushSocket(context)
                try await push.connect("tcp://127.0.0.1:1")  // nothing listens on port 1
                for sequence in 0..<10 { try await push.send(Message(sequenceFrame(sequence))) }
            }
            // 6. A typed service with 8 requests suspended in its handler, and the client waiting for them.
            let gate = Gate()
            let service = try await RequestService<Echo, Echo>(context, endpoints: [.bind("tcp://127.0.0.1:*")]) {
                request in
                await gate.wait()
                return request
            }
            let client = try await RequestClient<Echo, Echo>(
                context, connectingTo: service.boundEndpoints,
                configuration: RequestClientConfiguration(timeout: .seconds(5))
            )
            let serviceRun = Task { try await tally.count("service.run") { try await service.run() } }
            let clientRun = Task { try await tally.count("client.run") { try await client.run() } }

            // Wait until the rest is under way.
            let setUp = ContinuousClock.now - testStart
            while delivered.withLock({ $0.contains(where: \.isEmpty) }) { try await Task.sleep(for: .milliseconds(2)) }
            while tally.started("req.request") < 20 { try await Task.sleep(for: .milliseconds(2)) }
            let trafficFlowing = ContinuousClock.now - testStart
            let waiting = await withTaskGroup(of: Int.self) { group in
                for core in cores { group.addTask { await core.waiters() } }
                return await group.reduce(0, +)
            }
            let socketCount = cores.count + 5 + 1 + 2 + 2  // + to-nowhere PUSHes, service, client, silent pair
            // Last, the typed requests: in the service's handler when the context goes.
            let requestResults = Locked<[String]>([])
            let requestEnds = Locked<[ContinuousClock.Instant]>([])
            for index in 0..<8 {
                spawn {
                    do {
                        _ = try await tally.count("client.request") {
                            try await client.request(Echo(caller: 0, index: index))
                        }
                        requestResults.withLock { $0.append("answered") }
                    } catch let error as RequestError {
                        requestResults.withLock { $0.append("\(error.code)") }
                    }
                    requestEnds.withLock { $0.append(.now) }
                }
            }
            while gate.entered < 8 { try await Task.sleep(for: .milliseconds(2)) }
            let startedBefore = tally.snapshot
            let underWay = ContinuousClock.now - testStart

            // Five tasks shut the context down at once.
            let shutdownStart = ContinuousClock.now
            let shutdownTimes = await withTaskGroup(of: Duration.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        let start = ContinuousClock.now
                        await context.shutdown()
                        return ContinuousClock.now - start
                    }
                }
                return await group.reduce(into: [Duration]()) { $0.append($1) }
            }
            // Every socket call returns: the workers end by themselves.
            let allReturned = await finishes(within: lingerCap + .seconds(20)) {
                for worker in workers.withLock({ $0 }) { await worker.value }
            }
            let callsEnded = ContinuousClock.now - shutdownStart
            guard allReturned else {
                let stuck = tally.snapshot.filter { $0.value.started != $0.value.finished }
                Issue.record("calls never returned after shutdown (started, returned): \(stuck)")
                return
            }
            let socketCallsEnded = tally.lastReturn.filter { !$0.key.hasPrefix("client.") }.values.max()
            let margin: Duration = .seconds(5)  // generous: a hang detector, not a speed check
            for (site, instant) in tally.lastReturn where site != "client.request" {
                #expect(
                    instant - shutdownStart <= lingerCap + margin,
                    "\(site): the last call returned \(instant - shutdownStart) after shutdown began")
            }

            // The service is still in its handlers (shutdown does not cancel user code): let them end.
            #expect(tally.snapshot["service.run"]?.finished == 0)
            gate.open()
            #expect(
                await finishes(within: .seconds(20)) { _ = try? await serviceRun.value }, "service.run() did not return"
            )
            client.beginGracefulShutdown()
            #expect(
                await finishes(within: .seconds(20)) { _ = try? await clientRun.value }, "client.run() did not return")

            let counts = tally.snapshot
            for (site, count) in counts.sorted(by: { $0.key < $1.key }) {
                #expect(
                    count.started == count.finished,
                    "\(site): \(count.started) calls started, \(count.finished) returned")
            }
            #expect(counts["idle.receive"]?.started == 60)
            #expect(counts["client.request"]?.started == 8)
            #expect((counts["blocked.send"]?.started ?? 0) >= 80)
            #expect(requestResults.withLock { $0.count } == 8)
            for duration in shutdownTimes {
                #expect(duration <= lingerCap + margin, "shutdown() took \(duration)")
            }
            // The typed client's calls in flight end with an error, exactly once each; but they
            // end only when their own timeout expires: the client does not notice that the
            // context closed its sockets under it.
            #expect(requestResults.withLock { $0 }.allSatisfy { $0 != "answered" })
            let requestEndTimes = requestEnds.withLock { $0 }.map { $0 - shutdownStart }
            // The context closed the client's sockets under it: its calls in flight fail with
            // `closed` at once, not when their timeouts run out.
            #expect(requestResults.withLock { $0 }.allSatisfy { $0 == "closed" }, "\(requestResults.withLock { $0 })")
            #expect(requestEndTimes.allSatisfy { $0 <= lingerCap + margin }, "\(requestEndTimes)")
            // Traffic delivered in order, nothing twice, nothing never sent.
            let sent = sentCounts.withLock { $0 }
            var totalDelivered = 0, totalSent = 0
            for (index, sequences) in delivered.withLock({ $0 }).enumerated() {
                #expect(sequences == Array(0..<sequences.count), "pair \(index) out of order")
                #expect(sequences.count <= sent[index])
                totalDelivered += sequences.count
                totalSent += sent[index]
            }
            let summary = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.started)/\($0.value.finished)" }
            print(
                """
                [shutdown] \(socketCount) sockets on 4 loops, \(waiting) calls waiting on the loops at shutdown; \
                shutdown() x5: \(shutdownTimes.sorted()) (cap \(lingerCap)); all calls returned \(callsEnded) after it began, the socket calls \
                \(socketCallsEnded.map { $0 - shutdownStart } ?? .zero); \
                calls started/returned: \(summary); typed requests: \(requestResults.withLock { $0 }) at \(requestEndTimes) after shutdown began; \
                traffic \(totalSent) sent, \(totalDelivered) delivered before shutdown; \
                set up in \(setUp), traffic flowing at \(trafficFlowing), all under way at \(underWay); \
                calls started before shutdown \(startedBefore.count) sites
                """
            )
        }
    }
}
