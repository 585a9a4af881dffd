import Foundation
import Testing

/// Runs one test of this test binary in a child process of its own: for tests that change
/// what is process-wide (the open-file limit) or measure it (threads, descriptors, RSS), which
/// the other tests, running in parallel in this process, would disturb.
///
/// The child is this executable (`/proc/self/exe`) with `--filter <test>` and
/// `ZMQ_TEST_CHILD=<test>` in its environment; the child test is enabled only then
/// (``ChildTestProcess/isChild(_:)``), so in an ordinary run it shows as skipped.
enum ChildTestProcess {
    static let variable = "ZMQ_TEST_CHILD"

    /// Whether this process is the child started for `test`.
    static func isChild(_ test: String) -> Bool {
        ProcessInfo.processInfo.environment[variable] == test
    }

    struct Outcome: Sendable {
        /// The exit status, or the signal that ended the child.
        var status: Int32
        var exited: Bool
        /// Its standard output and error, interleaved.
        var output: String
        /// Whether the child ran past its deadline and was killed.
        var timedOut: Bool

        var succeeded: Bool { exited && status == 0 && !timedOut }

        /// The lines of `output` that start with `prefix`.
        func lines(startingWith prefix: String) -> [String] {
            output.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
        }
    }

    /// Runs the test named `test` (a function name, unique in the target) in a child process
    /// and returns how it ended. Kills it after `timeout`.
    static func run(_ test: String, environment extra: [String: String] = [:], timeout: Duration) async throws -> Outcome {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--testing-library", "swift-testing", "--filter", test]
        var environment = ProcessInfo.processInfo.environment
        environment[variable] = test
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let ended = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in ended.continuation.finish() }
        try process.run()
        // Read while the child runs, so a full pipe never stalls it.
        let reader = Task.detached { pipe.fileHandleForReading.readDataToEndOfFile() }
        let timedOut = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in ended.stream {}
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return !Task.isCancelled
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if timedOut {
            process.terminate()
            process.waitUntilExit()
        }
        let output = String(decoding: await reader.value, as: UTF8.self)
        return Outcome(
            status: process.terminationStatus,
            exited: process.terminationReason == .exit,
            output: output,
            timedOut: timedOut
        )
    }
}
