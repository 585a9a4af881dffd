import Testing

extension Interop {
    /// `zmq dealer`, `router`, `pair` and the three `proxy` devices, each in a real exchange,
    /// with `zmq` or a pyzmq peer (frames.py) on the other end.
    @Suite("zmq: dealer, router, pair and proxy")
    struct CLIPatterns {
        /// `<routing-id> <body>`: the id is lowercase hexadecimal.
        static func routedBody(_ line: String) -> String? {
            guard let match = line.wholeMatch(of: #/([0-9a-f]+) (.*)/#) else { return nil }
            return String(match.2)
        }

        @Test("dealer → rep: every message answered, the delimiter added and taken off")
        func dealerToRep() async throws {
            try await withPeers { peers in
                let rep = try peers.swift("zmq", ["rep", "--bind", anyLoopbackPort, "--count", "3", "--timeout", "5"])
                let dealer = try peers.swift(
                    "zmq", ["dealer", "--connect", try await rep.endpoint(), "--timeout", "5", "one", "two", "three"])
                try await dealer.succeeded()
                try await rep.succeeded()
                #expect(rep.standardOutput == ["one", "two", "three"])
                #expect(dealer.standardOutput == ["one", "two", "three"])
            }
        }

        @Test("dealer --frames → router --frames: routing id shown, multipart body echoed to its sender")
        func dealerToRouter() async throws {
            try await withPeers { peers in
                let router = try peers.swift(
                    "zmq", ["router", "--bind", anyLoopbackPort, "--frames", "|", "--count", "2", "--timeout", "5"])
                let dealer = try peers.swift(
                    "zmq",
                    ["dealer", "--connect", try await router.endpoint(), "--frames", "|", "--timeout", "5", "a|b", "c"])
                try await dealer.succeeded()
                try await router.succeeded()
                #expect(router.standardOutput.map(Self.routedBody) == ["a|b", "c"], "\(router.standardOutput)")
                let ids = Set(router.standardOutput.compactMap { $0.split(separator: " ").first })
                #expect(ids.count == 1, "one dealer, one routing id: \(router.standardOutput)")
                #expect(dealer.standardOutput == ["a|b", "c"])
            }
        }

        @Test("dealer --raw: the frames exactly as given, no delimiter, to a Python ROUTER and back")
        func dealerRaw() async throws {
            try await withPeers { peers in
                let router = try peers.python(
                    "frames.py", ["router", "--bind", anyLoopbackPort, "--receive", "1", "--reply"])
                let dealer = try peers.swift(
                    "zmq",
                    [
                        "dealer", "--connect", try await router.endpoint(), "--raw", "--frames", "|", "--timeout", "5",
                        "x|y",
                    ])
                try await dealer.succeeded()
                try await router.succeeded()
                #expect(router.standardOutput == ["['<id>', b'x', b'y']"])
                #expect(dealer.standardOutput == ["x|y"])
            }
        }

        @Test("a Python REQ → router --reply: the REQ's envelope kept, the reply arrives")
        func pythonRequestToRouter() async throws {
            try await withPeers { peers in
                let router = try peers.swift(
                    "zmq", ["router", "--bind", anyLoopbackPort, "--reply", "pong", "--count", "1", "--timeout", "5"])
                let client = try peers.python(
                    "frames.py", ["req", "--connect", try await router.endpoint(), "--send", "ping"])
                try await client.succeeded()
                try await router.succeeded()
                #expect(router.standardOutput.map(Self.routedBody) == ["ping"], "\(router.standardOutput)")
                #expect(client.standardOutput == ["[b'pong']"])
            }
        }

        @Test("pair ↔ pair: each sends its --count messages and prints the other's")
        func pairToPair() async throws {
            try await withPeers { peers in
                let bound = try peers.swift(
                    "zmq",
                    ["pair", "--bind", anyLoopbackPort, "--frames", "|", "--count", "2", "--timeout", "5", "from|bind"])
                let connected = try peers.swift(
                    "zmq",
                    [
                        "pair", "--connect", try await bound.endpoint(), "--frames", "|", "--count", "2", "--timeout",
                        "5", "from|connect",
                    ])
                try await connected.succeeded()
                try await bound.succeeded()
                #expect(bound.standardOutput == ["from|connect", "from|connect"])
                #expect(connected.standardOutput == ["from|bind", "from|bind"])
            }
        }

        @Test("pair ↔ a Python PAIR: multipart both ways")
        func pairToPython() async throws {
            try await withPeers { peers in
                let python = try peers.python(
                    "frames.py", ["pair", "--bind", anyLoopbackPort, "--send", "hi", "there", "--receive", "1"])
                let pair = try peers.swift(
                    "zmq",
                    [
                        "pair", "--connect", try await python.endpoint(), "--frames", "|", "--count", "1", "--timeout",
                        "5", "a||b",
                    ])
                try await pair.succeeded()
                try await python.succeeded()
                #expect(python.standardOutput == ["[b'a', b'', b'b']"])
                #expect(pair.standardOutput == ["hi|there"])
            }
        }

        /// The streamer connects its backend out to a puller that binds (a worker behind a
        /// firewall that only lets it listen); pushers connect to its bound frontend.
        @Test("proxy streamer --backend-connect: the device connects to a bound puller")
        func streamerConnectsBackend() async throws {
            try await withPeers { peers in
                let pull = try peers.swift(
                    "zmq", ["pull", "--bind", anyLoopbackPort, "--frames", "|", "--count", "3", "--timeout", "10"])
                let device = try peers.swift(
                    "zmq",
                    [
                        "proxy", "streamer", "--frontend", anyLoopbackPort, "--backend-connect",
                        try await pull.endpoint(), "--count", "3",
                    ])
                let frontend = try await device.endpoint("frontend")
                let push = try peers.swift(
                    "zmq", ["push", "--connect", frontend, "--frames", "|", "--timeout", "5", "t|1", "t|2", "t|3"])
                try await push.succeeded()
                try await pull.succeeded()
                try await device.succeeded()
                #expect(pull.standardOutput == ["t|1", "t|2", "t|3"])
                #expect(
                    !device.standardError.contains { $0.hasPrefix("backend listening on") },
                    "the backend bound: \(device.standardError)")
                #expect(device.standardError.contains { $0.hasPrefix("statistics: ") })
            }
        }

