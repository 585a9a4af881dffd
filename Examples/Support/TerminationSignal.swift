import Dispatch

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
/// back.
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
    let watched = [SIGINT, SIGTERM]
    let queue = DispatchQueue(label: "example-support.signals")
    let sources = watched.map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
    let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
    for (number, source) in zip(watched, sources) {
        source.setEventHandler { continuation.yield(number) }
        signal(number, SIG_IGN)  // the dispatch source sees the signal; the default action must not
        source.resume()
    }
    defer {
        for (number, source) in zip(watched, sources) {
            source.cancel()
            signal(number, SIG_DFL)
        }
        continuation.finish()
    }

    return await withTaskGroup(of: Int32?.self) { group in
        group.addTask {
            var iterator = signals.makeAsyncIterator()
            return await iterator.next()
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
