// stdin, stdout and stderr are C globals; the C library locks them itself.
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

/// The process's standard streams, as the commands use them: received messages and summaries
/// go to standard output, one line each; everything else goes to standard error.
enum Terminal {
    /// Makes standard output line-buffered, so each message reaches a pipe as soon as it is
    /// printed.
    static func useLineBufferedOutput() {
        setvbuf(stdout, nil, _IOLBF, 0)
    }

    /// Whether standard error is a terminal (never a pipe or a file).
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// Whether standard output is a terminal.
    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }

    /// Writes `line` and a newline to standard output.
    static func printLine(_ line: String) {
        print(line)
    }

    /// Writes `bytes` as they are (any encoding) and a newline to standard output.
    static func printLine(bytes: [UInt8]) {
        let line = bytes + [UInt8(ascii: "\n")]
        _ = line.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, stdout) }
    }

    /// Writes out whatever standard output still buffers (before exiting without the C
    /// library's clean-up).
    static func flushOutput() {
        fflush(stdout)
    }

    /// Writes `line` and a newline to standard error.
    static func printError(_ line: String) {
        write(line + "\n", to: stderr)
    }

    /// Writes `text` to standard error as it is (for the live rate's `\r` updates).
    static func writeError(_ text: String) {
        write(text, to: stderr)
    }

    /// One line of standard input without its `\n` (bytes as they are, any encoding), or `nil`
    /// at end of file. Blocks: call it on a thread of its own (see ``StandardInputLines``).
    static func readLine() -> [UInt8]? {
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        let length = getline(&buffer, &capacity, stdin)
        guard length >= 0, let buffer else { return nil }
        var bytes = UnsafeRawBufferPointer(start: buffer, count: length).map { $0 }
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        return bytes
    }

    private static func write(_ text: String, to stream: UnsafeMutablePointer<FILE>?) {
        _ = text.withCString { fputs($0, stream) }
        fflush(stream)
    }
}
