import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One running program: its stdout and stderr collected line by line as they arrive, its exit
/// status, and bounded waits on both.
///
/// Lines are read by one thread per pipe (blocking `read`), so a child that floods its output
/// never stalls on a full pipe. Every wait polls the collected state every few milliseconds until
/// its condition holds or its timeout passes, then throws a ``HarnessError`` (``withPeers(_:)``
/// adds what every child printed).
final class Child: @unchecked Sendable {
    // @unchecked: `process` and the pipes are set up in `init` and only read afterwards (their
    // file descriptors by the reading threads); everything that changes lives in `state`.

    /// The two output streams.
    enum Stream: String, Sendable {
        case stdout, stderr
    }

    /// How the child ended.
    struct Exit: Sendable, Equatable, CustomStringConvertible {
        /// The exit code, or the number of the signal that ended the child.
        var status: Int32
        /// Whether `status` is a signal number.
        var bySignal: Bool

        var description: String { bySignal ? "signal \(status)" : "exit code \(status)" }
    }

    private struct State {
        var stdout: [String] = []
        var stderr: [String] = []
        var pending: [Stream: [UInt8]] = [:]
        var open: Set<Stream> = [.stdout, .stderr]
        var exit: Exit?
    }

    /// A short name for messages: the program and, for Python, the script.
    let name: String
    /// The command line, for messages.
    let commandLine: String
    private let process = Process()
    private let outputPipe = Pipe()
    private let errorPipe = Pipe()
    private let state = Locked(State())

    /// Starts `executable` with `arguments`; stdin is /dev/null.
    init(name: String, executable: String, arguments: [String]) throws {
        self.name = name
        self.commandLine = ([executable] + arguments).map { $0.isEmpty ? "''" : $0 }.joined(separator: " ")
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        process.terminationHandler = { [self] process in
            let exit = Exit(status: process.terminationStatus, bySignal: process.terminationReason == .uncaughtSignal)
            state.withLock { $0.exit = exit }
        }
        do {
            // The child inherits the signal mask of the thread that starts it, and the threads
            // tests run on (Dispatch's) block nearly every signal: a Python child would then
            // ignore SIGTERM. Start it with nothing blocked.
            var nothing = sigset_t()
            var previous = sigset_t()
            sigemptyset(&nothing)
            pthread_sigmask(SIG_SETMASK, &nothing, &previous)
            defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
            try process.run()
        } catch {
            throw HarnessError("could not start \(name) (\(commandLine)): \(error)")
        }
        startReading(outputPipe.fileHandleForReading.fileDescriptor, as: .stdout)
        startReading(errorPipe.fileHandleForReading.fileDescriptor, as: .stderr)
    }

    /// The child's process id.
    var processIdentifier: Int32 { process.processIdentifier }

    /// The complete lines printed to stdout so far.
    var standardOutput: [String] { state.withLock { $0.stdout } }

    /// The complete lines printed to stderr so far.
    var standardError: [String] { state.withLock { $0.stderr } }

    /// How the child ended, or nil while it runs.
    var exit: Exit? { state.withLock { $0.exit } }

    // MARK: Waiting

