import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

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
    ///
    /// Uses `posix_spawn` rather than Foundation's `Process`, which on Linux leaks each `Process`
    /// and what it references (LeakSanitizer reports it under `make leaks`).
    ///
    /// - Parameter niceness: runs the child under `nice -n niceness`, so that a long, busy child
    ///   (the soak) does not starve the tests running alongside it in this process.
    static func run(
        _ test: String,
        environment extra: [String: String] = [:],
        niceness: Int? = nil,
        timeout: Duration
    ) async throws -> Outcome {
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var arguments = [testBinary, "--testing-library", "swift-testing", "--filter", test]
        if let niceness { arguments = ["/usr/bin/nice", "-n", "\(niceness)"] + arguments }
        let executable = arguments[0]
        var environment = ProcessInfo.processInfo.environment
        environment[variable] = test
        for (key, value) in extra { environment[key] = value }

        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { throw ChildTestError(reason: "pipe: errno \(errno)") }
        // Close-on-exec, so that other children spawned meanwhile do not hold the write end
        // open (the dup2 to 1 and 2 below clears the flag in this child). Glibc's Swift module
        // has no pipe2.
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        close(pipeEnds[1])
        guard spawned == 0 else {
            close(pipeEnds[0])
            throw ChildTestError(reason: "posix_spawn \(executable): errno \(spawned)")
        }
        // Read while the child runs, so a full pipe never stalls it; the read ends at its exit.
        // On a thread of its own: a blocking read on one of the cooperative pool's few threads
        // starves the tests running alongside for as long as the child runs.
        let readEnd = pipeEnds[0]
        let collected = AsyncStream<[UInt8]>.makeStream()
        let reader = Thread {
            var output: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if count > 0 {
                    output.append(contentsOf: buffer[0..<count])
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(readEnd)
            collected.continuation.yield(output)
            collected.continuation.finish()
        }
        reader.start()
        // Wait for the exit, polling (waitpid with WNOHANG), up to the timeout.
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        var timedOut = false
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0, errno != EINTR { throw ChildTestError(reason: "waitpid: errno \(errno)") }
            if ContinuousClock.now >= deadline {
                timedOut = true
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        var bytes: [UInt8] = []
        for await chunk in collected.stream { bytes += chunk }
        let output = String(decoding: bytes, as: UTF8.self)
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
        let exited = status & 0x7F == 0
        return Outcome(
            status: exited ? (status >> 8) & 0xFF : status & 0x7F,
            exited: exited,
            output: output,
            timedOut: timedOut
        )
    }
}

struct ChildTestError: Error, CustomStringConvertible {
    var reason: String
    var description: String { "starting a child test process failed: \(reason)" }
}
