import Foundation
import Testing

extension Interop {
    /// A live fuzz over the wire: Tests/PythonPeers/fuzz_peer.py sends every receiving program
    /// random malformed messages (1 to 40 frames, empty frames, binary and invalid UTF-8 where
    /// text is expected, control characters and line breaks, ids and status frames in the wrong
    /// places, and where it makes sense one 64 MiB frame), then well-formed ones. Each program
    /// must survive, serve the well-formed peer afterwards, and log at most one line per bad
    /// message.
    ///
    /// The random bytes come from one seed: `LIVE_FUZZ_SEED=<n>` replays a run; every failure
    /// names the seed.
    @Suite("Live fuzz: malformed messages over the wire", .timeLimit(.minutes(5)))
    struct LiveFuzz {
        static let seed: UInt64 = {
            let seed = ProcessInfo.processInfo.environment["LIVE_FUZZ_SEED"].flatMap { UInt64($0) }
                ?? UInt64.random(in: 1...UInt64(Int32.max))
            print("live fuzz: seed \(seed) (LIVE_FUZZ_SEED=\(seed) replays it)")
            return seed
        }()
        /// Malformed messages per program.
        static let bad = 60
        /// The one huge frame, for the programs that do not print what they receive.
        static let huge = 64 << 20

        /// Starts the fuzz peer in `role`.
        func fuzzPeer(_ peers: Peers, _ role: String, _ arguments: [String]) throws -> Child {
            try peers.python("fuzz_peer.py", [role, "--seed", "\(Self.seed)", "--bad", "\(Self.bad)"] + arguments)
        }

        /// What `child` logged: its stderr without the `listening on` line and the service's
        /// start. Prints the count, for Docs/Reliability.md.
        func logLines(_ child: Child) -> [String] {
            let lines = child.standardError.filter { !$0.hasPrefix("listening on") && !$0.contains("request service serving") }
            print("live fuzz: \(child.name) logged \(lines.count) lines for \(Self.bad) bad messages (seed \(Self.seed))")
            return lines
        }

        /// Polls `condition` every 10 ms until it holds or `timeout` passes.
        func waitUntil(_ timeout: Duration, _ condition: () -> Bool) async throws -> Bool {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            while !condition() {
                if ContinuousClock.now >= deadline { return false }
                try await Task.sleep(for: .milliseconds(10))
            }
            return true
        }

        var context: Comment { "seed \(Self.seed)" }

        /// What a peer can repeat at will is logged at most once per 10 s for each of `kinds`
        /// conditions, each line under 4 KiB; a line written after others were left out says how
        /// many (`zmq.suppressed=N`), and lines and left-out ones together are at most the bad
        /// messages sent.
        func checkRateLimited(_ logged: [String], kinds: Int, since started: ContinuousClock.Instant) throws {
            let allowed = kinds * (1 + Int((ContinuousClock.now - started) / .seconds(10)))
            #expect((1...allowed).contains(logged.count), "\(logged.count) lines, at most \(allowed), \(context)")
            #expect(logged.allSatisfy { $0.utf8.count < 4096 }, "a log line over 4 KiB, \(context)")
            let leftOut = logged.compactMap { line in
                line.firstRange(of: "zmq.suppressed=").map { Int(line[$0.upperBound...].prefix { $0.isNumber }) ?? 0 }
            }.reduce(0, +)
            #expect(logged.count + leftOut <= Self.bad, "\(logged.count) lines + \(leftOut) left out, \(context)")
        }

        @Test("TaskWorker (PULL) prints the good tasks after the bad ones")
        func taskWorker() async throws {
            try await withPeers { peers in
                let peer = try fuzzPeer(peers, "push", ["--bind", anyLoopbackPort, "--good", "3", "--good-text", "good task #{i}"])
                let worker = try peers.swift("TaskWorker", ["--endpoint", try await peer.endpoint(), "--count", "\(Self.bad + 3)"])
                try await peer.succeeded(timeout: .seconds(60))
                try await worker.succeeded(timeout: .seconds(60))
                #expect(
                    worker.standardOutput.filter { $0.hasPrefix("Received: good task #") }
                        == ["Received: good task #1", "Received: good task #2", "Received: good task #3"], context)
                #expect(logLines(worker).count <= Self.bad, context)
            }
        }

