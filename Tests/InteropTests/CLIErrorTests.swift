import Testing

extension Interop {
    /// Bad command lines: each check in a `validate()`, each kind of argument-parser error, and
    /// unknown commands print one clear `Error:` line on stderr, nothing on stdout, and exit 64.
    @Suite("zmq: usage errors")
    struct CLIErrors {
        /// A command line and the `Error: ...` line it must produce.
        struct Case: Sendable, CustomTestStringConvertible {
            let arguments: [String]
            let error: String

            init(_ arguments: [String], _ error: String) {
                self.arguments = arguments
                self.error = error
            }

            var testDescription: String { "zmq " + arguments.map { $0.isEmpty ? "''" : $0 }.joined(separator: " ") }
        }

        /// Every branch of every `validate()`: EndpointOptions, RunOptions, SendOptions,
        /// FramesOption, pub's --delay, proxy's own. Never reaches a socket (`x` is no endpoint).
        static let validation: [Case] = [
            Case(["pull"], "Give at least one --bind or --connect endpoint."),
            Case(["push", "one"], "Give at least one --bind or --connect endpoint."),
            Case(["pull", "--connect", "x", "--count=-1"], "--count must be 0 or more."),
            Case(["pull", "--connect", "x", "--timeout", "0"], "--timeout must be more than 0 seconds."),
            Case(["req", "--connect", "x", "--timeout", "inf", "a"], "--timeout must be more than 0 seconds."),
            Case(["pull", "--connect", "x", "--linger=-1"], "--linger must be from 0 to 3600 seconds."),
            Case(["push", "--connect", "x", "--linger", "3601", "a"], "--linger must be from 0 to 3600 seconds."),
            Case(["push", "--connect", "x", "--size=-1"], "--size must be 0 or more bytes."),
            Case(["push", "--connect", "x", "--size", "3", "hello"], "Give messages or --size, not both."),
            Case(["pair", "--connect", "x", "--interval=-1", "a"], "--interval must be 0 or more seconds."),
            Case(["dealer", "--connect", "x", "--interval", "nan", "a"], "--interval must be 0 or more seconds."),
            Case(["pub", "--connect", "x", "--delay=-1", "a"], "--delay must be 0 or more seconds."),
            Case(["pub", "--connect", "x", "--delay", "inf", "a"], "--delay must be 0 or more seconds."),
            Case(
                ["push", "--connect", "x", "--frames", "", "a"], "--frames needs a separator of at least one character."
            ),
            Case(["sub", "--connect", "x", "--frames", ""], "--frames needs a separator of at least one character."),
            Case(["rep", "--connect", "x", "--frames", ""], "--frames needs a separator of at least one character."),
            Case(
                ["push", "--connect", "x", "--frames", "|", "--size", "3"],
                "--frames splits messages given as arguments or lines, not --size payloads."),
            Case(
                ["proxy", "queue", "--backend", "x"],
                "Give the frontend an endpoint: --frontend <endpoint> to bind, or --frontend-connect <endpoint>."),
            Case(
                ["proxy", "streamer", "--frontend-connect", "x"],
                "Give the backend an endpoint: --backend <endpoint> to bind, or --backend-connect <endpoint>."),
            Case(
                ["proxy", "forwarder", "--frontend", "x", "--backend", "y", "--count=-1"], "--count must be 0 or more."),
        ]

        /// What ArgumentParser itself rejects, and commands that do not exist.
        static let parsing: [Case] = [
            Case(["pull", "--connect"], "Missing value for '--connect <endpoint>'"),
            Case(["pull", "--connect", "x", "--count", "abc"], "The value 'abc' is invalid for '--count <count>'"),
            Case(
                ["pull", "--connect", "x", "--timeout", "soon"], "The value 'soon' is invalid for '--timeout <seconds>'"
            ),
            Case(["pull", "--connect", "x", "--nope"], "Unknown option '--nope'"),
            Case(["sub", "--connect", "x", "hello"], "Unexpected argument 'hello'"),
            Case(
                ["proxy", "bogus", "--frontend", "x", "--backend", "y"],
                "The value 'bogus' is invalid for '<kind>'. Please provide one of 'streamer', 'forwarder' or 'queue'."),
            Case(["proxy", "--frontend", "x", "--backend", "y"], "Missing expected argument '<kind>'"),
            Case(
                ["frobnicate"],
                "Unknown command 'frobnicate'. The commands are req, rep, pub, sub, push, pull, pair, dealer, router, proxy, monitor, keygen; see zmq --help."
            ),
            Case(
                ["Pull", "--bind", "tcp://127.0.0.1:*"],
                "Unknown command 'Pull'. The commands are req, rep, pub, sub, push, pull, pair, dealer, router, proxy, monitor, keygen; see zmq --help."
            ),
        ]

        @Test(
            "each validation error: its message on stderr, nothing on stdout, exit 64", arguments: validation + parsing)
        func usageError(_ example: Case) async throws {
            try await withPeers { peers in
                let zmq = try peers.swift("zmq", example.arguments)
                let exit = try await zmq.exited(timeout: .seconds(10))
                #expect(exit == Child.Exit(status: 64, bySignal: false), "\(zmq.transcript())")
                #expect(zmq.standardOutput.isEmpty, "\(zmq.transcript())")
                #expect(zmq.standardError.first == "Error: \(example.error)", "\(zmq.transcript())")
                #expect(
                    !zmq.standardError.contains { $0.contains("listening on") },
                    "a socket was opened: \(zmq.transcript())")
            }
        }

        @Test("zmq alone prints the help and exits 0; zmq --version names libzmq")
        func noCommand() async throws {
            try await withPeers { peers in
                let bare = try peers.swift("zmq", [])
                try await bare.succeeded()
                #expect(bare.standardOutput.first?.hasPrefix("OVERVIEW: ") == true, "\(bare.transcript())")
                let version = try peers.swift("zmq", ["--version"])
                try await version.succeeded()
                #expect(version.standardOutput.first?.contains("libzmq 4.") == true, "\(version.transcript())")
            }
        }
    }
}
