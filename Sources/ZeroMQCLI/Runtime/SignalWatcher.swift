import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Catches SIGINT (Ctrl-C) and SIGTERM for a whole session, so that a command can stop cleanly,
/// print its summary and exit with status 128 + the signal's number; and ends the process at
/// once when a signal comes while it is already stopping.
///
/// Made before the session opens anything (so no `listening on` line is printed before signals
/// are caught), and kept until the process exits. The first signal is handed to
/// ``nextTerminationSignal()`` and starts the stopping; so does ``beginStopping()``, called when
/// the command's work ends by itself. A signal that arrives once stopping has begun (a second
/// Ctrl-C while queued messages are still leaving, for up to `--linger` seconds) does not wait:
/// it prints ``atOnceLine`` to standard error and exits with 128 + its number, dropping what is
/// still queued.
final class SignalWatcher: Sendable {
    /// Printed to standard error when a signal ends the process while it is stopping.
    static let atOnceLine = "Stopped at once by a signal while stopping: messages still queued are dropped."

    private struct State {
        /// The first signal, once it came.
        var first: Int32?
        /// Whether the session is stopping: after the first signal or ``beginStopping()``.
        var stopping = false
    }

    private let state = Mutex(State())
    private let signals: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation
    /// The dispatch sources that see SIGINT and SIGTERM, kept for the watcher's lifetime.
    // nonisolated(unsafe): set up in `init` (handler, resume) and never used again afterwards; this
    // reference only keeps them alive. Their handlers run on their own serial queue.
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]

    /// Starts catching SIGINT and SIGTERM; their default action (ending the process at once) is
    /// off from here on.
    init() {
        (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "zmq.signals")
        let watched = [SIGINT, SIGTERM]
        sources = watched.map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
        for (number, source) in zip(watched, sources) {
            source.setEventHandler { [self] in caught(number) }
            signal(number, SIG_IGN)  // the dispatch source sees the signal; the default action must not
            source.resume()
        }
    }

    private func caught(_ number: Int32) {
        let atOnce = state.withLock { state -> Bool in
            if state.stopping || state.first != nil { return true }
            state.first = number
            state.stopping = true
            return false
        }
        guard atOnce else {
            continuation.yield(number)
            return
        }
        Terminal.flushOutput()
        Terminal.printError(Self.atOnceLine)
        _exit(128 + number)
    }

    /// Suspends until the first SIGINT or SIGTERM and returns its number, or returns `nil` when
    /// the task is cancelled. Call it from one task at a time.
    func nextTerminationSignal() async -> Int32? {
        var iterator = signals.makeAsyncIterator()
        return await iterator.next()
    }

    /// Marks the session as stopping: from now on a signal ends the process at once. Returns the
    /// signal that came before, if one did.
    @discardableResult
    func beginStopping() -> Int32? {
        state.withLock { state in
            state.stopping = true
            return state.first
        }
    }
}
