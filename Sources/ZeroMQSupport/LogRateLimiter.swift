import Logging

/// Decides which lines of a repeating log condition get written: the first, then at most one
/// per interval, each telling how many were left out since the one before.
///
/// What a remote peer can cause (malformed requests, undecodable events, a flood of beacons)
/// must not cost a log line per message: a peer sending 3 000 bad requests would otherwise
/// write 3 000 lines. A pure structure with the clock's instants passed in, so the tests drive
/// it with a manual clock; ``RateLimitedLog`` is the shell that logs.
package struct LogRateLimiter<Instant: InstantProtocol> {
    /// The least time between two lines written.
    package let interval: Instant.Duration
    /// When the next line may be written; `nil` before the first.
    private var nextLine: Instant?
    /// Lines left out since the last one written.
    private var leftOut = 0

    /// A limiter writing at most one line per `interval`.
    package init(interval: Instant.Duration) {
        self.interval = interval
    }

    /// Whether a line that comes up `now` is written: `nil` when it is left out (and counted),
    /// otherwise how many lines were left out before it (0 for most), which the line should say.
    package mutating func admit(at now: Instant) -> Int? {
        if let nextLine, now < nextLine {
            leftOut += 1
            return nil
        }
        defer { leftOut = 0 }
        nextLine = now.advanced(by: interval)
        return leftOut
    }
}

extension LogRateLimiter: Sendable where Instant: Sendable, Instant.Duration: Sendable {}

/// One log condition that a remote peer can repeat at will, written at most once per interval
/// (10 s by default). A line written after others were left out carries their number as
/// `zmq.suppressed`.
///
/// Safe from any thread. A line below the logger's level is neither written nor counted.
package final class RateLimitedLog: Sendable {
    private let limiter: Lock<LogRateLimiter<ContinuousClock.Instant>>

    /// A condition logged at most once per `interval`.
    package init(interval: Duration = .seconds(10)) {
        limiter = Lock(LogRateLimiter(interval: interval))
    }

    /// Writes the line to `logger` at `level` unless one was written less than the interval ago.
    package func log(
        _ logger: Logger, level: Logger.Level, _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata = [:]
    ) {
        guard logger.logLevel <= level, let leftOut = limiter.withLock({ $0.admit(at: .now) }) else { return }
        var metadata = metadata()
        if leftOut > 0 { metadata["zmq.suppressed"] = "\(leftOut)" }
        logger.log(level: level, message(), metadata: metadata)
    }
}
