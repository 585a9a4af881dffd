import Foundation
import Testing
import ZeroMQ
import ZeroMQServices

extension Interop {
    /// The typed request/reply protocol (Docs/WireProtocol.md) across languages, and the typed
    /// examples.
    @Suite("Typed messaging")
    struct TypedMessaging {
        @Test("a pyzmq client speaking the wire format gets answers and errors from the Swift service")
        func pythonClientSwiftService() async throws {
            try await withPeers { peers in
                let service = try peers.swift("TypedCalculator", ["--serve", "--endpoint", anyLoopbackPort])
                let endpoint = try await service.endpoint()
                let client = try peers.python(
                    "typed_client.py", ["--endpoint", endpoint, "--malformed", "6 x 7", "1 / 0", "10 - 4", "1 / 8"])
                try await client.succeeded()
                #expect(client.standardOutput.count == 5)
                #expect(Array(client.standardOutput.prefix(4)) == [
                    "6 x 7 = 42", "1 / 0 failed: division-by-zero: cannot divide 1 by zero", "10 - 4 = 6", "1 / 8 = 0.125",
                ])
                #expect(client.standardOutput.last?.hasPrefix("malformed failed: bad-request: ") == true)
                // SIGTERM: the service's ServiceGroup shuts it down gracefully and it exits 0.
                service.terminate()
                let exit = try await service.exited()
                #expect(exit.status == 0 && !exit.bySignal, "\(service.transcript())")
            }
        }

        @Test("a pyzmq client sending metadata frames: answers with the service's headers (version 3), and an expired request neither handled nor answered")
        func pythonClientMetadata() async throws {
            try await withPeers { peers in
                // With a delay the service prints each calculation it starts.
                let service = try peers.swift("TypedCalculator", ["--serve", "--delay", "0.1", "--endpoint", anyLoopbackPort])
                let endpoint = try await service.endpoint()
                let client = try peers.python(
                    "typed_client.py", ["--endpoint", endpoint, "--metadata", "--expired", "6 x 7", "1 / 0"])
                try await client.succeeded()
                #expect(client.standardOutput.count == 3)
                // Headers both ways: the service read the client's `client` header and sent its own
                // back with the answer (an error reply carries none).
                #expect(Array(client.standardOutput.prefix(2)) == [
                    "6 x 7 = 42 [answered-for=typed_client.py served-by=TypedCalculator]",
                    "1 / 0 failed: division-by-zero: cannot divide 1 by zero",
                ])
                #expect(client.standardOutput.last == "expired: no reply")
                // The expired request never reached the calculator.
                #expect(service.standardError.filter { $0.hasPrefix("calculating ") }.count == 2, "\(service.transcript())")
                service.terminate()
                let exit = try await service.exited()
                #expect(exit.status == 0 && !exit.bySignal, "\(service.transcript())")
            }
        }

        @Test("SIGTERM while calculations are in flight: the service answers them all, then exits 0")
        func serviceDrainsOnSIGTERM() async throws {
            try await withPeers { peers in
                let service = try peers.swift("TypedCalculator", ["--serve", "--delay", "1", "--endpoint", anyLoopbackPort])
                let endpoint = try await service.endpoint()
                let client = try peers.python("typed_client.py", ["--endpoint", endpoint, "6 x 7", "1 / 0", "10 - 4"])
                // Every request is in a handler (each takes a second), then the signal comes.
                let deadline = ContinuousClock.now + .seconds(10)
                while service.standardError.filter({ $0.hasPrefix("calculating ") }).count < 3 {
                    guard ContinuousClock.now < deadline else { throw HarnessError("3 calculations did not start") }
                    try await Task.sleep(for: .milliseconds(10))
                }
                service.terminate()
                try await client.succeeded()
                #expect(client.standardOutput == [
                    "6 x 7 = 42", "1 / 0 failed: division-by-zero: cannot divide 1 by zero", "10 - 4 = 6",
                ])
                let exit = try await service.exited()
                #expect(exit.status == 0 && !exit.bySignal, "\(service.transcript())")
            }
        }

        @Test("a pyzmq client reads a Swift service's server stream: held at its credit, then in full, then cancelled (version 4)")
        func pythonClientServerStream() async throws {
            try await withPeers { peers in
                let service = try peers.swift("PrimeStream", ["--serve", "--endpoint", anyLoopbackPort])
                let endpoint = try await service.endpoint()
                let client = try peers.python("stream_client.py", ["--endpoint", endpoint])
                try await client.succeeded()
                #expect(client.standardOutput == [
                    "held at credit: 3",
                    "primes below 100: 2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59 61 67 71 73 79 83 89 97",
                    "end",
                    "cancelled after 2: 0 more",
                    "plain request: stream-required",
                ], "\(client.transcript())")
                service.terminate()
                let exit = try await service.exited()
                #expect(exit.status == 0 && !exit.bySignal, "\(service.transcript())")
            }
        }

        @Test("PrimeStream reads a stream to its end with a small credit, then leaves one early")
        func primeStream() async throws {
            try await withPeers { peers in
                let primes = try peers.swift("PrimeStream", ["--endpoint", anyLoopbackPort])
                try await primes.succeeded()
                #expect(primes.standardOutput == [
                    "primes below 60: 2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59",
                    "the first three below a billion: 2 3 5",
                ])
            }
        }

        @Test("the typed client with the String codec talks to the seed's Python echo server (REP)")
        func swiftClientPythonEchoServer() async throws {
            try await withPeers { peers in
                let server = try peers.python("server.py", ["--endpoint", anyLoopbackPort, "--count", "10"])
                let endpoint = try await server.endpoint()
                try await Context.withContext { context in
                    let client = try await RequestClient(
                        context, connectingTo: [endpoint], requestEncoder: StringCodec(), responseDecoder: StringCodec(),
                        configuration: RequestClientConfiguration(timeout: .seconds(10))
                    )
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await client.run() }
                        // Ten requests in flight at once; REP answers one at a time, the ids
                        // bring each answer to its caller.
                        let replies = try await withThrowingTaskGroup(of: (Int, String).self) { calls in
                            for index in 0..<10 {
                                calls.addTask { (index, try await client.request("hello \(index)")) }
                            }
                            return try await calls.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
                        }
                        #expect(replies == Dictionary(uniqueKeysWithValues: (0..<10).map { ($0, "Echo: hello \($0)") }))
                        client.beginGracefulShutdown()
                        try await group.waitForAll()
                    }
                }
                try await server.succeeded()
                #expect(server.standardOutput.count == 10)
            }
        }

        @Test("TypedCalculator runs its service and client in one ServiceGroup")
        func typedCalculator() async throws {
            try await withPeers { peers in
                let calculator = try peers.swift("TypedCalculator", ["--endpoint", anyLoopbackPort])
                try await calculator.succeeded()
                #expect(calculator.standardOutput == [
                    "2 + 3 = 5", "10 - 4 = 6", "6 x 7 = 42", "1 / 8 = 0.125",
                    "1 / 0 failed: division-by-zero: cannot divide 1 by zero",
                ])
            }
        }

        @Test("WeatherClient averages one zipcode's typed updates from WeatherServer, and gets no other zipcode")
        func weather() async throws {
            try await withPeers { peers in
                // 100 zipcodes: without topic filtering, 99 % of the updates would be others'.
                let server = try peers.swift("WeatherServer", ["--endpoint", anyLoopbackPort, "--zipcodes", "100"])
                let endpoint = try await server.endpoint()
                let client = try peers.swift("WeatherClient", ["10042", "--endpoint", endpoint, "--count", "20", "--verbose"])
                try await client.succeeded(timeout: .seconds(30))
                #expect(client.standardOutput.first == "Collecting updates from weather server...")
                let updates = client.standardOutput.compactMap { line -> (zipcode: Substring, degrees: Int)? in
                    guard let match = line.wholeMatch(of: #/update: (\d+) (-?\d+)F \d+%/#) else { return nil }
                    return (match.1, Int(match.2) ?? .min)
                }
                #expect(updates.count == 20, "\(client.standardOutput)")
                let others = updates.filter { $0.zipcode != "10042" }
                #expect(others.isEmpty, "updates for other zipcodes arrived: \(others.map(\.zipcode))")
                let expected = updates.map(\.degrees).reduce(0, +) / max(1, updates.count)
                #expect(client.standardOutput.last == "Average temperature for zipcode '10042' was \(expected)F")
            }
        }
    }
}
