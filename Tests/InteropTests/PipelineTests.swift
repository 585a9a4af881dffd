import Testing

extension Interop {
    /// manager.py / worker_1.py: PUSH binds and hands out `<id> - <ctime>` tasks; PULL workers
    /// connect and share them.
    @Suite("PUSH/PULL: task manager and workers")
    struct Pipeline {
        /// Every task reaches exactly one worker, and both workers get some.
        ///
        /// The manager's first task waits (PUSH blocks) until a worker connects; both workers start
        /// together right after the manager binds, and the 20 tasks take three seconds, so the
        /// second worker joins long before the last task even on a loaded machine (a
        /// ThreadSanitizer build starts in well under a second).
        @Test("each task is delivered exactly once, shared by two workers", arguments: Pairing.bothWays)
        func sharedWork(_ pairing: Pairing) async throws {
            try await withPeers { peers in
                let tasks = 20
                let manager = try peers.start(
                    .taskManager, in: pairing.binder,
                    ["--endpoint", anyLoopbackPort, "--interval", "0.15", "--count", "\(tasks)"])
                let endpoint = try await manager.endpoint()
                let workers = try (0..<2).map { _ in
                    try peers.start(.taskWorker, in: pairing.connecter, ["--endpoint", endpoint])
                }
                try await manager.succeeded(timeout: .seconds(15))
                try await waitUntil("the workers received \(tasks) tasks") {
                    workers.map(\.standardOutput.count).reduce(0, +) >= tasks
                }
                for worker in workers { await worker.stop() }

                let sent = try #require(Formats.stripping("Sent: ", from: manager.standardOutput))
                #expect(sent.compactMap(Formats.task) == Array(1...tasks), "\(sent)")
                let received = try workers.map { try #require(Formats.stripping("Received: ", from: $0.standardOutput)) }
                let all = received.flatMap { $0 }
                #expect(all.count == tasks)
                #expect(all.sorted() == sent.sorted(), "tasks lost or duplicated")
                for (index, tasksOfWorker) in received.enumerated() {
                    #expect(!tasksOfWorker.isEmpty, "worker \(index + 1) got no task")
                    let ids = tasksOfWorker.compactMap(Formats.task)
                    #expect(ids == ids.sorted(), "worker \(index + 1) got tasks out of order: \(ids)")
                }
            }
        }
    }
}
