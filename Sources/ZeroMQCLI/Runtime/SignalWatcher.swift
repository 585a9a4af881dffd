import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for SIGINT (Ctrl-C) or SIGTERM without letting them end the process, so that a
/// command can stop cleanly, print its summary and exit with status 128 + the signal's number.
enum SignalWatcher {
    /// Suspends until SIGINT or SIGTERM arrives and returns its number, or returns `nil` when the
    /// task is cancelled. The signals' default action is back once this returns.
    static func nextTerminationSignal() async -> Int32? {
        let watched = [SIGINT, SIGTERM]
        let queue = DispatchQueue(label: "zmq.signals")
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
        var iterator = signals.makeAsyncIterator()
        return await iterator.next()
    }
}
