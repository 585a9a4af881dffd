// A child process (the pyzmq peer) whose stdout is read line by line and stderr kept, both on
// dedicated threads, awaited with timeouts from async code; killed when it overstays, so a
// peer that hangs or dies never hangs the run.
import Foundation
import Synchronization

final class ChildProcess: @unchecked Sendable {
    private let process = Process()
    private let standardOutput = Pipe()
    private let standardError = Pipe()
    private let lines = Mutex<(lines: [String], ended: Bool)>(([], false))
    private let errors = Mutex<[String]>([])

    /// Starts `executable` with `arguments`.
    init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = standardOutput
        process.standardError = standardError
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw BenchError("starting \(executable) failed: \(error.localizedDescription)")
        }
        let output = standardOutput.fileHandleForReading.fileDescriptor
        let errorOutput = standardError.fileHandleForReading.fileDescriptor
        _ = RawThread<Void>("child stdout") { [self] in
            Self.readLines(output) { line in lines.withLock { $0.lines.append(line) } }
            lines.withLock { $0.ended = true }
        }
        _ = RawThread<Void>("child stderr") { [self] in
            Self.readLines(errorOutput) { line in errors.withLock { $0.append(line) } }
        }
    }

    /// Reads `descriptor` to its end, calling `body` with each line.
    private static func readLines(_ descriptor: Int32, _ body: (String) -> Void) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            pending.append(contentsOf: buffer[0..<count])
            while let newline = pending.firstIndex(of: 0x0A) {
                body(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty { body(String(decoding: pending, as: UTF8.self)) }
    }

    /// The next line of stdout, or nil when stdout ended or nothing came within `timeout`.
    func nextLine(timeout: Duration) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (line, ended) = lines.withLock { state -> (String?, Bool) in
                if !state.lines.isEmpty { return (state.lines.removeFirst(), false) }
                return (nil, state.ended)
            }
            if let line { return line }
            if ended || ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The first line of stderr that starts with `prefix` (without it), or nil when none came
    /// within `timeout` (or the child closed stderr first).
    func errorLine(startingWith prefix: String, timeout: Duration) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = errors.withLock { lines in lines.first { $0.hasPrefix(prefix) } }
            if let found { return String(found.dropFirst(prefix.count)) }
            if !process.isRunning || ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The exit status once the child has exited; after `timeout` it is killed and nil returned.
    func exitStatus(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                kill()
                return nil
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    /// Ends the child: SIGTERM, then SIGKILL if it is still there a moment later.
    func kill() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<50 where process.isRunning { usleep(10_000) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// The child's last lines of stderr, for a note when it failed.
    var errorTail: String {
        errors.withLock { $0.suffix(3).joined(separator: " / ") }
    }
}
