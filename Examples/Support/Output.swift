// stdout and stderr are C globals; the C library locks them itself.
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

/// Makes standard output line-buffered, so every printed line reaches a pipe at once, as the
/// programs that read ours (tests, `tee`, another program) expect. Call it first thing.
public func useLineBufferedStandardOutput() {
    setvbuf(stdout, nil, _IOLBF, 0)
}

/// Writes one line to standard error (unbuffered).
public func printToStandardError(_ line: String) {
    var text = line
    text.append("\n")
    text.withCString { _ = fputs($0, stderr) }
}

/// Announces a bound endpoint on standard error: `listening on <endpoint>`, or
/// `<role> listening on <endpoint>` for the devices (`frontend`, `backend`, `capture`).
///
/// Tests bind to `tcp://127.0.0.1:*` and read the port libzmq picked from this line.
///
/// - Parameters:
///   - endpoint: the endpoint `bind` returned (wildcards resolved).
///   - role: which of a device's sockets it is; `nil` for a program with one socket.
public func announceListening(on endpoint: String, role: String? = nil) {
    if let role {
        printToStandardError("\(role) listening on \(endpoint)")
    } else {
        printToStandardError("listening on \(endpoint)")
    }
}
