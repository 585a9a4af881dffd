import Testing

extension Interop {
    /// The `zmq` command-line tool: against itself, against the Python peers, and its errors.
    @Suite("zmq: the command-line tool")
    struct CLI {
        /// `N messages in S s (R msg/s)`: the count, or nil when the line is not a summary.
        static func summaryCount(_ line: String) -> Int? {
            guard let match = line.wholeMatch(of: #/(\d+) messages in \d+(\.\d+)? s \(\d+(\.\d+)? msg/s\)/#) else { return nil }
            return Int(match.1)
        }

        @Test("push → pull: the messages in order")
        func pushPull() async throws {
            try await withPeers { peers in
                let pull = try peers.swift("zmq", ["pull", "--bind", anyLoopbackPort, "--count", "3", "--timeout", "5"])
                let endpoint = try await pull.endpoint()
                let push = try peers.swift("zmq", ["push", "--connect", endpoint, "--timeout", "5", "one", "two words", "three"])
                try await push.succeeded()
                try await pull.succeeded()
                #expect(pull.standardOutput == ["one", "two words", "three"])
                #expect(push.standardOutput.isEmpty)
            }
        }

        @Test("push reads its messages from standard input, a line each, until end of file")
        func standardInput() async throws {
            try await withPeers { peers in
                let pull = try peers.swift("zmq", ["pull", "--bind", anyLoopbackPort, "--count", "3", "--timeout", "5"])
                let endpoint = try await pull.endpoint()
                let push = try peers.shell(
                    #"printf 'first line\nsecond\tcolumn\nthird\n' | "$0" push --connect "$1" --timeout 5"#,
                    running: "zmq", [endpoint])
                try await push.succeeded()
                try await pull.succeeded()
                #expect(pull.standardOutput == ["first line", #"second\tcolumn"#, "third"])
            }
        }

        @Test("zmq --help names every command")
        func help() async throws {
            try await withPeers { peers in
                let help = try peers.swift("zmq", ["--help"])
                try await help.succeeded()
                let text = help.standardOutput.joined(separator: "\n")
                for command in ["rep", "req", "pub", "sub", "push", "pull", "pair", "dealer", "router", "proxy", "monitor", "keygen"] {
                    #expect(text.contains("  \(command) "), "zmq --help does not list \(command):\n\(text)")
                }
            }
        }

        @Test("push → pull with --count and --quiet: one summary line each")
        func quietSummary() async throws {
            try await withPeers { peers in
                let count = 2000
                let pull = try peers.swift(
                    "zmq", ["pull", "--bind", anyLoopbackPort, "--count", "\(count)", "--quiet", "--timeout", "5"])
                let endpoint = try await pull.endpoint()
                let push = try peers.swift(
                    "zmq", ["push", "--connect", endpoint, "--size", "16", "--count", "\(count)", "--quiet", "--timeout", "5"])
                try await push.succeeded()
                try await pull.succeeded()
                for side in [push, pull] {
                    #expect(side.standardOutput.count == 1, "\(side.transcript())")
                    #expect(side.standardOutput.first.flatMap(Self.summaryCount) == count, "\(side.standardOutput)")
                }
            }
        }

        @Test("req ↔ rep: echoed replies, and --reply")
        func requestReply() async throws {
            try await withPeers { peers in
                let rep = try peers.swift("zmq", ["rep", "--bind", anyLoopbackPort, "--count", "3", "--timeout", "5"])
                let endpoint = try await rep.endpoint()
                let req = try peers.swift("zmq", ["req", "--connect", endpoint, "--timeout", "5", "a", "b c", "d"])
                try await req.succeeded()
                try await rep.succeeded()
                #expect(req.standardOutput == ["a", "b c", "d"])
                #expect(rep.standardOutput == ["a", "b c", "d"])

                let world = try peers.swift(
                    "zmq", ["rep", "--bind", anyLoopbackPort, "--count", "2", "--reply", "World", "--timeout", "5"])
                let worldEndpoint = try await world.endpoint()
                let hello = try peers.swift("zmq", ["req", "--connect", worldEndpoint, "--count", "2", "--timeout", "5", "Hello"])
                try await hello.succeeded()
                try await world.succeeded()
                #expect(hello.standardOutput == ["World", "World"])
                #expect(world.standardOutput == ["Hello", "Hello"])
            }
        }

        /// The publisher repeats its two messages until stopped; the subscriber's lines are the
        /// proof that its subscription arrived (no fixed delay).
        @Test("pub → sub with --topic: only the matching messages")
        func publishSubscribe() async throws {
            try await withPeers { peers in
                let pub = try peers.swift(
                    "zmq", ["pub", "--bind", anyLoopbackPort, "--interval", "0.02", "--count", "5000", "1-odd", "2-even"])
                let endpoint = try await pub.endpoint()
                let sub = try peers.swift("zmq", ["sub", "--connect", endpoint, "--topic", "1", "--count", "4", "--timeout", "5"])
                try await sub.succeeded()
                #expect(sub.standardOutput == Array(repeating: "1-odd", count: 4))
                #expect(pub.exit == nil, "the publisher stopped early")
            }
        }

        @Test("zmq ↔ the Python peers: req → server.py, client.py → rep, sub ← pub.py, push → worker_1.py")
        func withPythonPeers() async throws {
            try await withPeers { peers in
                let server = try peers.python("server.py", ["--endpoint", anyLoopbackPort, "--count", "1"])
                let req = try peers.swift(
                    "zmq", ["req", "--connect", try await server.endpoint(), "--timeout", "5", "hello world!"])
                try await req.succeeded()
                try await server.succeeded()
                #expect(req.standardOutput == ["Echo: hello world!"])

                let rep = try peers.swift("zmq", ["rep", "--bind", anyLoopbackPort, "--count", "1", "--reply", "pong", "--timeout", "5"])
                let client = try peers.python("client.py", ["--endpoint", try await rep.endpoint(), "--timeout", "5", "ping"])
                try await client.succeeded()
                try await rep.succeeded()
                #expect(client.standardOutput == ["pong"])
                #expect(rep.standardOutput == ["ping"])

                let publisher = try peers.python(
                    "pub.py", ["--endpoint", anyLoopbackPort, "--interval", "0.05", "--count", "600"])
                let sub = try peers.swift(
                    "zmq", ["sub", "--connect", try await publisher.endpoint(), "--topic", "2", "--count", "3", "--timeout", "5"])
                try await sub.succeeded()
                let updates = sub.standardOutput.compactMap(Formats.update)
                #expect(updates.count == 3 && updates.allSatisfy { $0.kind == 2 }, "\(sub.standardOutput)")

                let push = try peers.swift("zmq", ["push", "--bind", anyLoopbackPort, "--timeout", "5", "task 1", "task 2"])
                let worker = try peers.python("worker_1.py", ["--endpoint", try await push.endpoint(), "--count", "2"])
                try await worker.succeeded()
                try await push.succeeded()
                #expect(worker.standardOutput == ["Received: task 1", "Received: task 2"])
            }
        }

        @Test(
            "a bad endpoint: exit 1 and the reason on stderr",
            arguments: ["--bind tcp://no-such-host.invalid:5555", "--bind nosuchtransport://x", "--connect tcp://127.0.0.1"])
        func badEndpoint(_ attachment: String) async throws {
            let endpoint = String(attachment.split(separator: " ")[1])
            try await withPeers { peers in
                let pull = try peers.swift("zmq", ["pull"] + attachment.split(separator: " ").map(String.init))
                let exit = try await pull.exited(timeout: .seconds(5))
                #expect(exit == Child.Exit(status: 1, bySignal: false), "\(pull.transcript())")
                #expect(pull.standardOutput.isEmpty)
                #expect(pull.standardError.contains { $0.hasPrefix("Error: ") && $0.contains(endpoint) }, "\(pull.standardError)")
            }
        }

        @Test("an address in use: exit 1 and EADDRINUSE on stderr")
        func addressInUse() async throws {
            try await withPeers { peers in
                let first = try peers.swift("zmq", ["pull", "--bind", anyLoopbackPort])
                let endpoint = try await first.endpoint()
                let second = try peers.swift("zmq", ["pull", "--bind", endpoint])
                let exit = try await second.exited(timeout: .seconds(5))
                #expect(exit == Child.Exit(status: 1, bySignal: false), "\(second.transcript())")
                let message = second.standardError.first { $0.hasPrefix("Error: ") }
                #expect(message?.contains(endpoint) == true && message?.contains("EADDRINUSE") == true, "\(second.standardError)")
                #expect(first.exit == nil, "the first socket's program stopped")
            }
        }

        @Test("--timeout: a receive or a request that gets nothing exits 1")
        func timeout() async throws {
            try await withPeers { peers in
                let pull = try peers.swift("zmq", ["pull", "--bind", anyLoopbackPort, "--timeout", "0.3"])
                // Port 1 on loopback: nothing listens; the request can never be answered.
                let req = try peers.swift("zmq", ["req", "--connect", "tcp://127.0.0.1:1", "--timeout", "0.3", "anyone?"])
                for program in [pull, req] {
                    let exit = try await program.exited(timeout: .seconds(5))
                    #expect(exit == Child.Exit(status: 1, bySignal: false), "\(program.transcript())")
                    #expect(program.standardOutput.isEmpty)
                    #expect(program.standardError.contains { $0.hasPrefix("Error: ") }, "\(program.standardError)")
                }
            }
        }

        @Test("SIGTERM: the summary is printed, exit 143")
        func terminated() async throws {
            try await withPeers { peers in
                let pull = try peers.swift("zmq", ["pull", "--bind", anyLoopbackPort, "--quiet"])
                let endpoint = try await pull.endpoint()
                let push = try peers.swift("zmq", ["push", "--connect", endpoint, "--timeout", "5", "a", "b", "c"])
                try await push.succeeded()
                // Whether the three messages were read before the signal is not known: any count up to 3.
                pull.terminate()
                let exit = try await pull.exited(timeout: .seconds(5))
                #expect(exit == Child.Exit(status: 143, bySignal: false), "\(pull.transcript())")
                #expect(pull.standardOutput.count == 1, "\(pull.standardOutput)")
                let summarized = pull.standardOutput.first.flatMap(Self.summaryCount)
                #expect(summarized.map { (0...3).contains($0) } == true, "\(pull.standardOutput)")
            }
        }
    }
}
