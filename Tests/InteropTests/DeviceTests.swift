import Testing

extension Interop {
    /// The seed's three devices, in Swift, between Python programs that all connect: managers,
    /// publishers and clients to the frontend; workers, subscribers and servers to the backend.
    @Suite("Devices: Swift Streamer, Forwarder and Queue between Python programs")
    struct Devices {
        @Test("Streamer: manager.py → Streamer → worker_1.py")
        func streamer() async throws {
            try await withPeers { peers in
                let tasks = 10
                let device = try peers.swift(
                    "Streamer", ["--frontend", anyLoopbackPort, "--backend", anyLoopbackPort, "--count", "\(tasks)"])
                let frontend = try await device.endpoint("frontend")
                let backend = try await device.endpoint("backend")
                let worker = try peers.python("worker_1.py", ["--endpoint", backend, "--count", "\(tasks)"])
                let manager = try peers.python(
                    "manager.py", ["--connect", "--endpoint", frontend, "--interval", "0.05", "--count", "\(tasks)"])
                try await manager.succeeded()
                try await worker.succeeded()
                try await device.succeeded()

                let sent = try #require(Formats.stripping("Sent: ", from: manager.standardOutput))
                let received = try #require(Formats.stripping("Received: ", from: worker.standardOutput))
                #expect(sent.count == tasks)
                #expect(received == sent)
                #expect(device.standardError.contains { $0.hasPrefix("statistics: ") }, "no statistics line")
            }
        }

        @Test("Forwarder: pub.py → Forwarder → sub.py, subscriptions travel upstream")
        func forwarder() async throws {
            try await withPeers { peers in
                let device = try peers.swift("Forwarder", ["--frontend", anyLoopbackPort, "--backend", anyLoopbackPort])
                let frontend = try await device.endpoint("frontend")
                let backend = try await device.endpoint("backend")
                let subscriber = try peers.python("sub.py", ["--endpoint", backend, "--topic", "1", "--count", "5"])
                _ = try peers.python(
                    "pub.py", ["--connect", "--endpoint", frontend, "--interval", "0.05", "--count", "600"])
                try await subscriber.succeeded()

                let updates = subscriber.standardOutput.compactMap(Formats.update)
                #expect(updates.count == 5, "\(subscriber.standardOutput)")
                #expect(updates.allSatisfy { $0.kind == 1 }, "\(subscriber.standardOutput)")
                let ids = updates.map(\.id)
                #expect(zip(ids, ids.dropFirst()).allSatisfy { $1 == $0 + 2 }, "\(ids)")

                // SIGTERM: the device prints its statistics and exits cleanly.
                device.terminate()
                try await device.succeeded(timeout: .seconds(5))
                #expect(device.standardError.contains { $0.hasPrefix("statistics: ") }, "no statistics line")
            }
        }

        @Test("Queue: client.py → QueueDevice → server.py, replies find their way back")
        func queue() async throws {
            try await withPeers { peers in
                let device = try peers.swift("QueueDevice", ["--frontend", anyLoopbackPort, "--backend", anyLoopbackPort])
                let frontend = try await device.endpoint("frontend")
                let backend = try await device.endpoint("backend")
                let server = try peers.python("server.py", ["--connect", "--endpoint", backend, "--count", "3"])
                let client = try peers.python(
                    "client.py", ["--endpoint", frontend, "--count", "3", "--timeout", "5", "hello", "world!"])
                try await client.succeeded()
                try await server.succeeded()
                let expected = Array(repeating: "Echo: hello world!", count: 3)
                #expect(client.standardOutput == expected)
                #expect(server.standardOutput == expected)

                device.terminate()
                try await device.succeeded(timeout: .seconds(5))
                #expect(device.standardError.contains { $0.hasPrefix("statistics: ") }, "no statistics line")
            }
        }
    }
}
