/// Whether, and when, a typed call is tried again after one of its attempts failed.
///
/// A pure function of the failure, the attempt, the ``RetryPolicy``, the call's idempotency,
/// whether the client still takes calls, the call's deadline, the time now and a random
/// fraction (for the jitter): ``RequestClient`` only carries out what it returns, so every rule
/// is tested at exact instants without sockets or sleeps. Generic over the instant so that
/// tests can use a manual clock's.
enum RetryDecision<Instant: InstantProtocol>: Equatable where Instant.Duration == Duration {
    /// How an attempt failed.
    enum Failure: Equatable {
        /// No reply within the attempt's time: the request left, and the service may have
        /// handled it.
        case timedOut
        /// The request never left: no connection to the endpoint, or its handshake failed.
        case unreachable
        /// The caller's task was cancelled.
        case cancelled
        /// The client closed.
        case closed
    }

    /// Try again at `instant`, after waiting `backoff` from now.
    case retry(at: Instant, backoff: Duration)
    /// End the call with the attempt's failure.
    case fail

    /// The decision after attempt number `attempt` (1 for the first) failed with `failure`.
    ///
    /// A call is tried again only when all of these hold: the failure is a timeout or an
    /// unreachable endpoint (cancellation and closing end the call); the policy allows another
    /// attempt; the request is marked idempotent or never left (a timed-out request may have
    /// been handled, so only an idempotent one is sent again); the client still takes calls
    /// (not draining or closed); and the next attempt would start before the call's deadline,
    /// if it has one (an attempt starting at the deadline could not wait for anything).
    ///
    /// - Parameter randomFraction: 0...1, which share of the policy's jitter comes off the
    ///   backoff (``RetryPolicy/backoff(beforeAttempt:randomFraction:)``).
    static func after(
        _ failure: Failure,
        attempt: Int,
        policy: RetryPolicy,
        idempotent: Bool,
        clientTakesCalls: Bool,
        deadline: Instant?,
        now: Instant,
        randomFraction: Double
    ) -> Self {
        let sent: Bool
        switch failure {
        case .cancelled, .closed: return .fail
        case .timedOut: sent = true
        case .unreachable: sent = false
        }
        guard attempt < policy.maximumAttempts, idempotent || !sent, clientTakesCalls else { return .fail }
        let backoff = policy.backoff(beforeAttempt: attempt + 1, randomFraction: randomFraction)
        let resume = now.advanced(by: backoff)
        if let deadline, resume >= deadline { return .fail }
        return .retry(at: resume, backoff: backoff)
    }
}
