import Synchronization
import Testing
import ZeroMQ
@testable import ZeroMQServices

/// The tracked tasks of a service's requests, without sockets: waiting for them all, and
/// cancelling one or all.
@Suite("Handler tasks", .timeLimit(.minutes(1)))
struct HandlerTasksTests {
    @Test("waitUntilAllFinished returns at once with none running, and after the last one otherwise")
    func waitsForAll() async throws {
        try await withDeadline {
            let tasks = HandlerTasks()
            await tasks.waitUntilAllFinished()
            let finished = Atomic(0)
            let gate = Gate()
            for _ in 0..<3 {
                tasks.start(on: globalConcurrentExecutor) { _ in
                    await gate.wait()
                    finished.add(1, ordering: .relaxed)
                }
            }
            #expect(tasks.runningCount == 3)
            let waiting = Task { await tasks.waitUntilAllFinished() }
            try await waitUntil("it waits for the three") { tasks.isWaitingUntilAllFinished }
            #expect(finished.load(ordering: .relaxed) == 0)
            gate.open()
            await waiting.value
            #expect(finished.load(ordering: .relaxed) == 3)
            #expect(tasks.runningCount == 0)
        }
    }

    @Test("a handle cancels its own task only; cancelAll cancels the running tasks and those started later")
    func cancellation() async throws {
        try await withDeadline {
            let tasks = HandlerTasks()
            let cancelled = Locked<[Int]>([])
            let handles = Locked<[Int: HandlerTasks.Handle]>([:])
            let started = Atomic(0)
            for index in 0..<3 {
                tasks.start(on: globalConcurrentExecutor) { handle in
                    handles.withLock { $0[index] = handle }
                    started.add(1, ordering: .relaxed)
                    do {
                        try await Task.sleep(for: .seconds(60))
                    } catch {
                        cancelled.withLock { $0.append(index) }
                    }
                }
            }
            try await waitUntil("the three tasks started") { started.load(ordering: .relaxed) == 3 }
            handles.withLock { $0[1] }?.cancel()
            try await waitUntil("task 1 was cancelled") { cancelled.withLock { $0 } == [1] }
            tasks.cancelAll()
            tasks.start(on: globalConcurrentExecutor) { _ in
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    cancelled.withLock { $0.append(3) }
                }
            }
            await tasks.waitUntilAllFinished()
            #expect(cancelled.withLock { $0 }.sorted() == [0, 1, 2, 3])
        }
    }
}

