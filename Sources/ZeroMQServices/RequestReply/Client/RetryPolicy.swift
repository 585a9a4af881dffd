/// When and how often a typed client tries a request again.
///
/// Only requests marked idempotent are sent again after a timeout: the service may have handled
/// the first one. A request that never left (``RequestError/Code-swift.struct/unreachable``) is
/// tried again whatever its mark, since no service saw it. Remote errors and undecodable
/// replies are never retried: the service answered.
///
/// Between attempts the client waits a backoff that grows by ``multiplier`` from
/// ``initialBackoff`` up to ``maximumBackoff``, with ``jitter`` (a random share taken off, so
/// that many clients do not retry in step). ``deadline`` bounds the whole call, attempts and
/// backoffs included.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included; 1 means no retries.
    public var maximumAttempts: Int
    /// The wait before the second attempt.
    public var initialBackoff: Duration
    /// The longest wait between two attempts.
    public var maximumBackoff: Duration
    /// How much each wait grows over the one before.
    public var multiplier: Double
    /// The share of each wait (0 to 1) that is random: a wait `w` becomes a value in
    /// `w * (1 - jitter) ... w`.
    public var jitter: Double
    /// The longest a call may take over all its attempts; `nil` for no bound but the attempts'.
    public var deadline: Duration?

    /// Makes a policy. Values out of range are clamped (at least 1 attempt, jitter in 0...1,
    /// multiplier at least 1).
    public init(
        maximumAttempts: Int,
        initialBackoff: Duration = .milliseconds(100),
        maximumBackoff: Duration = .seconds(5),
        multiplier: Double = 2,
        jitter: Double = 0.2,
        deadline: Duration? = nil
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialBackoff = max(.zero, initialBackoff)
        self.maximumBackoff = max(self.initialBackoff, maximumBackoff)
        self.multiplier = max(1, multiplier)
        self.jitter = min(1, max(0, jitter))
        self.deadline = deadline
    }

    /// One attempt, no retries (the default).
    public static let none = RetryPolicy(maximumAttempts: 1)

    /// Exponential backoff with jitter.
    public static func exponentialBackoff(
        maximumAttempts: Int,
        initialBackoff: Duration = .milliseconds(100),
        maximumBackoff: Duration = .seconds(5),
        multiplier: Double = 2,
        jitter: Double = 0.2,
        deadline: Duration? = nil
    ) -> RetryPolicy {
        RetryPolicy(
            maximumAttempts: maximumAttempts, initialBackoff: initialBackoff, maximumBackoff: maximumBackoff,
            multiplier: multiplier, jitter: jitter, deadline: deadline
        )
    }

    /// The wait before attempt `attempt` (2 for the first retry); `randomFraction` (0...1) picks
    /// how much of the jitter share is taken off.
    ///
    /// (A fraction rather than an `inout` generator: ThreadSanitizer's instrumentation of an
    /// `inout` access to the zero-sized `SystemRandomNumberGenerator` crashed in Swift 6.3.1.)
    func backoff(beforeAttempt attempt: Int, randomFraction: Double) -> Duration {
        var wait = initialBackoff
        var step = 2
        while step < attempt, wait < maximumBackoff {
            wait = min(maximumBackoff, wait * multiplier)
            step += 1
        }
        guard jitter > 0, wait > .zero else { return wait }
        return wait * (1 - jitter * min(1, max(0, randomFraction)))
    }
}
