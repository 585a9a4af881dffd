import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Suspends until the process receives SIGINT (Ctrl-C) or SIGTERM, or until `condition`
/// (checked every `interval`) becomes true, or until the task is cancelled.
///
/// While this waits, those signals no longer end the process: the caller decides what to do,
/// for example print statistics and shut down cleanly. When it returns, their default action is
/// back. Signals are caught by swift-service-lifecycle's `UnixSignalsSequence`, and only one such
/// sequence may trap a signal at a time: wait in one task only.
///
/// - Parameters:
///   - condition: a reason to stop besides a signal, such as "enough messages have passed";
///     `nil` waits for a signal only.
///   - interval: how often to check `condition`.
/// - Returns: the signal's number, or `nil` when `condition` became true or the task was cancelled.
public func waitForTerminationSignal(
    orUntil condition: (@Sendable () async -> Bool)? = nil,
    checkingEvery interval: Duration = .milliseconds(20)
) async -> Int32? {
    // Returns once both handlers are installed: no signal from here on ends the process.
    let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    defer {
        // Dropping the sequence cancels its dispatch sources, but on Linux libdispatch's own
        // handler stays installed and the signals would go unnoticed from then on.
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    return await withTaskGroup(of: Int32?.self) { group in
        group.addTask {
            for await caught in signals { return caught.rawValue }
            return nil  // cancelled
        }
        if let condition {
            group.addTask {
                while !Task.isCancelled {
                    if await condition() { return nil }
                    try? await Task.sleep(for: interval)
                }
                return nil
            }
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