        @Test("Subscriber (SUB) prints the good updates after the bad ones")
        func subscriber() async throws {
            try await withPeers { peers in
                let peer = try fuzzPeer(
                    peers, "xpub", ["--bind", anyLoopbackPort, "--prefix", "1", "--good", "3", "--good-text", "1-good #{i}"])
                let subscriber = try peers.swift("Subscriber", ["--endpoint", try await peer.endpoint(), "--count", "\(Self.bad + 3)"])
                try await peer.succeeded(timeout: .seconds(60))
                try await subscriber.succeeded(timeout: .seconds(60))
                #expect(subscriber.standardOutput.filter { $0.hasPrefix("1-good #") } == ["1-good #1", "1-good #2", "1-good #3"], context)
                #expect(logLines(subscriber).count <= Self.bad, context)
            }
        }

        @Test("PairBind (PAIR) prints the good messages and keeps talking")
        func pairBind() async throws {
            try await withPeers { peers in
                let pair = try peers.swift("PairBind", ["--endpoint", anyLoopbackPort, "--count", "\(Self.bad + 3)", "--interval", "0.01"])
                let peer = try fuzzPeer(
                    peers, "pair", ["--connect", try await pair.endpoint(), "--good", "3", "--good-text", "connect #{i} >> good"])
                try await peer.succeeded(timeout: .seconds(60))
                try await pair.succeeded(timeout: .seconds(60))
                #expect(peer.standardOutput.contains { $0.hasPrefix("received bind #1 >> ") }, context)
                #expect(
                    pair.standardOutput.filter { $0.hasPrefix("Received: connect #") }
                        == ["Received: connect #1 >> good", "Received: connect #2 >> good", "Received: connect #3 >> good"], context)
                #expect(logLines(pair).count <= Self.bad, context)
            }
        }

        @Test("EchoServer (REP) answers a well-formed client after the bad requests")
        func echoServer() async throws {
            try await withPeers { peers in
                let server = try peers.swift("EchoServer", ["--endpoint", anyLoopbackPort])
                let peer = try fuzzPeer(peers, "dealer", ["--connect", try await server.endpoint(), "--request", "hello after garbage"])
                try await peer.succeeded(timeout: .seconds(60))
                #expect(peer.standardOutput.contains("reply Echo: hello after garbage"), context)
                #expect(server.exit == nil, "EchoServer ended: \(server.transcript()), \(context)")
                #expect(logLines(server).count <= Self.bad, context)
            }
        }

        @Test("zmq pull prints one line per message, bad or good")
        func zmqPull() async throws {
            try await withPeers { peers in
                let pull = try peers.swift("zmq", ["pull", "--bind", anyLoopbackPort, "--count", "\(Self.bad + 3)", "--timeout", "60"])
                let peer = try fuzzPeer(peers, "push", ["--connect", try await pull.endpoint(), "--good", "3"])
                try await peer.succeeded(timeout: .seconds(60))
                try await pull.succeeded(timeout: .seconds(60))
                #expect(pull.standardOutput.count == Self.bad + 3, context)
                #expect(Array(pull.standardOutput.suffix(3)) == ["good #1", "good #2", "good #3"], context)
                #expect(logLines(pull).count <= Self.bad, context)
            }
        }

        @Test("zmq pull --quiet takes a 64 MiB frame among the bad messages")
        func zmqPullHuge() async throws {
            try await withPeers { peers in
                let pull = try peers.swift(
                    "zmq", ["pull", "--bind", anyLoopbackPort, "--count", "\(Self.bad + 3)", "--quiet", "--timeout", "60"])
                let peer = try fuzzPeer(peers, "push", ["--connect", try await pull.endpoint(), "--good", "3", "--huge", "\(Self.huge)"])
                try await peer.succeeded(timeout: .seconds(90))
                try await pull.succeeded(timeout: .seconds(90))
                #expect(pull.standardOutput.count == 1 && pull.standardOutput[0].hasPrefix("\(Self.bad + 3) messages in "), context)
                #expect(logLines(pull).count <= Self.bad, context)
            }
        }

        @Test("zmq rep prints and echoes each request REP accepts, then answers a REQ")
        func zmqRep() async throws {
            try await withPeers { peers in
                let rep = try peers.swift("zmq", ["rep", "--bind", anyLoopbackPort, "--timeout", "60"])
                let peer = try fuzzPeer(peers, "dealer", ["--connect", try await rep.endpoint(), "--request", "hello after garbage"])
                try await peer.succeeded(timeout: .seconds(60))
                #expect(peer.standardOutput.contains("reply hello after garbage"), context)
                // libzmq's REP drops a message without an empty frame before its last; the peer
                // counts the others, and zmq prints each of them on one line, plus the REQ's.
                let accepted = peer.standardOutput.compactMap { line in
                    line.hasPrefix("rep-envelopes ") ? Int(line.dropFirst("rep-envelopes ".count)) : nil
                }.first
                let expected = try #require(accepted, context) + 1
                let reached = try await waitUntil(.seconds(30)) { rep.standardOutput.count >= expected }
                #expect(reached && rep.standardOutput.count == expected, "\(rep.transcript()), \(context)")
                #expect(rep.standardOutput.contains("hello after garbage"), context)
                #expect(rep.exit == nil, context)
                #expect(logLines(rep).count <= Self.bad, context)
            }
        }

        @Test("TypedCalculator --serve answers a client after bad requests and a 64 MiB one, logging a few lines at most")
        func typedCalculator() async throws {
            try await withPeers { peers in
                let started = ContinuousClock.now
                let service = try peers.swift("TypedCalculator", ["--serve", "--endpoint", anyLoopbackPort])
                let endpoint = try await service.endpoint()
                let peer = try fuzzPeer(peers, "dealer", ["--connect", endpoint, "--huge", "\(Self.huge)"])
                try await peer.succeeded(timeout: .seconds(90))
                let client = try peers.swift("TypedCalculator", ["--connect", "--endpoint", endpoint, "6", "x", "7"])
                try await client.succeeded(timeout: .seconds(60))
                #expect(client.standardOutput == ["6 x 7 = 42"], context)
                #expect(service.exit == nil, context)
                // Every bad message is dropped or answered with bad-request, and logged at most once
                // per kind per 10 s (dropped, undecodable): a line that says how many it left out.
                _ = try await waitUntil(.seconds(30)) { service.standardError.count > 1 }
                try checkRateLimited(logLines(service), kinds: 2, since: started)
            }
        }

        @Test("WeatherClient (EventSubscriber) averages the good events after bad ones and a 64 MiB topic")
        func weatherClient() async throws {
            try await withPeers { peers in
                let started = ContinuousClock.now
                let good = #"10001|{"zipcode":"10001","temperature":{i}0,"relativeHumidity":50}"#
                let peer = try fuzzPeer(
                    peers, "xpub",
                    ["--bind", anyLoopbackPort, "--prefix", "10001", "--huge", "\(Self.huge)", "--huge-topic",
                     "--good", "5", "--good-text", good, "--separator", "|"])
                let client = try peers.swift("WeatherClient", ["10001", "--endpoint", try await peer.endpoint(), "--count", "5"])
                try await peer.succeeded(timeout: .seconds(90))
                try await client.succeeded(timeout: .seconds(90))
                // Temperatures 10, 20, 30, 40, 50.
                #expect(client.standardOutput.last == "Average temperature for zipcode '10001' was 30F", context)
                // Bad messages are skipped, logged at most once per 10 s, the 64 MiB topic cut short.
                try checkRateLimited(logLines(client), kinds: 1, since: started)
            }
        }
    }
}