    /// Waits until `condition` holds for the collected state, or throws after `timeout`.
    private func wait<T>(
        for what: @autoclosure () -> String,
        timeout: Duration,
        _ condition: (State) -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let (value, finished) = state.withLock { state in
                (condition(state), state.exit != nil && state.open.isEmpty)
            }
            if let value { return value }
            if finished {
                throw HarnessError("\(name) ended (\(exit.map(\.description) ?? "?")) before \(what())")
            }
            if ContinuousClock.now >= deadline {
                throw HarnessError("timed out after \(timeout) waiting for \(what())")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits for a line on `stream` that starts with `prefix` and returns the rest of it.
    func line(startingWith prefix: String, on stream: Stream = .stderr, timeout: Duration = .seconds(10)) async throws -> String {
        try await wait(for: "a line starting with \"\(prefix)\" on the \(stream) of \(name)", timeout: timeout) { state in
            let lines = stream == .stdout ? state.stdout : state.stderr
            return lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        }
    }

    /// Waits for the endpoint in the child's `<label>listening on <endpoint>` line on stderr.
    func endpoint(_ label: String = "", timeout: Duration = .seconds(10)) async throws -> String {
        try await line(startingWith: label.isEmpty ? "listening on " : "\(label) listening on ", timeout: timeout)
    }

    /// Waits for the child to exit and for both of its streams to reach their end.
    @discardableResult
    func exited(timeout: Duration = .seconds(10)) async throws -> Exit {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let (exit, open) = state.withLock { ($0.exit, $0.open) }
            if let exit, open.isEmpty { return exit }
            if ContinuousClock.now >= deadline {
                throw HarnessError("timed out after \(timeout) waiting for \(name) to exit")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits for the child to exit with code 0 and throws, with its output, otherwise.
    func succeeded(timeout: Duration = .seconds(10)) async throws {
        let exit = try await exited(timeout: timeout)
        guard exit == Exit(status: 0, bySignal: false) else {
            throw HarnessError("\(name) ended with \(exit), expected exit code 0")
        }
    }

    // MARK: Stopping

    /// Asks the child to end (SIGTERM) and returns at once; see ``stop(grace:)`` to wait.
    func terminate() {
        send(SIGTERM)
    }

    /// Kills the child at once (SIGKILL), as a crash would: it runs no handler and flushes
    /// nothing. Returns at once; wait with ``exited(timeout:)``.
    func crash() {
        send(SIGKILL)
    }

    /// Sends `number` (SIGINT, SIGTERM, ...) to the child unless it has already exited; returns
    /// at once.
    func signal(_ number: Int32) {
        send(number)
    }

    /// Sends `signal` to the child unless it has already exited.
    private func send(_ signal: Int32) {
        state.withLock { state in
            // Under the lock: the termination handler cannot record the exit (and the pid be
            // reused) between the check and the kill.
            if state.exit == nil { _ = kill(process.processIdentifier, signal) }
        }
    }

    /// Ends the child: SIGTERM, then SIGKILL if it is still running after `grace`. Returns once
    /// it has exited and its output has been read (bounded: gives up after a further two seconds).
    func stop(grace: Duration = .seconds(2)) async {
        if exit == nil {
            send(SIGTERM)
            if !(await waitForEnd(within: grace)) {
                send(SIGKILL)
            }
        }
        _ = await waitForEnd(within: .seconds(2))
    }

    /// Waits until the child has exited and both streams are at their end.
    private func waitForEnd(within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !state.withLock({ $0.exit != nil && $0.open.isEmpty }) {
            if ContinuousClock.now >= deadline { return false }
            // Keeps polling even when the task is cancelled: children must not outlive the test.
            do { try await Task.sleep(for: .milliseconds(5)) } catch { usleep(5_000) }
        }
        return true
    }

    // MARK: Output

    /// The child's command line, exit and output so far, for failure messages.
    func transcript(lastLines: Int = 30) -> String {
        let (stdout, stderr, exit) = state.withLock { ($0.stdout, $0.stderr, $0.exit) }
        func block(_ lines: [String], _ label: String) -> String {
            let shown = lines.suffix(lastLines)
            let skipped = lines.count - shown.count
            let header = "  \(label) (\(lines.count) lines\(skipped > 0 ? ", last \(shown.count)" : "")):"
            return ([header] + shown.map { "    | \($0)" }).joined(separator: "\n")
        }
        return """
            --- \(name) [pid \(process.processIdentifier), \(exit.map(\.description) ?? "running")]: \(commandLine)
            \(block(stdout, "stdout"))
            \(block(stderr, "stderr"))
            """
    }

    private func startReading(_ descriptor: Int32, as stream: Stream) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    append(buffer[..<count], to: stream)
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            finish(stream)
        }
        thread.name = "\(name) \(stream)"
        thread.start()
    }

    private func append(_ bytes: ArraySlice<UInt8>, to stream: Stream) {
        state.withLock { state in
            var pending = state.pending[stream, default: []]
            pending.append(contentsOf: bytes)
            var start = pending.startIndex
            var lines: [String] = []
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: pending[start..<newline], as: UTF8.self))
                start = newline + 1
            }
            state.pending[stream] = Array(pending[start...])
            switch stream {
            case .stdout: state.stdout += lines
            case .stderr: state.stderr += lines
            }
        }
    }

    private func finish(_ stream: Stream) {
        state.withLock { state in
            if let rest = state.pending.removeValue(forKey: stream), !rest.isEmpty {
                let line = String(decoding: rest, as: UTF8.self)
                switch stream {
                case .stdout: state.stdout.append(line)
                case .stderr: state.stderr.append(line)
                }
            }
            state.open.remove(stream)
        }
    }
}

/// A failure of the harness or of a child, with everything needed to see why.
struct HarnessError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