        /// Two forwarders in a row: the second connects its frontend to the first's backend.
        /// The subscription travels sub → B → A → pub, the messages back along the chain.
        @Test("proxy forwarder --frontend-connect: a device chained behind another")
        func forwarderChain() async throws {
            try await withPeers { peers in
                let first = try peers.swift(
                    "zmq", ["proxy", "forwarder", "--frontend", anyLoopbackPort, "--backend", anyLoopbackPort])
                let firstFrontend = try await first.endpoint("frontend")
                let firstBackend = try await first.endpoint("backend")
                let second = try peers.swift(
                    "zmq", ["proxy", "forwarder", "--frontend-connect", firstBackend, "--backend", anyLoopbackPort])
                let sub = try peers.swift(
                    "zmq",
                    [
                        "sub", "--connect", try await second.endpoint("backend"), "--topic", "w", "--frames", "|",
                        "--count", "3", "--timeout", "10",
                    ])
                let pub = try peers.swift(
                    "zmq",
                    [
                        "pub", "--connect", firstFrontend, "--frames", "|", "--interval", "0.02", "--count", "5000",
                        "w|1", "x|2",
                    ])
                try await sub.succeeded()
                #expect(sub.standardOutput == Array(repeating: "w|1", count: 3))
                #expect(pub.exit == nil && first.exit == nil && second.exit == nil, "a program stopped early")
            }
        }

        /// A queue that connects out to a REP server that binds: clients reach it through the
        /// device's bound frontend.
        @Test("proxy queue --backend-connect: requests through the device to a bound server and back")
        func queueConnectsBackend() async throws {
            try await withPeers { peers in
                let rep = try peers.swift(
                    "zmq", ["rep", "--bind", anyLoopbackPort, "--frames", "|", "--count", "2", "--timeout", "10"])
                let device = try peers.swift(
                    "zmq",
                    [
                        "proxy", "queue", "--frontend-bind", anyLoopbackPort, "--backend-connect",
                        try await rep.endpoint(), "--count", "2",
                    ])
                let req = try peers.swift(
                    "zmq",
                    [
                        "req", "--connect", try await device.endpoint("frontend"), "--frames", "|", "--timeout", "5",
                        "q|1", "q|2",
                    ])
                try await req.succeeded()
                try await rep.succeeded()
                try await device.succeeded()
                #expect(req.standardOutput == ["q|1", "q|2"])
                #expect(rep.standardOutput == ["q|1", "q|2"])
            }
        }
    }
}
