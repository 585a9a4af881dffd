import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Interop {
    /// How `zmq` stops on SIGINT and SIGTERM: the summary and 128 + the signal's number; a send
    /// that waits for ever is cut short; a signal while stopping ends the process at once.
    @Suite("zmq: signals")
    struct CLISignals {
        /// The line `zmq` prints when a signal ends it while stopping (SignalWatcher.atOnceLine).
        static let atOnceLine = "Stopped at once by a signal while stopping: messages still queued are dropped."

        @Test("SIGINT (Ctrl-C): the summary of what was received on stderr, exit 130")
        func interrupted() async throws {
            try await withPeers { peers in
                let pull = try peers.swift("zmq", ["pull", "--bind", anyLoopbackPort])
                let push = try peers.python(
                    "frames.py", ["push", "--connect", try await pull.endpoint(), "--send", "m", "--repeat", "3"])
                try await push.succeeded()
                try await waitUntil("zmq pull printed three messages") { pull.standardOutput.count == 3 }
                pull.signal(SIGINT)
                let exit = try await pull.exited(timeout: .seconds(5))
                #expect(exit == Child.Exit(status: 130, bySignal: false), "\(pull.transcript())")
                #expect(pull.standardOutput == ["m", "m", "m"])
                #expect(pull.standardError.compactMap(CLI.summaryCount) == [3], "\(pull.standardError)")
                #expect(!pull.standardError.contains(Self.atOnceLine))
            }
        }

        /// Nobody ever connects, so the push waits in its send (ZMQ_IMMEDIATE): the signal must
        /// cancel that wait, and with nothing queued the exit is immediate.
        @Test("SIGTERM during a send that waits for a peer: exit 143 at once, 0 messages sent")
        func terminatedWhileSending() async throws {
            try await withPeers { peers in
                let push = try peers.swift("zmq", ["push", "--bind", anyLoopbackPort, "--quiet", "--linger", "30", "waiting"])
                _ = try await push.endpoint()  // signals are caught from before this line
                let start = ContinuousClock.now
                push.terminate()
                let exit = try await push.exited(timeout: .seconds(5))
                let took = ContinuousClock.now - start
                #expect(exit == Child.Exit(status: 143, bySignal: false), "\(push.transcript())")
                #expect(push.standardOutput.compactMap(CLI.summaryCount) == [0], "\(push.standardOutput)")
                // Nothing is queued, so no linger: well under the 30 s a queued message would get
                // (a bound that holds on a loaded machine, unlike the default linger's 1 s).
                #expect(took < .seconds(10), "took \(took)")
            }
        }

        /// The Python PULL takes one message, then reads nothing (receive queue of 1, a 4 KiB
        /// socket buffer): the push fills its queue up to the high-water mark and waits in send.
        /// SIGTERM ends it; the messages still queued get the linger (0 here) and are dropped.
        @Test("SIGTERM during a send blocked at the high-water mark: exit 143, the summary")
        func terminatedAtHighWaterMark() async throws {
            try await withPeers { peers in
                let sink = try peers.python(
                    "frames.py", ["pull", "--bind", anyLoopbackPort, "--receive", "1", "--stall"])
                let push = try peers.swift(
                    "zmq",
                    ["push", "--connect", try await sink.endpoint(), "--size", "1000", "--linger", "0", "--quiet"])
                _ = try await sink.line(startingWith: "stalled", on: .stdout)
                let start = ContinuousClock.now
                push.terminate()
                let exit = try await push.exited(timeout: .seconds(5))
                let took = ContinuousClock.now - start
                #expect(exit == Child.Exit(status: 143, bySignal: false), "\(push.transcript())")
                let sent = push.standardOutput.compactMap(CLI.summaryCount)
                #expect(sent.count == 1 && sent[0] >= 1, "\(push.standardOutput)")
                print(
                    "push at the high-water mark: \(sent.first ?? -1) messages of 1000 B sent before SIGTERM; exit \(took) after it"
                )
            }
        }

        /// The DEALER's first message goes to a connection that never comes up (port 1; it stays
        /// queued, and --linger 60 would keep the process up to a minute), its second to a Python
        /// ROUTER. Once the router has the second, the first is queued; Ctrl-C starts the stop
        /// (the summary is printed), and a second signal ends the wait for the linger at once.
        @Test("a second signal while stopping: exit at once with 128 + its number and a line")
        func secondSignal() async throws {
            try await withPeers { peers in
                let router = try peers.python("frames.py", ["router", "--bind", anyLoopbackPort, "--receive", "1"])
                let dealer = try peers.swift(
                    "zmq",
                    [
                        "dealer", "--raw", "--connect", "tcp://127.0.0.1:1", "--connect", try await router.endpoint(),
                        "--linger", "60", "--quiet", "one", "two",
                    ])
                _ = try await router.line(startingWith: "['<id>', b'two']", on: .stdout)
                dealer.signal(SIGINT)
                _ = try await dealer.line(startingWith: "0 messages in", on: .stdout)
                let start = ContinuousClock.now
                dealer.signal(SIGTERM)
                let exit = try await dealer.exited(timeout: .seconds(5))
                let took = ContinuousClock.now - start
                #expect(exit == Child.Exit(status: 143, bySignal: false), "\(dealer.transcript())")
                #expect(dealer.standardError.contains(Self.atOnceLine), "\(dealer.standardError)")
                #expect(took < .seconds(5), "took \(took)")
                print("second signal while lingering (--linger 60): exit \(took) after it")
            }
        }

        /// After a failure (--timeout) the request is still queued for the connection that never
        /// comes up; the process is stopping, waiting out --linger 60. A signal then ends it at once.
        @Test("a signal while stopping after an error: exit at once with 128 + its number")
        func signalWhileStoppingAfterError() async throws {
            try await withPeers { peers in
                let req = try peers.swift(
                    "zmq",
                    [
                        "req", "--connect", "tcp://127.0.0.1:1", "--timeout", "0.3", "--linger", "60", "--quiet",
                        "anyone?",
                    ])
                _ = try await req.line(startingWith: "0 messages in", on: .stdout)
                req.signal(SIGINT)
                let exit = try await req.exited(timeout: .seconds(5))
                #expect(exit == Child.Exit(status: 130, bySignal: false), "\(req.transcript())")
                #expect(req.standardError.contains(Self.atOnceLine), "\(req.standardError)")
            }
        }
    }
}
