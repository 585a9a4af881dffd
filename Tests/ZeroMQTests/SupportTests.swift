import Foundation
import Testing
import ZeroMQTestSupport

/// The shared test support (Tests/Support) must itself be able to fail: a deadline that passes is
/// reported, a hang ends the process with stacks, and the manual clock wakes sleepers exactly.
@Suite("Test support: deadlines and the manual clock", .timeLimit(.minutes(2)))
struct SupportTests {
    @Test("a body that overruns its deadline is cancelled, and the test fails with deadline exceeded")
    func deadlineCancelsTheBody() async throws {
        let started = ContinuousClock.now
        try await withKnownIssue {
            _ = try await withDeadline(0.2) {
                try await Task.sleep(for: .seconds(600))  // ends once cancelled
            }
        } matching: { issue in
            issue.description.contains("deadline of 0.2 s exceeded")
        }
        // Cancelled at the deadline, not left to run its 600 s (the margin is for loaded machines).
        #expect(ContinuousClock.now - started < .seconds(300))
    }

    @Test("a body that ignores cancellation ends the test process with exit code 3 and every thread's stack")
    func hangEndsTheProcess() async throws {
        let result = try await #require(
            processExitsWith: .exitCode(3), observing: [\.standardErrorContent]
        ) {
            setenv("ZMQ_TEST_DEADLINE_GRACE", "0.5", 1)
            // The /proc report, not gdb's: gdb takes up to 30 s on this binary, and all that time
            // Swift Testing's parent reads the child's output with a blocking read on one of the
            // (two, here) cooperative threads; with a second exit test running, every other test
            // of the process stalled until their 30 s deadlines (stacks taken with gdb showed it).
            setenv("ZMQ_TEST_STACKS", "proc", 1)
            _ = try await withDeadline(0.2) {
                // A continuation nobody resumes: cancellation cannot end this.
                await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
            }
        }
        let report = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(report.contains("=== HUNG TEST"), "\(report)")
        #expect(report.contains("withDeadline(0.2)"), "\(report)")
        // gdb prints `Thread N (... (LWP id) "name")`, the fallback `thread id "name" ...`.
        let threadLines = report.split(separator: "\n").filter { $0.contains("LWP") || $0.hasPrefix("  thread ") }
        #expect(threadLines.count >= 2, "\(report)")
        #expect(report.contains("=== end of the hung-test report"), "\(report)")
    }

    @Test("the manual clock wakes each sleep when it is advanced past its deadline, in order")
    func manualClock() async throws {
        try await withDeadline {
            let clock = ManualClock()
            let woken = Locked<[Int]>([])
            let sleepers = (1...3).map { seconds in
                Task {
                    try await clock.sleep(until: clock.now.advanced(by: .seconds(seconds)))
                    woken.withLock { $0.append(seconds) }
                }
            }
            try await waitUntil("three sleeps wait") { clock.sleepers == 3 }
            clock.advance(by: .milliseconds(1_500))
            try await sleepers[0].value
            #expect(woken.withLock { $0 } == [1])
            #expect(clock.sleepers == 2)
            clock.advance(by: .seconds(5))
            try await sleepers[1].value
            try await sleepers[2].value
            #expect(woken.withLock { $0.sorted() } == [1, 2, 3])
            #expect(clock.now == ManualClock.Instant(offset: .milliseconds(6_500)))

            let cancelled = Task { try await clock.sleep(until: clock.now.advanced(by: .seconds(1))) }
            try await waitUntil("the sleep waits") { clock.sleepers == 1 }
            cancelled.cancel()
            await #expect(throws: CancellationError.self) { try await cancelled.value }
            #expect(clock.sleepers == 0)
        }
    }
}
