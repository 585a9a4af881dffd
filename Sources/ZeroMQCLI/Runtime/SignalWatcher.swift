import UnixSignals
import ZeroMQ
import ZeroMQSupport

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
///
/// The signals come from swift-service-lifecycle's `UnixSignalsSequence`, which a task reads for
/// the rest of the process's life: one watcher per process.
final class SignalWatcher: Sendable {
    /// Printed to standard error when a signal ends the process while it is stopping.
    static let atOnceLine = "Stopped at once by a signal while stopping: messages still queued are dropped."

    private struct State {
        /// The first signal, once it came.
        var first: Int32?
        /// Whether the session is stopping: after the first signal or ``beginStopping()``.
        var stopping = false
    }

    private let state = Lock(State())
    /// The first signal, for ``nextTerminationSignal()``.
    private let firstSignal: AsyncStream<Int32>
    private let firstSignalContinuation: AsyncStream<Int32>.Continuation

    /// Starts catching SIGINT and SIGTERM; their default action (ending the process at once) is
    /// off once this returns.
    init() async {
        (firstSignal, firstSignalContinuation) = AsyncStream.makeStream(of: Int32.self)
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        // Reads every signal until the process exits; `caught` ends the process at the second.
        Task { [self] in
            for await signal in signals { caught(signal.rawValue) }
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
            firstSignalContinuation.yield(number)
            return
        }
        Terminal.flushOutput()
        Terminal.printError(Self.atOnceLine)
        _exit(128 + number)
    }

    /// Suspends until the first SIGINT or SIGTERM and returns its number, or returns `nil` when
    /// the task is cancelled. Call it from one task at a time.
    func nextTerminationSignal() async -> Int32? {
        var iterator = firstSignal.makeAsyncIterator()
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
